import ArgumentParser
import Runtime

@main
struct SwiftLLM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftllm",
        abstract: "A pure-Swift inference engine for small language models in GGUF files.",
        discussion: "Models default to $SWIFTLLM_MODELS or ~/.cache/swiftllm/models (filled by scripts/fetch-models.sh).",
        version: swiftllmVersion,
        subcommands: [Run.self, Chat.self, AgentCommand.self, Serve.self, EvalCommand.self, Inspect.self, Tokenize.self, Template.self, PerplexityCommand.self, Bench.self, GrammarCommand.self, Quantize.self, Devices.self])
}
