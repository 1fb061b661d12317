import CBLAS

/// Matrix products of quantized (or float) weights with F32 activations, multi-threaded.
///
/// Weights are `rows × cols`, row-major, each row `type.rowBytes(elements: cols)` bytes, usually
/// pointing straight into the mmap'd GGUF file. Activations and outputs are F32.
public enum MatMul {
    /// How `matmul` computes its product.
    public enum Strategy: Sendable {
        /// `.dot` below `blasMinTokens` tokens, `.blas` from there on.
        case automatic
        /// Quantized activations and integer dot products, each weight row reused across tokens.
        case dot
        /// Dequantized F32 tiles of the weights times F32 activations through `cblas_sgemm`.
        case blas
    }

    /// The token count from which `.automatic` switches from `.dot` to `.blas`: below it the
    /// one-off dequantization of the weights costs more than sgemm saves (measured with
    /// `swiftllm bench kernels --strategy`).
    public static let blasMinTokens = 64

    /// Rows of weights dequantized per sgemm call in `matmul`.
    static let tileRows = 64

    /// y = W·x for one token. `x` holds `cols` floats, `y` receives `rows` floats.
    ///
    /// `x` is converted once to the weight type's activation format (`TypeTraits.activationType`),
    /// then each worker of `pool` computes a contiguous band of rows with integer dot products.
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
    /// `strategy` `.automatic` uses the quantized dot products below `blasMinTokens` tokens; from
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
        if strategy == .blas || (strategy == .automatic && tokens >= blasMinTokens) {
            try blasMatmul(weights, type, rows, cols, rowBytes, x, tokens, y, pool)
            return
        }
        let actBytes = traits.activationRowBytes(cols: cols)
        try withUnsafeTemporaryAllocation(byteCount: actBytes * tokens, alignment: 64) { buffer throws(KernelError) in
            let act = UnsafeMutableRawPointer(buffer.baseAddress!)
            for t in 0..<tokens {
                try KernelTable.quantizeActivations(x + t * cols, cols: cols, for: traits, into: act + t * actBytes)
            }
            let dot = traits.vecDot
            pool.run { worker, workers in
                for r in ThreadPool.split(rows, worker: worker, of: workers, granularity: 4) {
                    let row = weights + r * rowBytes
                    for t in 0..<tokens { y[t * rows + r] = dot(row, act + t * actBytes, cols) }
                }
            }
        }
    }

    private static let singleThreadedBLAS: Void = openblas_set_num_threads(1)

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
