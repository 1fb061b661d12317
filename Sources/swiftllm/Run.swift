import ArgumentParser
import Foundation
import Runtime

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate text from a prompt, streamed to stdout.",
        discussion: """
            The prompt comes from PROMPT, from -f FILE (bytes as they are), or from stdin. Without \
            --raw, it is sent as one user message through the model's chat template (or a built-in \
            ChatML/Gemma format when the model has none). With --raw it is used as is: special-token \
            text such as <|im_start|> is still parsed into special tokens, and BOS follows the model's \
            rule. Statistics go to stderr after generation. With --json-schema, --grammar or --json \
            the output is constrained token by token; if generation stops (-n) before the output is \
            complete, that is reported on stderr with exit status 1.
            """)

    @OptionGroup var options: SamplingOptions

    @OptionGroup var compute: BackendOptions

    @OptionGroup var profiling: ProfileFlag

    @OptionGroup var constraint: ConstraintOptions

    @OptionGroup var speculation: SpeculationFlags

    @Option(name: .shortAndLong, help: "Read the prompt from this file, byte for byte.")
    var file: String?

    @Flag(help: "Use the prompt as is, without the chat template.")
    var raw = false

    @Argument(help: "The prompt (default: -f FILE or stdin).")
    var prompt: String?

    func run() async throws {
        let text = try PromptInput.read(argument: prompt, file: file)
        let loaded = try LoadedModel(path: options.model, threads: options.threads, backend: compute.computeBackend)
        try options.checkLogitBias(vocabularySize: loaded.model.config.vocabularySize)
        try profiling.start(loaded.model)
        let tokens = raw ? loaded.rawTokens(text)
            : try loaded.chatTokens([.object(JSONObject([("role", "user"), ("content", .string(text))]))])
        var generation = options.generationOptions
        generation.speculation = try speculation.options(for: loaded, contextLength: options.ctx)
        if let grammar = try constraint.grammarValue() {
            generation.constraint = GrammarConstraint(grammar: grammar, vocabulary: TokenVocabulary(tokenizer: loaded.tokenizer))
        }
        let session = loaded.makeSession(contextLength: options.ctx, batchSize: options.batch)
        let output = FileHandle.standardOutput
        var complete = true
        for try await event in session.generate(prompt: tokens, options: generation) {
            switch event {
            case .text(let piece): output.write(Data(piece.utf8))
            case .token, .alternatives: break
            case .done(let stats):
                StatsReport.print(stats)
                complete = stats.grammarComplete ?? true
            }
        }
        profiling.reportOnStandardError(loaded.model)
        if !complete {
            throw CLIError("generation stopped before the output was complete under the grammar (the text above is truncated); raise -n")
        }
    }
}

/// Reads the prompt from an argument, a file (bytes as they are) or stdin.
enum PromptInput {
    static func read(argument: String?, file: String?) throws -> String {
        if argument != nil && file != nil { throw ValidationError("give either PROMPT or -f FILE, not both") }
        if let argument { return argument }
        let data: Data
        if let file {
            guard let contents = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read \(file)") }
            data = contents
        } else {
            data = FileHandle.standardInput.readDataToEndOfFile()
        }
        guard !data.isEmpty else { throw ValidationError("the prompt is empty") }
        return String(decoding: data, as: UTF8.self)
    }
}

enum StatsReport {
    static func print(_ stats: GenerationStats) {
        let text = String(format: "\n\nprompt: %d tokens (%d evaluated), %.1f tok/s | generated: %d tokens, %.1f tok/s | first token after %.0f ms | stop: %@\n",
                          stats.promptTokens, stats.promptTokensEvaluated, stats.promptTokensPerSecond,
                          stats.generatedTokens, stats.generationTokensPerSecond, stats.timeToFirstToken * 1000,
                          stats.stopReason.rawValue)
        FileHandle.standardError.write(Data(text.utf8))
        if stats.grammarComplete != nil {
            let decoding = stats.generationSeconds * 1000, grammar = stats.constraintSeconds * 1000
            let line = String(format: "grammar: %.1f ms of %.0f ms decoding (%.1f %%): token checks, masks, redraws, parser steps\n",
                              grammar, decoding, decoding > 0 ? grammar / decoding * 100 : 0)
            FileHandle.standardError.write(Data(line.utf8))
        }
        let s = stats.speculation
        guard s.drafted > 0 else { return }
        let line = String(format: "speculation: %d decode steps, %.2f tokens per step | drafted %d, accepted %d (%.0f %%): forced %d/%d, lookup %d/%d, draft model %d/%d\n",
                          stats.decodeSteps, stats.tokensPerStep, s.drafted, s.accepted, s.acceptanceRate * 100,
                          s.forced.accepted, s.forced.drafted, s.lookup.accepted, s.lookup.drafted,
                          s.model.accepted, s.model.drafted)
        FileHandle.standardError.write(Data(line.utf8))
    }
}
