/// The forward pass's work buffers for one sequence, kept with its KV cache so decode steps do
/// not allocate. Grown (never shrunk) to the largest batch evaluated; each row is as wide as
/// the widest layer needs.
final class ForwardScratch {
    private(set) var capacity = 0
    private(set) var x = FloatStorage(count: 0)      // (T, d) residual stream
    private(set) var h = FloatStorage(count: 0)      // (T, d) normed input / block output
    private(set) var q = FloatStorage(count: 0)      // (T, heads · headDim)
    private(set) var k = FloatStorage(count: 0)      // (T, kvHeads · headDim)
    private(set) var v = FloatStorage(count: 0)      // (T, kvHeads · valueDim)
    private(set) var attn = FloatStorage(count: 0)   // (T, heads · valueDim), or the delta-net's output
    private(set) var gate = FloatStorage(count: 0)   // (T, 2 · ff): gate, or [gate | up] when fused
    private(set) var up = FloatStorage(count: 0)     // (T, ff)
    private(set) var rope = FloatStorage(count: 0)   // frequencies, then (T, ropeDims / 2) cos and sin
    private(set) var mix = FloatStorage(count: 0)    // (T, mixer width): query+gate rows, conv inputs
    private(set) var perLayer = FloatStorage(count: 0) // (T, layers · n): gemma4's per-layer inputs

    /// The experts each layer ran in the last pass (mixture-of-experts models; for tests and tools).
    private(set) var routedExperts: [[Int]] = []

    func recordRouting(layer: Int, experts: [Int], layers: Int) {
        if routedExperts.count != layers { routedExperts = Array(repeating: [], count: layers) }
        routedExperts[layer] = experts
    }

    /// Makes room for `tokens` rows.
    func reserve(tokens: Int, config c: ModelConfig) {
        guard tokens > capacity else { return }
        let d = c.embeddingLength
        let qDim = c.layers.map(\.qDim).max() ?? c.qDim
        let attnWidth = max(c.layers.map { $0.headCount * $0.valueDim }.max() ?? 0, c.deltaNet?.innerSize ?? 0)
        let ff = max(c.feedForwardLength, c.experts?.feedForwardLength ?? 0)
        var mixWidth = c.spec.gatedAttention ? 2 * qDim : 0
        if c.shortConvolutionLength != nil { mixWidth = max(mixWidth, 3 * d) }
        if let n = c.deltaNet { mixWidth = max(mixWidth, n.channels + n.innerSize + 2 * n.valueHeads) }
        x = FloatStorage(count: tokens * d)
        h = FloatStorage(count: tokens * max(d, attnWidth))
        q = FloatStorage(count: tokens * qDim)
        k = FloatStorage(count: tokens * (c.layers.map(\.kvDim).max() ?? c.kvDim))
        v = FloatStorage(count: tokens * (c.layers.map(\.vDim).max() ?? c.vDim))
        attn = FloatStorage(count: tokens * attnWidth)
        gate = FloatStorage(count: tokens * 2 * ff)
        up = FloatStorage(count: tokens * ff)
        rope = FloatStorage(count: (tokens + 1) * max(c.ropeDimensions, c.layers.map(\.ropeDimensions).max() ?? 0))
        mix = FloatStorage(count: tokens * mixWidth)
        perLayer = FloatStorage(count: tokens * c.layerCount * (c.perLayerInputLength ?? 0))
        capacity = tokens
    }
}
