import ArgumentParser
import Foundation
import GGUF
import Runtime
import Tensor

/// `swiftllm bench [-m MODEL]`: whole-model prompt processing (pp) and generation (tg) speed,
/// measured as llama-bench does: pp = one batch of p random tokens into an empty cache, tg = n
/// single-token decode steps from an empty cache, each repeated r times after a warm-up run.
struct BenchModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Benchmark a whole model: prompt processing (ppP) and generation (tgN) tokens/s.",
        discussion: """
            Modelled on llama-bench. ppP evaluates P random tokens in one batch into an empty KV \
            cache (logits of the last token only); tgN decodes N tokens one at a time from an empty \
            cache. Each test runs once to warm up, then -r times; the mean and standard deviation \
            of the runs' tokens/s are printed. For tg, the weight bytes one step reads times tok/s \
            is shown next to the machine's read bandwidth, measured in the same run by a streaming \
            read of as many bytes on the same threads. The peak RSS of the process is printed \
            last, next to model file + KV cache + 64 MiB.
            """)

    @Option(name: .shortAndLong, help: "Model file (default: the SmolLM2 model fetched by scripts/fetch-models.sh).")
    var model: String?

    @Option(name: [.customShort("p"), .customLong("n-prompt")], help: "Prompt sizes, comma-separated (0 skips pp).")
    var prompt = "512"

    @Option(name: [.customShort("n"), .customLong("n-gen")], help: "Generation lengths, comma-separated (0 skips tg).")
    var gen = "128"

    @Option(help: "Speculative check passes: rows per pass, comma-separated (vsK: 32 passes that each check K tokens after 128; tok/s counts all K as accepted).")
    var steps = ""

    @Option(help: "Decode batches: sequences per step, comma-separated (bB: 32 steps that each decode one token of B sequences, each after its own 128-token context, as `serve` batches).")
    var batch = ""

    @Option(name: [.customShort("r"), .customLong("repetitions")], help: "Timed runs per test, after one warm-up run.")
    var repetitions = 5

    @OptionGroup var compute: BackendOptions

    @OptionGroup var profiling: ProfileFlag

    @Option(help: "Worker threads (default: physical cores).")
    var threads: Int?

    @Option(help: "KV cache precision: f16 or f32.")
    var kv = "f16"

    @Flag(help: "One JSON object per test instead of a table.")
    var json = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if repetitions < 1 { throw ValidationError("-r must be at least 1") }
        _ = try KVCache.Precision.option(kv)
        _ = try sizes(prompt, "-p")
        _ = try sizes(gen, "-n")
        _ = try sizes(batch, "--batch")
        if try sizes(steps, "--steps").contains(where: { $0 > Model.maxStepRows }) {
            throw ValidationError("--steps takes at most \(Model.maxStepRows) rows per pass")
        }
    }

    private func sizes(_ list: String, _ flag: String) throws -> [Int] {
        try list.split(separator: ",").map { item in
            guard let n = Int(item.trimmingCharacters(in: .whitespaces)), n >= 0 else {
                throw ValidationError("\(flag) takes non-negative integers separated by commas, not '\(list)'")
            }
            return n
        }.filter { $0 > 0 }
    }

    func run() throws {
        let loaded = try LoadedModel(path: model, threads: threads, backend: compute.computeBackend)
        let prompts = try sizes(prompt, "-p"), gens = try sizes(gen, "-n")
        try profiling.start(loaded.model)
        let precision = try KVCache.Precision.option(kv)
        let checks = try sizes(steps, "--steps")
        let batches = try sizes(batch, "--batch")
        let capacity = min(loaded.model.config.contextLength, max(prompts.max() ?? 0, gens.max() ?? 0,
                                                                  checks.isEmpty && batches.isEmpty ? 1 : 128 + max(Model.maxStepRows, 32)))
        let cache = loaded.model.makeCache(contextLength: capacity, precision: precision, pool: loaded.pool)
        let runner = ModelBenchRunner(model: loaded.model, cache: cache, bos: loaded.tokenizer.addsBOS ? loaded.tokenizer.bos : nil)
        let info = ModelBenchInfo(loaded: loaded, threads: loaded.pool.threadCount, cacheBytes: cache.byteCount, precision: kv)
        if !json {
            write("machine: \(KernelBench.cpuName()), \(info.threads) threads, \(KernelTier.active.rawValue) kernels; mean ± stddev of \(repetitions) runs after a warm-up")
            write(info.tableHeader)
        }
        for p in prompts {
            let samples = try runner.measure(repetitions: repetitions) { try runner.prompt(p) }
            emit(ModelBenchResult(test: "pp\(p)", tokens: p, samples: samples.map { Double(p) / $0 }, weightGBs: nil, readGBs: nil), info)
        }
        for n in gens {
            let samples = try runner.measure(repetitions: repetitions) { try runner.generate(n) }
            let rates = samples.map { Double(n) / $0 }
            let readGBs = runner.readBandwidth(file: loaded.file, bytes: info.weightBytesPerToken, pool: loaded.pool, repetitions: repetitions)
            let weightGBs = Double(info.weightBytesPerToken) * ModelBenchResult.mean(rates) / 1e9
            emit(ModelBenchResult(test: "tg\(n)", tokens: n, samples: rates, weightGBs: weightGBs, readGBs: readGBs), info)
        }
        if !checks.isEmpty { try runner.prepareChecks() }
        for k in checks {
            let samples = try runner.measure(repetitions: repetitions) { try runner.checkSteps(rows: k, count: 32) }
            emit(ModelBenchResult(test: "vs\(k)", tokens: 32 * k, samples: samples.map { Double(32 * k) / $0 }, weightGBs: nil, readGBs: nil), info)
        }
        for b in batches {
            let caches = try runner.prepareBatch(b)
            let samples = try runner.measure(repetitions: repetitions) { try runner.batchSteps(caches, count: 32) }
            emit(ModelBenchResult(test: "b\(b)", tokens: 32 * b, samples: samples.map { Double(32 * b) / $0 }, weightGBs: nil, readGBs: nil), info)
        }
        if let profile = profiling.report(loaded.model, json: json) {
            write(profile)
        }
        if !json {
            let rss = ModelBenchInfo.peakRSS()
            write(String(format: "peak RSS %.1f MiB; model file + KV cache + 64 MiB = %.1f MiB",
                         Double(rss) / 1_048_576, Double(info.memoryBudget) / 1_048_576))
        }
    }

    private func emit(_ result: ModelBenchResult, _ info: ModelBenchInfo) {
        write(json ? result.json(info) : result.row(info))
    }

    /// Unbuffered, so lines appear as they are measured even when piped.
    private func write(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
