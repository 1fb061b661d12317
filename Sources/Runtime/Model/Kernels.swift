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

    /// Batches from this size on use exact F32 products (sgemm on dequantized tiles): on the
    /// reference prompts this agrees with llama.cpp's top-1 more often (SmolLM2 651/655, Gemma3
    /// 947/952 positions) than quantized activations do (649/655, 941/952).
    static let exactBatchMinTokens = 8

    /// y = x·Wᵀ for `tokens` rows of x. x: (tokens, w.cols), y: (tokens, w.rows)
    static func matmul(_ w: WeightMatrix, _ x: UnsafePointer<Float>, tokens: Int, _ y: UnsafeMutablePointer<Float>,
                       pool: ThreadPool) throws(ModelError) {
        do {
            try MatMul.matmul(weights: w.data, type: w.type, rows: w.rows, cols: w.cols, x: x, tokens: tokens, y: y, pool: pool,
                              strategy: tokens >= exactBatchMinTokens ? .blas : .dot)
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
