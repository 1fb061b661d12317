import ArgumentParser
import Foundation
import Runtime

struct PerplexityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perplexity",
        abstract: "Measure a model's perplexity on a text file, the way llama.cpp does.",
        discussion: """
            The text is tokenized (BOS by the model's rule) and cut into consecutive chunks of -c \
            tokens; each chunk is evaluated from an empty context (first token replaced by BOS when \
            the model uses one) and the second half of each chunk is scored. A progress line per \
            chunk goes to stderr; the last line on stdout is "PPL = X +/- Y".
            """)

    @Option(name: .shortAndLong, help: "The GGUF model (default: SmolLM2-135M-Instruct in the models folder).")
    var model: String?

    @Option(name: .shortAndLong, help: "The text file.")
    var file: String

    @Option(name: .customShort("c"), help: "Tokens per chunk.")
    var context: Int = 512

    @OptionGroup var compute: BackendOptions

    @OptionGroup var profiling: ProfileFlag

    @Option(help: "Threads for the kernels (default: physical cores).")
    var threads: Int?

    @Option(help: "Tokens evaluated per batch.")
    var batch: Int = 512

    func validate() throws {
        if context < 4 { throw ValidationError("-c must be at least 4") }
    }

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read \(file)") }
        let loaded = try LoadedModel(path: model, threads: threads, backend: compute.computeBackend)
        let tokens = loaded.tokenizer.encode(String(decoding: data, as: UTF8.self), addSpecial: true, parseSpecial: false)
        try profiling.start(loaded.model)
        let bos = loaded.tokenizer.addsBOS ? loaded.tokenizer.bos : nil
        let start = Date()
        let result = try PerplexityEvaluator.evaluate(model: loaded.model, tokens: tokens, contextLength: context, bos: bos,
                                                      batchSize: batch, pool: loaded.pool) { chunk, total, running in
            let line = String(format: "[%d/%d] running PPL %.4f (%.1f s)\n", chunk + 1, total, running, Date().timeIntervalSince(start))
            FileHandle.standardError.write(Data(line.utf8))
        }
        print(String(format: "chunks %d, scored tokens %d", result.chunks, result.scoredTokens))
        profiling.reportOnStandardError(loaded.model)
        print(String(format: "PPL = %.4f +/- %.5f", result.perplexity, result.uncertainty))
    }
}
