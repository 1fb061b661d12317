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

    @Option(help: "Matmul strategy: auto, dot (quantized dot products) or blas (dequantized tiles + sgemm).")
    var strategy = "auto"

    @Flag(help: "Skip the matmul measurements.")
    var noMatmul = false

    static let defaultTypes: [GGMLType] = [.q4_0, .q4_1, .q8_0, .q4_K, .q6_K, .q5_0, .q5_1,
                                           .q2_K, .q3_K, .q5_K, .f16, .bf16, .f32]

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if reps < 1 { throw ValidationError("--reps must be at least 1") }
        if tokens < 1 { throw ValidationError("--tokens must be at least 1") }
        if matvecMiB < 1 { throw ValidationError("--matvec-mib must be at least 1") }
        _ = try matmulStrategy()
        _ = try selectedTypes()
        _ = try shapes()
    }

    /// The `--shape` values as (rows, cols).
    func shapes() throws -> [(rows: Int, cols: Int)] {
        try shape.map { text in
            let parts = text.lowercased().split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2, parts[0] > 0, parts[1] > 0 else {
                throw ValidationError("--shape must be ROWSxCOLS with positive numbers, not '\(text)'")
            }
            return (parts[0], parts[1])
        }
    }

    func matmulStrategy() throws -> MatMul.Strategy {
        switch strategy {
        case "auto": .automatic
        case "dot": .dot
        case "blas": .blas
        default: throw ValidationError("--strategy must be auto, dot or blas, not '\(strategy)'")
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
            write("machine: \(KernelBench.cpuName()), \(pool.threadCount) threads; \(best ? "best" : "medians") of \(reps) runs")
            let dispatch = bench.dispatchMicroseconds()
            write(String(format: "thread pool: dispatch + barrier %.2f µs median, %.2f µs 10th percentile",
                         dispatch.median, dispatch.p10))
            write("op      type   rows×cols        tokens  GB/s   read GB/s  ratio  GFLOP/s")
        }
        let minBytes = matvecMiB << 20
        for type in try selectedTypes() {
            var matvecShapes = try shapes()
            if matvecShapes.isEmpty {
                let rowBytes = type.rowBytes(elements: 4096) ?? 1
                matvecShapes = [(max(256, minBytes / rowBytes / 256 * 256), 4096)]
            }
            for (rows, cols) in matvecShapes {
                guard let rowBytes = type.rowBytes(elements: cols) else {
                    throw ValidationError("\(cols) columns are not whole \(type.name) blocks of \(type.blockSize)")
                }
                let copies = max(1, (minBytes + rows * rowBytes - 1) / (rows * rowBytes))
                let mv = try bench.matvec(type: type, rows: rows, cols: cols, copies: copies)
                emit(BenchRecord(op: "matvec", type: type, rows: rows, cols: cols, tokens: 1,
                                 gbPerS: mv.weightGBs, readGBs: mv.readGBs, gflops: nil))
            }
            if noMatmul { continue }
            let gflops = try bench.matmul(type: type, rows: 2048, cols: 2048, tokens: tokens, strategy: matmulStrategy())
            emit(BenchRecord(op: "matmul", type: type, rows: 2048, cols: 2048, tokens: tokens,
                             gbPerS: nil, readGBs: nil, gflops: gflops))
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
    let gbPerS: Double?, readGBs: Double?, gflops: Double?

    var ratio: Double? { gbPerS.flatMap { g in readGBs.map { g / $0 } } }

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
