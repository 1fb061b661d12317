import Foundation
import CBLAS

/// Matrix products of quantized (or float) weights with F32 activations, multi-threaded.
///
/// Weights are `rows × cols`, row-major, each row `type.rowBytes(elements: cols)` bytes, usually
/// pointing straight into the mmap'd GGUF file. Activations and outputs are F32.
public enum MatMul {
    /// How `matmul` computes its product.
    public enum Strategy: Sendable {
        /// `.int8` from `int8MinTokens` tokens where `hasInt8Kernel(for:)`; otherwise `.dot` below
        /// `blasMinTokens` tokens, `.blas` from there on.
        case automatic
        /// Quantized activations and integer dot products, each weight row reused across tokens.
        case dot
        /// Dequantized F32 tiles of the weights times F32 activations through `cblas_sgemm`.
        case blas
        /// Int8 activations times unpacked int8 weight tiles (`Int8Gemm`: AVX-512 VNNI or AVX2)
        /// where `hasInt8Kernel(for:)`, `.blas` otherwise.
        case int8
    }

    /// Whether this build has the `.int8` kernel for weights of `type` (avx512 tier: Q4_0, Q4_1,
    /// Q5_0, Q5_1, Q8_0 and Q2_K–Q6_K; avx2 tier: the same but Q8_0).
    public static func hasInt8Kernel(for type: GGMLType) -> Bool {
        #if SWIFTLLM_X86_SIMD || SWIFTLLM_AVX2
        return Int8Gemm.supports(type)
        #else
        return false
        #endif
    }

    /// The token count from which `.automatic` switches from `.dot` to `.blas`: below it the
    /// one-off dequantization of the weights costs more than sgemm saves (measured with
    /// `swiftllm bench kernels --strategy`).
    public static let blasMinTokens = 64

    /// The token count from which `.automatic` uses `.int8` (and the forward pass its batches):
    /// with VNNI, at 8 tokens it matches `.dot` (the unpacking of the weights is then paid for),
    /// from 16 on it is faster (measured with `swiftllm bench kernels --strategy … --tokens …`).
    public static let int8MinTokens = 8

    /// Whether `.automatic` takes the int8 GEMM, and the forward pass's prefill with it
    /// (`prefillStrategy`): on the avx512 and avx2 tiers, yes (`SWIFTLLM_AVX2_INT8=0` turns it
    /// off on avx2, for comparisons). On avx2 it makes a Qwen2.5-1.5B-shaped Q4_K_M prefill 1.8×
    /// faster (pp512 65 vs 36 tok/s for llama.cpp, against 52 vs 61 with sgemm); with Q8_K's
    /// activation scale for the 16-element K-quants it keeps `RealModelFidelityTests` inside the
    /// fidelity rule (Gemma3 945/952 prompt positions, SmolLM2 649/655; sgemm 947 and 651).
    public static let int8ByDefault: Bool = {
        #if SWIFTLLM_X86_SIMD
        return true
        #elseif SWIFTLLM_AVX2
        return ProcessInfo.processInfo.environment["SWIFTLLM_AVX2_INT8"] != "0"
        #else
        return false
        #endif
    }()

    /// The strategy of the forward pass's batches from `int8MinTokens` tokens: `.int8` where
    /// `int8ByDefault`, else dequantized tiles and sgemm.
    public static var prefillStrategy: Strategy { int8ByDefault ? .int8 : .blas }

    /// Rows of weights dequantized per sgemm call in `matmul`.
    static let tileRows = 64

    /// y = W·x for one token. `x` holds `cols` floats, `y` receives `rows` floats.
    ///
    /// `x` is converted once to the weight type's activation format (`TypeTraits.activationType`),
    /// then the threads of `pool` take pieces of rows (`rowChunk`) and compute them with integer
    /// dot products.
    ///
    /// ```swift
    /// try MatMul.matvec(weights: ptr, type: .q4_K, rows: 1536, cols: 640, x: h, y: out, pool: .shared)
    /// ```
    public static func matvec(
        weights: UnsafeRawPointer, type: GGMLType, rows: Int, cols: Int,
        x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, pool: ThreadPool
    ) throws(KernelError) {
        try matmul(weights: weights, type: type, rows: rows, cols: cols, x: x, tokens: 1, y: y, pool: pool)
    }

    /// Y = X·Wᵀ for `tokens` tokens: `x` is `(tokens, cols)` row-major, `y` receives `(tokens, rows)`,
    /// so `y[t·rows + r] = Σ_c W[r][c]·x[t·cols + c]`.
    ///
    /// `strategy` `.automatic` uses the int8 GEMM from `int8MinTokens` tokens where this build has
    /// it for `type`; otherwise the quantized dot products below `blasMinTokens` tokens, and from
    /// there on each worker dequantizes 64-row tiles of W and multiplies them with OpenBLAS
    /// `cblas_sgemm` (single-threaded inside each worker).
    public static func matmul(
        weights: UnsafeRawPointer, type: GGMLType, rows: Int, cols: Int,
        x: UnsafePointer<Float>, tokens: Int, y: UnsafeMutablePointer<Float>, pool: ThreadPool,
        strategy: Strategy = .automatic
    ) throws(KernelError) {
        let traits = try KernelTable.traits(for: type)
        guard let rowBytes = type.rowBytes(elements: cols) else { throw .notWholeBlocks(type, count: cols) }
        guard rows > 0, tokens > 0 else { return }
        #if SWIFTLLM_X86_SIMD || SWIFTLLM_AVX2
        if strategy == .int8 || (strategy == .automatic && int8ByDefault && tokens >= int8MinTokens),
           Int8Gemm.matmul(weights: weights, type: type, rows: rows, cols: cols, rowBytes: rowBytes,
                           x: x, tokens: tokens, y: y, pool: pool) {
            return
        }
        #endif
        if strategy == .blas || strategy == .int8 || (strategy == .automatic && tokens >= blasMinTokens) {
            try blasMatmul(weights, type, rows, cols, rowBytes, x, tokens, y, pool)
            return
        }
        let actBytes = traits.activationRowBytes(cols: cols)
        try withUnsafeTemporaryAllocation(byteCount: actBytes * tokens, alignment: 64) { buffer throws(KernelError) in
            let act = UnsafeMutableRawPointer(buffer.baseAddress!)
            if tokens == 1 {
                try KernelTable.quantizeActivations(x, cols: cols, for: traits, into: act)
            } else {
                try quantizeRows(x, cols: cols, tokens: tokens, for: [traits], into: [act], strides: [actBytes], pool: pool)
            }
            let chunk = rowChunk(rows: rows, rowBytes: rowBytes, threads: pool.threadCount)
            if tokens == 1 {
                pool.forEachChunk(rows, chunk: chunk) { band in
                    traits.dotRows(weights + band.lowerBound * rowBytes, rowBytes: rowBytes, count: band.count, act, n: cols,
                                   into: y + band.lowerBound)
                }
                return
            }
            // Each weight block unpacked once for all the tokens where the tier has several-rows
            // kernels (same results as one by one).
            pool.forEachChunk(rows, chunk: chunk) { band in
                rowDots(traits, weights + band.lowerBound * rowBytes, rowBytes: rowBytes, count: band.count, act, stride: actBytes,
                        tokens: tokens, cols: cols, into: y + band.lowerBound, outStride: rows)
            }
        }
    }

    /// Rows per piece of a quantized-dot product handed out by `ThreadPool.forEachChunk`: one
    /// piece per thread, or about 1 MiB of weights where that is less, in multiples of 4 rows.
    /// Measured with `swiftllm bench` and `bench kernels` (2 threads): pieces of 64 KiB restart
    /// the hardware prefetcher's streams too often (matvec at 0.8–0.95 of the read bandwidth
    /// instead of ~1.0), and more than one piece per thread on SmolLM2's small matrices costs
    /// 5–15% of decode speed.
    static func rowChunk(rows: Int, rowBytes: Int, threads: Int) -> Int {
        let byBytes = (1 << 20) / max(rowBytes, 1)
        let perThread = (rows + max(threads, 1) - 1) / max(threads, 1)
        return max(4, (min(byBytes, perThread) + 3) / 4 * 4)
    }

    private static let singleThreadedBLAS: Void = openblas_set_num_threads(1)

    /// Makes OpenBLAS run on the calling thread: our pool's workers each call it on their own part.
    static func useSingleThreadedBLAS() { _ = singleThreadedBLAS }

    private static func blasMatmul(
        _ weights: UnsafeRawPointer, _ type: GGMLType, _ rows: Int, _ cols: Int, _ rowBytes: Int,
        _ x: UnsafePointer<Float>, _ tokens: Int, _ y: UnsafeMutablePointer<Float>, _ pool: ThreadPool
    ) throws(KernelError) {
        _ = singleThreadedBLAS
        guard Quants.canDequantize(type) else { throw .unsupportedType(type, operation: "matmul") }
        pool.run { worker, workers in
            let band = ThreadPool.split(rows, worker: worker, of: workers, granularity: tileRows)
            guard !band.isEmpty else { return }
            let tile = UnsafeMutablePointer<Float>.allocate(capacity: tileRows * cols)
            defer { tile.deallocate() }
            var r0 = band.lowerBound
            while r0 < band.upperBound {
                let n = min(tileRows, band.upperBound - r0)
                let b: UnsafePointer<Float>
                if type == .f32 {
                    b = (weights + r0 * rowBytes).assumingMemoryBound(to: Float.self)
                } else {
                    // Cannot fail: the type was checked above and cols is a whole number of blocks.
                    try? Quants.dequantize(type, from: weights + r0 * rowBytes, into: tile, count: n * cols)
                    b = UnsafePointer(tile)
                }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(tokens), Int32(n), Int32(cols),
                            1, x, Int32(cols), b, Int32(cols), 0, y + r0, Int32(rows))
                r0 += n
            }
        }
    }
}
