import ArgumentParser

@main
struct SwiftLLM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftllm",
        abstract: "A pure-Swift inference engine for small language models in GGUF files.",
        subcommands: [Inspect.self, Tokenize.self])
}
