import Foundation
import GGUF
import Runtime
import Tensor

/// Runs the timed forward passes of `bench model`.
final class ModelBenchRunner {
    let model: Model
    let cache: KVCache
    /// The first token of a generation test (llama-bench starts from BOS when the model adds one).
    let bos: Int32?

    /// Random token ids (fixed seed), as llama-bench feeds.
    private var random = XorShift64(state: 0x9e37_79b9_7f4a_7c15)

    init(model: Model, cache: KVCache, bos: Int32?) {
        self.model = model
        self.cache = cache
        self.bos = bos
    }

    private func randomToken() -> Int32 {
        Int32(random.next() % UInt64(model.config.vocabularySize))
    }

    /// Seconds of one warm-up run (discarded) and then `repetitions` timed runs of `body`.
    func measure(repetitions: Int, _ body: () throws -> Void) throws -> [Double] {
        try body()
        return try (0..<repetitions).map { _ in try KernelBench.seconds(body) }
    }

    /// One batch of `count` random tokens into an empty cache.
    func prompt(_ count: Int) throws {
        cache.truncate(to: 0)
        let tokens = (0..<count).map { _ in randomToken() }
        _ = try model.forward(tokens, cache: cache, logits: .last)
    }

    /// `count` single-token steps from an empty cache.
    func generate(_ count: Int) throws {
        cache.truncate(to: 0)
        var token = bos ?? randomToken()
        for _ in 0..<count {
            _ = try model.forward([token], cache: cache, logits: .last)
            token = randomToken()
        }
    }

    /// A 128-token context for `checkSteps`.
    func prepareChecks() throws {
        cache.truncate(to: 0)
        _ = try model.forward((0..<128).map { _ in randomToken() }, cache: cache)
    }

    /// `count` passes that each check `rows` tokens after the 128-token context (`forwardSteps`,
    /// every row's logits): the cost of a speculative decode step that drafted `rows − 1` tokens.
    func checkSteps(rows: Int, count: Int) throws {
        for _ in 0..<count {
            _ = try model.forwardSteps((0..<rows).map { _ in randomToken() }, cache: cache)
            cache.truncate(to: 128)
        }
    }

    /// `sequences` caches (like `cache`), each holding its own 128-token context, for `batchSteps`.
    func prepareBatch(_ sequences: Int) throws -> [KVCache] {
        try (0..<sequences).map { _ in
            let other = model.makeCache(contextLength: cache.capacity, precision: cache.precision, pool: cache.pool)
            _ = try model.forward((0..<128).map { _ in randomToken() }, cache: other, logits: .last)
            return other
        }
    }

    /// `count` decode steps that each evaluate the next token of every sequence in `caches` in one
    /// pass (`forward(batch:)`, as `serve` runs continuous batching), back to the 128-token
    /// contexts afterwards.
    func batchSteps(_ caches: [KVCache], count: Int) throws {
        for _ in 0..<count {
            _ = try model.forward(batch: caches.map { ForwardSegment(tokens: [randomToken()], cache: $0) })
        }
        for other in caches { other.truncate(to: 128) }
    }

    /// Median GB/s of a streaming read, on `pool`'s threads, of the model's own mapped tensor data
    /// (up to `bytes`): the same memory decode reads, and no allocation that would inflate the RSS.
    func readBandwidth(file: GGUFFile, bytes: Int, pool: ThreadPool, repetitions: Int) -> Double {
        var lower: UnsafeRawPointer?, upper: UnsafeRawPointer?
        for tensor in file.tensors {
            let data = file.data(of: tensor)
            guard let base = data.baseAddress, data.count > 0 else { continue }
            lower = lower.map { min($0, base) } ?? base
            upper = upper.map { max($0, base + data.count) } ?? base + data.count
        }
        guard let first = lower, let limit = upper.map({ $0 - first }) else { return 0 }
        let length = min(bytes, limit) / 128 * 128
        guard length > 0 else { return 0 }
        let seconds = KernelBench(pool: pool, reps: repetitions).median {
            KernelBench.streamingRead(first, bytes: length, pool: pool)
        }
        return Double(length) / seconds / 1e9
    }
}

/// What `bench model` prints about the model and the run, next to each result.
struct ModelBenchInfo {
    let description: String
    let path: String
    let fileBytes: Int
    let parameters: Int
    let weightBytesPerToken: Int
    let threads: Int
    let cacheBytes: Int
    let precision: String
    let backend: String

    init(loaded: LoadedModel, threads: Int, cacheBytes: Int, precision: String) {
        backend = loaded.model.backendName
        let meta = loaded.file.metadata
        let arch = meta.architecture ?? "?"
        let type = InspectSummary.fileType(meta["general.file_type"]?.intValue)
            .replacingOccurrences(of: "MOSTLY_", with: "").split(separator: " ").first.map(String.init) ?? "?"
        parameters = loaded.file.parameterCount
        description = "\(arch) \(InspectSummary.humanCount(parameters)) \(type)"
        path = loaded.path
        fileBytes = loaded.file.fileSize
        weightBytesPerToken = loaded.model.weightBytesPerToken
        self.threads = threads
        self.cacheBytes = cacheBytes
        self.precision = precision
    }

    /// The memory ceiling: the mapped file, the KV cache and 64 MiB for everything else.
    var memoryBudget: Int { fileBytes + cacheBytes + 64 << 20 }

    var tableHeader: String {
        "| model | size | params | backend | threads | test | t/s | weights GB/s | read GB/s |\n"
            + "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |"
    }

    /// Peak resident set size of this process, in bytes: `VmHWM` from /proc/self/status, which
    /// starts afresh at exec (getrusage's `ru_maxrss` keeps the parent's peak across fork + exec,
    /// so a bench started by a large process would report that process's memory).
    static func peakRSS() -> Int {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kB = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) {
            return kB * 1024
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
}

/// One test's result.
struct ModelBenchResult {
    let test: String
    let tokens: Int
    /// tokens/s of each timed run.
    let samples: [Double]
    let weightGBs: Double?
    let readGBs: Double?

    static func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(max(xs.count, 1)) }

    var mean: Double { Self.mean(samples) }

    /// Sample standard deviation (n − 1), as llama-bench reports.
    var stddev: Double {
        guard samples.count > 1 else { return 0 }
        let m = mean
        return (samples.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(samples.count - 1)).squareRoot()
    }

    func row(_ info: ModelBenchInfo) -> String {
        let size = String(format: "%.2f MiB", Double(info.fileBytes) / 1_048_576)
        let rate = String(format: "%.2f ± %.2f", mean, stddev)
        let weights = weightGBs.map { String(format: "%.2f", $0) } ?? "-"
        let read = readGBs.map { String(format: "%.2f", $0) } ?? "-"
        return "| \(info.description) | \(size) | \(InspectSummary.humanCount(info.parameters)) | \(info.backend) | \(info.threads) | \(test) | \(rate) | \(weights) | \(read) |"
    }

    func json(_ info: ModelBenchInfo) -> String {
        func number(_ x: Double?) -> JSONValue { x.map { .double(($0 * 1000).rounded() / 1000) } ?? .null }
        return JSONValue.object(JSONObject([
            ("test", .string(test)), ("tokens_per_second", number(mean)), ("stddev", number(stddev)),
            ("samples_ts", .array(samples.map { number($0) })),
            ("n_tokens", .int(tokens)), ("model", .string(info.description)), ("model_path", .string(info.path)),
            ("model_size", .int(info.fileBytes)), ("model_n_params", .int(info.parameters)),
            ("backend", .string(info.backend)), ("threads", .int(info.threads)), ("kv_type", .string(info.precision)),
            ("weight_bytes_per_token", .int(info.weightBytesPerToken)),
            ("weight_gb_per_s", number(weightGBs)), ("read_bw_gb_per_s", number(readGBs)),
            ("kv_cache_bytes", .int(info.cacheBytes)), ("peak_rss_bytes", .int(ModelBenchInfo.peakRSS())),
            ("memory_budget_bytes", .int(info.memoryBudget)),
        ])).compactText
    }
}
