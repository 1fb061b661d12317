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

    /// Batches from this size on use the int8 GEMM (activations quantized to int8 per 32-element
    /// block, as llama.cpp does for the legacy types); below it, quantized dot products row by row.
    static let batchMinTokens = MatMul.int8MinTokens

    /// y = x·Wᵀ for `tokens` rows of x. x: (tokens, w.cols), y: (tokens, w.rows).
    ///
    /// K-quant weights use F32 sgemm on dequantized tiles for
    /// batches instead: llama.cpp multiplies K-quants with 256-element Q8_K activations, which the
    /// int8 GEMM does not reproduce, and on the reference prompts exact products agree with its
    /// top-1 more often (Gemma3: 946/952 positions with this policy, 941/952 with int8 for all;
    /// SmolLM2, legacy types only: 650/655).
    static func matmul(_ w: WeightMatrix, _ x: UnsafePointer<Float>, tokens: Int, _ y: UnsafeMutablePointer<Float>,
                       pool: ThreadPool, strategy forced: MatMul.Strategy? = nil) throws(ModelError) {
        let strategy: MatMul.Strategy = forced ?? (tokens < batchMinTokens ? .dot : w.type.blockSize == 256 ? .blas : .int8)
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
