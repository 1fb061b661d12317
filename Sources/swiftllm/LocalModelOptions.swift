import Agent
import ArgumentParser
import Foundation
import GGUF
import Runtime
import Tensor

/// The flags `agent` and `eval bfcl` share to load the local model as a step taker.
struct LocalModelOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The GGUF model (default: SmolLM2-135M-Instruct in the models folder).")
    var model: String?

    @Option(name: .customLong("tool-format"), help: "The tool-call syntax: hermes, qwen, llama3, mistral, mistralArgs, gemma, generic, smollm2 (default: from the chat template, or the model's own).")
    var toolFormat: String?

    @Option(help: "Threads for the forward pass (default: all cores).")
    var threads: Int?

    @Flag(name: .customLong("copy-strings"), help: "Plain string arguments may only be text copied from the user's messages.")
    var copyStrings = false

    @Flag(name: .customLong("no-routing"), help: "Let the model choose among several tools instead of ToolRouter's word overlap.")
    var noRouting = false

    @Flag(name: .customLong("no-named-values"), help: "Do not narrow parameters to the allowed values the user's messages name (ArgumentEvidence).")
    var noNamedValues = false

    @Option(name: .customLong("jump-forward"), help: "Jump-forward over the text the call grammar forces: checked, appended, off.")
    var jumpForward: JumpForward = .checked

    @Option(help: "Prompt lookup: tokens drafted per step by copying from earlier context (0: off).")
    var lookup = 8

    @OptionGroup var compute: BackendOptions

    func validate() throws {
        if lookup < 0 { throw ValidationError("--lookup must be at least 0") }
        if let toolFormat, ToolCallFormat.Family(rawValue: toolFormat) == nil {
            throw ValidationError("unknown --tool-format '\(toolFormat)'")
        }
    }

    /// The model with `configuration`, its tool format set from `--tool-format` and its context
    /// `ctx`, or 4096 or the model's training context, whichever is smaller.
    func load(_ configuration: LocalModel.Configuration, ctx: Int? = nil) throws -> LocalModel {
        let resolved = try ModelPath.resolve(model)
        var configuration = configuration
        configuration.stringsFromMessages = copyStrings
        configuration.routeByWords = !noRouting
        configuration.namedValues = !noNamedValues
        configuration.speculation = SpeculationOptions(jumpForward: jumpForward, lookup: lookup)
        configuration.format = toolFormat.flatMap(ToolCallFormat.Family.init(rawValue:)).map(ToolCallFormat.init(family:))
        do {
            let file = try GGUFFile(path: resolved)
            let trained = (try? ModelConfig(metadata: file.metadata).contextLength) ?? 4096
            configuration.contextLength = ctx ?? min(4096, trained)
            return try LocalModel(file: file, configuration: configuration,
                                  pool: threads.map { ThreadPool(threads: $0) } ?? .shared, backend: compute.computeBackend)
        } catch {
            throw CLIError("\(resolved): \(error)")
        }
    }
}
