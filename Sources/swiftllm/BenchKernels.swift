import ArgumentParser
import Foundation
import Tensor

/// `swiftllm bench kernels`: decode-sized matvec bandwidth and prefill-sized matmul GFLOP/s per type.
struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Benchmark matvec (GB/s vs. measured read bandwidth) and matmul (GFLOP/s) per weight type.")

    @Flag(help: "One JSON object per line instead of a table.")
    var json = false

    @Option(help: "Worker threads (default: physical cores).")
    var threads: Int?

    @Option(help: "Repetitions per measurement; the median is reported.")
    var reps = 9

    @Flag(help: "Matvec: report the fastest repetition instead of the median (steadier when other processes share the cores).")
    var best = false

    @Option(help: "Comma-separated weight types (default: all with kernels).")
    var types: String?

    @Option(name: .customLong("matvec-mib"), help: "Minimum matvec weight bytes in MiB (keep it above the last-level cache).")
    var matvecMiB = 96

    @Option(help: ArgumentHelp(
        "Matvec shape ROWSxCOLS instead of the default 4096-column one (repeatable), e.g. a model's real matrices.",
        discussion: "Copies of the weights are cycled through until --matvec-mib is reached, so a small matrix is read from memory, not cache, as in decode."))
    var shape: [String] = []

    @Option(help: "Tokens of the prefill matmul.")
    var tokens = 512

    @Option(help: "Matmul strategy: auto, dot (quantized dot products), blas (dequantized tiles + sgemm) or int8 (int8 GEMM: AVX-512 VNNI or AVX2; on avx2 builds SWIFTLLM_AVX2_INT8=0 keeps `auto` off it).")
    var strategy = "auto"

    @Option(help: "Comma-separated matmul shapes ROWSxCOLS, or 'models' for SmolLM2's and Gemma3's projections.")
    var shapes = "2048x2048"

    @Flag(help: "Skip the matmul measurements.")
    var noMatmul = false

    @Flag(help: "Skip the matvec measurements.")
    var noMatvec = false

    /// The projection shapes (rows×cols) of SmolLM2-135M (576, 1536) and Gemma3-270M (640, 1024, 2048).
    static let modelShapes = [(576, 576), (1536, 576), (576, 1536), (1024, 640), (2048, 640), (640, 2048)]

    static let defaultTypes: [GGMLType] = [.q4_0, .q4_1, .q8_0, .q4_K, .q6_K, .q5_0, .q5_1,
                                           .q2_K, .q3_K, .q5_K, .f16, .bf16, .f32]

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if reps < 1 { throw ValidationError("--reps must be at least 1") }
        if tokens < 1 { throw ValidationError("--tokens must be at least 1") }
        if matvecMiB < 1 { throw ValidationError("--matvec-mib must be at least 1") }
        _ = try matmulStrategy()
        _ = try selectedTypes()
        _ = try matmulShapes()
        _ = try matvecShapes()
    }

    /// The `--shape` values as (rows, cols).
    func matvecShapes() throws -> [(rows: Int, cols: Int)] {
        try shape.map { text in
            let parts = text.lowercased().split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2, parts[0] > 0, parts[1] > 0 else {
                throw ValidationError("--shape must be ROWSxCOLS with positive numbers, not '\(text)'")
            }
            return (parts[0], parts[1])
        }
    }

    func matmulShapes() throws -> [(rows: Int, cols: Int)] {
        if shapes == "models" { return Self.modelShapes.map { (rows: $0.0, cols: $0.1) } }
        return try shapes.split(separator: ",").map { shape in
            let parts = shape.split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2, parts[0] > 0, parts[1] > 0 else {
                throw ValidationError("--shapes wants ROWSxCOLS[,ROWSxCOLS…] or 'models', not '\(shape)'")
            }
            return (rows: parts[0], cols: parts[1])
        }
    }

    func matmulStrategy() throws -> MatMul.Strategy {
        switch strategy {
        case "auto": .automatic
        case "dot": .dot
        case "blas": .blas
        case "int8": .int8
        default: throw ValidationError("--strategy must be auto, dot, blas or int8, not '\(strategy)'")
        }
    }

    func selectedTypes() throws -> [GGMLType] {
        guard let types else { return Self.defaultTypes }
        return try types.split(separator: ",").map { name in
            guard let type = GGMLType(name: String(name)), KernelTable.supports(type) else {
                throw ValidationError("no matrix kernels for type '\(name)'")
            }
            return type
        }
    }

    func run() throws {
        let pool = ThreadPool(threads: threads ?? ThreadPool.physicalCores)
        let bench = KernelBench(pool: pool, reps: reps, best: best)
        if !json {
            write("machine: \(KernelBench.cpuName()), \(pool.threadCount) threads, \(KernelTier.active.rawValue) kernels; \(best ? "best" : "medians") of \(reps) runs")
            let dispatch = bench.dispatchMicroseconds()
            write(String(format: "thread pool: dispatch + barrier %.2f µs median, %.2f µs 10th percentile",
                         dispatch.median, dispatch.p10))
            write("op      type   rows×cols        tokens  GB/s   read GB/s  ratio  GFLOP/s")
        }
        let minBytes = matvecMiB << 20
        for type in try selectedTypes() where !noMatvec {
            var shapes = try matvecShapes()
            if shapes.isEmpty {
                let rowBytes = type.rowBytes(elements: 4096) ?? 1
                shapes = [(max(256, minBytes / rowBytes / 256 * 256), 4096)]
            }
            for (rows, cols) in shapes {
                guard let rowBytes = type.rowBytes(elements: cols) else {
                    throw ValidationError("\(cols) columns are not whole \(type.name) blocks of \(type.blockSize)")
                }
                let copies = max(1, (minBytes + rows * rowBytes - 1) / (rows * rowBytes))
                let mv = try bench.matvec(type: type, rows: rows, cols: cols, copies: copies)
                emit(BenchRecord(op: "matvec", type: type, rows: rows, cols: cols, tokens: 1,
                                 gbPerS: mv.weightGBs, readGBs: mv.readGBs, ratio: mv.ratio, gflops: nil))
            }
        }
        for type in try selectedTypes() {
            if noMatmul { continue }
            for (rows, cols) in try matmulShapes() where cols % type.blockSize == 0 {
                let gflops = try bench.matmul(type: type, rows: rows, cols: cols, tokens: tokens, strategy: matmulStrategy())
                emit(BenchRecord(op: "matmul", type: type, rows: rows, cols: cols, tokens: tokens,
                                 gbPerS: nil, readGBs: nil, ratio: nil, gflops: gflops))
            }
        }
    }

    private func emit(_ r: BenchRecord) { write(json ? r.json : r.row) }

    /// Unbuffered, so lines appear as they are measured even when piped.
    private func write(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

/// One measured line of `bench kernels`.
struct BenchRecord {
    let op: String, type: GGMLType, rows: Int, cols: Int, tokens: Int
    /// `ratio` is the matvec's per-round ratio to the read (see `KernelBench.matvec`).
    let gbPerS: Double?, readGBs: Double?, ratio: Double?, gflops: Double?

    private func number(_ x: Double?, _ digits: Int) -> String {
        x.map { String(format: "%.\(digits)f", $0) } ?? "null"
    }

    var json: String {
        "{\"op\": \"\(op)\", \"type\": \"\(type.name)\", \"rows\": \(rows), \"cols\": \(cols), \"tokens\": \(tokens), "
            + "\"gb_per_s\": \(number(gbPerS, 2)), \"read_bw_gb_per_s\": \(number(readGBs, 2)), "
            + "\"ratio\": \(number(ratio, 3)), \"gflops\": \(number(gflops, 1))}"
    }

    var row: String {
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        let dash = "-"
        return pad(op, 8) + pad(type.name, 7) + pad("\(rows)×\(cols)", 17) + pad("\(tokens)", 8)
            + pad(gbPerS.map { String(format: "%.2f", $0) } ?? dash, 7)
            + pad(readGBs.map { String(format: "%.2f", $0) } ?? dash, 11)
            + pad(ratio.map { String(format: "%.2f", $0) } ?? dash, 7)
            + (gflops.map { String(format: "%.1f", $0) } ?? dash)
    }
}
