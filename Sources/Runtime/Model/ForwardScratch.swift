/// The forward pass's work buffers for one sequence, kept with its KV cache so decode steps do
/// not allocate. Grown (never shrunk) to the largest batch evaluated.
final class ForwardScratch {
    private(set) var capacity = 0
    private(set) var x = FloatStorage(count: 0)      // (T, d) residual stream
    private(set) var h = FloatStorage(count: 0)      // (T, d) normed input / block output
    private(set) var q = FloatStorage(count: 0)      // (T, heads · headDim)
    private(set) var k = FloatStorage(count: 0)      // (T, kvHeads · headDim)
    private(set) var v = FloatStorage(count: 0)      // (T, kvHeads · valueDim)
    private(set) var attn = FloatStorage(count: 0)   // (T, heads · valueDim)
    private(set) var gate = FloatStorage(count: 0)   // (T, 2 · ff): gate, or [gate | up] when fused
    private(set) var up = FloatStorage(count: 0)     // (T, ff)
    private(set) var rope = FloatStorage(count: 0)   // frequencies, then (T, ropeDims / 2) cos and sin

    /// Makes room for `tokens` rows.
    func reserve(tokens: Int, config c: ModelConfig) {
        guard tokens > capacity else { return }
        x = FloatStorage(count: tokens * c.embeddingLength)
        h = FloatStorage(count: tokens * max(c.embeddingLength, c.headCount * c.valueDim))
        q = FloatStorage(count: tokens * c.qDim)
        k = FloatStorage(count: tokens * c.kvDim)
        v = FloatStorage(count: tokens * c.vDim)
        attn = FloatStorage(count: tokens * c.headCount * c.valueDim)
        gate = FloatStorage(count: tokens * 2 * c.feedForwardLength)
        up = FloatStorage(count: tokens * c.feedForwardLength)
        rope = FloatStorage(count: (tokens + 1) * c.ropeDimensions)
        capacity = tokens
    }
}
