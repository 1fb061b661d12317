import ArgumentParser
import Foundation
import GGUF
import Runtime

extension JumpForward: ExpressibleByArgument {}

/// `run` and `chat`'s flags for drafting several tokens per step (`SpeculationOptions`). The
/// output is the same with and without them; statistics go to stderr.
struct SpeculationFlags: ParsableArguments {
    @Option(name: .customLong("jump-forward"),
            help: "Under a grammar, what to do with the text it forces: checked (draft its tokens and check them in one pass; the output is unchanged), appended (take them unchecked: faster, but the model continues after the tokenizer's spelling), off.")
    var jumpForward: JumpForward = .checked

    @Option(help: "Prompt lookup: draft up to N tokens per step by copying what followed the context's last n-gram earlier in the context (0: off).")
    var lookup = 0

    @Option(help: "A smaller model with the same vocabulary that drafts tokens for the main model to check.")
    var draft: String?

    @Option(name: .customLong("draft-max"), help: "Most tokens the draft model proposes per step (it adapts below this).")
    var draftMax = 8

    func validate() throws {
        if lookup < 0 { throw ValidationError("--lookup must be at least 0") }
        if draftMax < 1 { throw ValidationError("--draft-max must be at least 1") }
    }

    /// The options, with the draft model loaded (it must share `model`'s vocabulary).
    func options(for loaded: LoadedModel, contextLength: Int?) throws -> SpeculationOptions {
        var options = SpeculationOptions(jumpForward: jumpForward, lookup: lookup, draftMax: draftMax)
        if let draft {
            let draftModel: Model
            do {
                draftModel = try Model(file: try GGUFFile(path: draft))
            } catch {
                throw CLIError("\(draft): \(error)")
            }
            guard draftModel.config.vocabularySize == loaded.model.config.vocabularySize else {
                throw CLIError("\(draft): its vocabulary has \(draftModel.config.vocabularySize) tokens, the model's \(loaded.model.config.vocabularySize); a draft model must share the vocabulary")
            }
            options.draftModel = DraftModel(model: draftModel, contextLength: contextLength, pool: loaded.pool)
        }
        return options
    }
}
