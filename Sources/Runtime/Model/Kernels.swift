import Tensor

/// The forward pass's entry to the `Tensor` kernels. Shapes are validated when the weights are
/// bound, so a kernel error here is a broken invariant, reported rather than trapped.
enum Kernels {
    /// Whether the forward pass can use weights of `type` (matmul and row lookup).
    static func supports(_ type: GGMLType) -> Bool {
        KernelTable.supports(type) && Quants.canDequantize(type)
    }

    /// Row `row` of `w` as F32 values (`w.cols` of them).
    static func dequantizeRow(_ w: WeightMatrix, row: Int, into out: UnsafeMutablePointer<Float>) throws(ModelError) {
        do {
            try Quants.dequantize(w.type, from: w.data + row * w.rowBytes, into: out, count: w.cols)
        } catch {
            throw .kernel(name: w.name, detail: error.description)
        }
    }

    /// Batches from this size on use the int8 GEMM (activations quantized to int8 per sub-block of
    /// the weights: 32 elements, 16 for Q6_K); below it, quantized dot products row by row.
    static let batchMinTokens = MatMul.int8MinTokens

    /// y = x·Wᵀ for `tokens` rows of x. x: (tokens, w.cols), y: (tokens, w.rows).
    ///
    /// K-quants go through the int8 GEMM too. llama.cpp multiplies them with 256-element Q8_K
    /// activations; ours are finer, so the products are closer to exact than llama.cpp's and
    /// still not its arithmetic. Measured 2026-12-05 against the reference files: Gemma3 prompt
    /// argmax agreement 943/952 (F32 sgemm on dequantized tiles, the policy before: 946/952),
    /// greedy steps differing only where llama.cpp's margin is ≤ 0.19, perplexity of GPL-3 13.891
    /// (sgemm 13.865, llama.cpp 13.906); Qwen2.5-1.5B-shaped Q4_K_M pp512 64 → 182 tok/s.
    static func matmul(_ w: WeightMatrix, _ x: UnsafePointer<Float>, tokens: Int, _ y: UnsafeMutablePointer<Float>,
                       pool: ThreadPool, strategy forced: MatMul.Strategy? = nil) throws(ModelError) {
        let strategy: MatMul.Strategy = forced ?? (tokens < batchMinTokens ? .dot : MatMul.prefillStrategy)
        do {
            try MatMul.matmul(weights: w.data, type: w.type, rows: w.rows, cols: w.cols, x: x, tokens: tokens, y: y, pool: pool,
                              strategy: strategy)
        } catch {
            throw .kernel(name: w.name, detail: error.description)
        }
    }
}

extension Kernels {
    /// y = W·x for several matrices sharing the input `x` (one token): one activation
    /// quantization per format and one thread-pool dispatch for all of them.
    static func matvecs(_ items: [(WeightMatrix, UnsafeMutablePointer<Float>)], _ x: UnsafePointer<Float>,
                        pool: ThreadPool) throws(ModelError) {
        guard let cols = items.first?.0.cols else { return }
        do {
            try MatMul.matvecs(items.map { MatvecItem(weights: $0.0.data, type: $0.0.type, rows: $0.0.rows, y: $0.1) },
                               cols: cols, x: x, pool: pool)
        } catch {
            throw .kernel(name: items.map(\.0.name).joined(separator: ", "), detail: error.description)
        }
    }
}

extension Kernels {
    /// y = x·Wᵀ for several matrices sharing the input `x` (`tokens` rows): below
    /// `batchMinTokens` rows (a decode batch, a speculation check) one activation quantization
    /// per format and one thread-pool dispatch for all of them (`MatMul.matmuls`, the bits of
    /// `matmul` on each alone); otherwise `matmul` on each.
    /// `prepare(t)` runs before row t of `x` is read (`MatMul.matmuls`), on the pool's threads
    /// when the rows are quantized there; otherwise on this thread, for every row first.
    static func matmuls(_ items: [(WeightMatrix, UnsafeMutablePointer<Float>)], _ x: UnsafePointer<Float>, tokens: Int,
                        pool: ThreadPool, strategy forced: MatMul.Strategy? = nil,
                        prepare: (Int) -> Void = { _ in }) throws(ModelError) {
        guard let cols = items.first?.0.cols else { return }
        let strategy: MatMul.Strategy = forced ?? (tokens < batchMinTokens ? .dot : MatMul.prefillStrategy)
        guard strategy == .dot else {
            for t in 0..<tokens { prepare(t) }
            for (matrix, out) in items { try matmul(matrix, x, tokens: tokens, out, pool: pool, strategy: strategy) }
            return
        }
        do {
            try MatMul.matmuls(items.map { MatvecItem(weights: $0.0.data, type: $0.0.type, rows: $0.0.rows, y: $0.1) },
                               cols: cols, x: x, tokens: tokens, pool: pool, prepare: prepare)
        } catch {
            throw .kernel(name: items.map(\.0.name).joined(separator: ", "), detail: error.description)
        }
    }
}
