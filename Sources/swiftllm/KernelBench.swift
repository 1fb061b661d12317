import Foundation
import Synchronization
import Tensor

/// The measurements behind `bench kernels`: timed kernel calls on synthetic weights.
struct KernelBench {
    let pool: ThreadPool
    let reps: Int
    /// Report the fastest matvec and read repetitions instead of the medians.
    var best = false

    /// Median (or best) weight GB/s of a matvec and, for the same byte count, streaming-read GB/s,
    /// and their ratio: the median (or best) of the per-round ratios, so a round where the machine
    /// was busy slows both of its measurements and does not skew the ratio.
    ///
    /// The weights are `copies` back-to-back copies of the matrix, each timed round multiplies by
    /// every copy in turn, so a matrix smaller than the last-level cache is still read from memory
    /// (as in decode, where the other layers' weights evict it), dispatch costs included.
    func matvec(type: GGMLType, rows: Int, cols: Int, copies: Int = 1) throws -> (weightGBs: Double, readGBs: Double, ratio: Double) {
        let matrixBytes = rows * (type.rowBytes(elements: cols) ?? 0)
        let bytes = matrixBytes * copies
        let weights = KernelBench.syntheticWeights(type, bytes: bytes)
        defer { weights.deallocate() }
        let x = (0..<cols).map { Float(sin(Double($0))) }
        var y = [Float](repeating: 0, count: rows)
        let w = UnsafeRawPointer(weights.baseAddress!)
        let pool = self.pool
        // Alternate the two measurements so both see the same competition for memory.
        var matvecTimes: [Double] = [], readTimes: [Double] = []
        for rep in 0...reps {
            let t = try KernelBench.seconds {
                try y.withUnsafeMutableBufferPointer { yp throws(KernelError) in
                    for copy in 0..<copies {
                        try MatMul.matvec(weights: w + copy * matrixBytes, type: type, rows: rows, cols: cols,
                                          x: x, y: yp.baseAddress!, pool: pool)
                    }
                }
            }
            let r = KernelBench.seconds { KernelBench.streamingRead(w, bytes: bytes, pool: pool) }
            if rep > 0 { // the first round warms up
                matvecTimes.append(t)
                readTimes.append(r)
            }
        }
        let pick: ([Double]) -> Double = best ? { $0.min() ?? 0 } : KernelBench.median
        let t = pick(matvecTimes), read = pick(readTimes)
        let ratios = zip(readTimes, matvecTimes).map { $0 / $1 }
        let ratio = best ? (ratios.max() ?? 0) : KernelBench.median(ratios)
        return (Double(bytes) / t / 1e9, Double(bytes) / read / 1e9, ratio)
    }

    /// Median GFLOP/s of a `tokens × cols` by `rows × cols` matmul.
    func matmul(type: GGMLType, rows: Int, cols: Int, tokens: Int, strategy: MatMul.Strategy) throws -> Double {
        let bytes = rows * (type.rowBytes(elements: cols) ?? 0)
        let weights = KernelBench.syntheticWeights(type, bytes: bytes)
        defer { weights.deallocate() }
        let x = (0..<(tokens * cols)).map { Float(sin(Double($0) * 0.37)) }
        var y = [Float](repeating: 0, count: tokens * rows)
        let w = UnsafeRawPointer(weights.baseAddress!)
        let pool = self.pool
        let t = try median {
            try y.withUnsafeMutableBufferPointer { yp throws(KernelError) in
                try MatMul.matmul(weights: w, type: type, rows: rows, cols: cols, x: x, tokens: tokens,
                                  y: yp.baseAddress!, pool: pool, strategy: strategy)
            }
        }
        return 2 * Double(tokens) * Double(rows) * Double(cols) / t / 1e9
    }

    /// Cost of one empty `pool.run` (dispatch to every worker and wait for all), in µs: the
    /// median and the 10th percentile of 10 000 single calls (the latter shows the uncontended
    /// cost when other processes share the cores).
    func dispatchMicroseconds() -> (median: Double, p10: Double) {
        let pool = self.pool
        var times: [Double] = []
        for _ in 0..<10_000 {
            let start = DispatchTime.now().uptimeNanoseconds
            pool.run { _, _ in }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3)
        }
        times.sort()
        return (times[times.count / 2], times[times.count / 10])
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    /// Runs `body` once to warm up, then `reps` times; the median seconds.
    func median(_ body: () throws -> Void) rethrows -> Double {
        try body()
        var times: [Double] = []
        for _ in 0..<reps {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[times.count / 2]
    }

    private static let checksum = Atomic<UInt64>(0)

    /// Sums `bytes` of memory as 64-bit words on every pool thread, each its own contiguous part.
    static func streamingRead(_ p: UnsafeRawPointer, bytes: Int, pool: ThreadPool) {
        let words = bytes / 64
        var sinks = [UInt64](repeating: 0, count: pool.threadCount)
        sinks.withUnsafeMutableBufferPointer { sink in
            pool.run { worker, workers in
                var a = SIMD8<UInt64>(), b = SIMD8<UInt64>()
                let part = ThreadPool.split(words, worker: worker, of: workers, granularity: 2)
                var i = part.lowerBound
                while i + 2 <= part.upperBound {
                    a &+= p.loadUnaligned(fromByteOffset: 64 * i, as: SIMD8<UInt64>.self)
                    b &+= p.loadUnaligned(fromByteOffset: 64 * i + 64, as: SIMD8<UInt64>.self)
                    i += 2
                }
                sink[worker] = (a &+ b).wrappedSum()
            }
        }
        // An atomic add is an observable side effect, so the loads cannot be optimised away.
        checksum.wrappingAdd(sinks.reduce(0, &+), ordering: .relaxed)
    }

    /// Random quant bits with every f16 scale set to 1/128 (normal, so no denormal slow paths),
    /// or random floats in [-1, 1) for the float types.
    static func syntheticWeights(_ type: GGMLType, bytes: Int) -> UnsafeMutableRawBufferPointer {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes, alignment: 64)
        var random = XorShift64(state: 0x1234_5678_9abc_def1)
        func next() -> UInt64 { random.next() }
        let base = buffer.baseAddress!
        switch type {
        case .f32:
            for i in 0..<(bytes / 4) { base.storeBytes(of: Float(Int64(next() % 2000) - 1000) / 1000, toByteOffset: 4 * i, as: Float.self) }
        case .f16, .bf16:
            let value: UInt16 = type == .f16 ? 0x2000 : 0x3c00
            for i in 0..<(bytes / 2) { base.storeBytes(of: value ^ UInt16(next() & 0x3ff), toByteOffset: 2 * i, as: UInt16.self) }
        default:
            for i in 0..<(bytes / 8) { base.storeBytes(of: next(), toByteOffset: 8 * i, as: UInt64.self) }
            let scale = Float16(1.0 / 128).bitPattern
            for block in 0..<(bytes / type.typeSize) {
                for offset in scaleOffsets(type) {
                    base.storeBytes(of: scale, toByteOffset: block * type.typeSize + offset, as: UInt16.self)
                }
            }
        }
        return buffer
    }

    static func scaleOffsets(_ type: GGMLType) -> [Int] {
        switch type {
        case .q4_0, .q5_0, .q8_0: [0]
        case .q4_1, .q5_1, .q4_K, .q5_K: [0, 2]
        case .q2_K: [BlockLayout.Q2_K.d, BlockLayout.Q2_K.dmin]
        case .q3_K: [BlockLayout.Q3_K.d]
        case .q6_K: [BlockLayout.Q6_K.d]
        default: []
        }
    }

    static func cpuName() -> String {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingCharacters(in: .whitespaces) }
            ?? "unknown CPU"
    }
}

/// Marsaglia's xorshift64: fixed-seed bits for synthetic weights and benchmark tokens.
struct XorShift64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
