import Tensor

/// Which positions' logits a forward pass returns.
public enum LogitsSelection: Sendable {
    case last
    case all
}

extension Model {
    /// Runs `tokens` (appended after what `cache` holds) through the model and returns logits:
    /// (vocabularySize) for `.last`, (tokens.count × vocabularySize) row-major for `.all`.
    public func forward(_ tokens: [Int32], cache: KVCache, logits selection: LogitsSelection = .last) throws(ModelError) -> [Float] {
        let c = config
        let pool = cache.pool
        let T = tokens.count
        let start = cache.count
        guard T > 0 else { return [] }
        guard start + T <= cache.capacity else { throw .contextFull(limit: cache.capacity) }
        for token in tokens where token < 0 || Int(token) >= c.vocabularySize { throw .invalidToken(token) }

        let d = c.embeddingLength
        let ff = c.feedForwardLength
        let x = FloatStorage(count: T * d)                            // (T, d) residual stream
        let h = FloatStorage(count: T * d)                            // (T, d) normed input
        let q = FloatStorage(count: T * c.qDim)                       // (T, heads * headDim)
        let k = FloatStorage(count: T * c.kvDim)                      // (T, kvHeads * headDim)
        let v = FloatStorage(count: T * c.vDim)                       // (T, kvHeads * valueDim)
        let attn = FloatStorage(count: T * c.headCount * c.valueDim)  // (T, heads * valueDim)
        let gate = FloatStorage(count: T * 2 * ff)                    // (T, ff) or fused (T, 2ff)
        let up = FloatStorage(count: T * ff)                          // (T, ff)

        let embedScale: Float = c.spec.scaleEmbeddingBySqrtDim ? Float(d).squareRoot() : 1
        for (t, token) in tokens.enumerated() {
            let row = x.pointer + t * d
            try Kernels.dequantizeRow(tokenEmbedding, row: Int(token), into: row)
            if embedScale != 1 { for i in 0..<d { row[i] *= embedScale } }
        }

        for (index, layer) in layers.enumerated() {
            for t in 0..<T { BlockMath.rmsNorm(x.pointer + t * d, layer.attnNorm.pointer, d, eps: c.rmsEpsilon, h.pointer + t * d) }
            try Kernels.matmul(layer.q, h.pointer, tokens: T, q.pointer, pool: pool)
            try Kernels.matmul(layer.k, h.pointer, tokens: T, k.pointer, pool: pool)
            try Kernels.matmul(layer.v, h.pointer, tokens: T, v.pointer, pool: pool)
            addBias(layer.qBias, q.pointer, rows: T)
            addBias(layer.kBias, k.pointer, rows: T)
            addBias(layer.vBias, v.pointer, rows: T)
            let base = c.ropeBase(layer: index)
            for t in 0..<T {
                let qt = q.pointer + t * c.qDim, kt = k.pointer + t * c.kvDim
                if let qNorm = layer.qNorm, let kNorm = layer.kNorm {
                    for hh in 0..<c.headCount { BlockMath.rmsNorm(qt + hh * c.headDim, qNorm.pointer, c.headDim, eps: c.rmsEpsilon, qt + hh * c.headDim) }
                    for hh in 0..<c.kvHeadCount { BlockMath.rmsNorm(kt + hh * c.headDim, kNorm.pointer, c.headDim, eps: c.rmsEpsilon, kt + hh * c.headDim) }
                }
                let position = Float(start + t) * c.ropeScale
                BlockMath.rope(qt, heads: c.headCount, headDim: c.headDim, nRot: c.ropeDimensions, position: position, base: base, style: c.spec.ropeStyle)
                BlockMath.rope(kt, heads: c.kvHeadCount, headDim: c.headDim, nRot: c.ropeDimensions, position: position, base: base, style: c.spec.ropeStyle)
                cache.keys[index].write(kt, count: c.kvDim, at: (start + t) * c.kvDim)
                cache.values[index].write(v.pointer + t * c.vDim, count: c.vDim, at: (start + t) * c.vDim)
            }
            Attention.causal(q: q.pointer, tokens: T, firstPosition: start, cache: try cache.layer(index),
                             heads: c.headCount, kvHeads: c.kvHeadCount, headDim: c.headDim, scale: c.attentionScale,
                             window: c.isSlidingWindow(layer: index) ? c.slidingWindow : nil, out: attn.pointer, pool: pool)
            try Kernels.matmul(layer.attnOutput, attn.pointer, tokens: T, h.pointer, pool: pool)
            addResidual(h.pointer, into: x.pointer, norm: layer.postAttnNorm, rows: T)

            for t in 0..<T { BlockMath.rmsNorm(x.pointer + t * d, layer.ffnNorm.pointer, d, eps: c.rmsEpsilon, h.pointer + t * d) }
            try feedForward(layer, h.pointer, tokens: T, gate: gate.pointer, up: up.pointer, pool: pool)
            try Kernels.matmul(layer.down, up.pointer, tokens: T, h.pointer, pool: pool)
            addResidual(h.pointer, into: x.pointer, norm: layer.postFFNNorm, rows: T)
        }
        cache.count = start + T
        cache.tokens.append(contentsOf: tokens)

        let first = selection == .last ? T - 1 : 0
        let rows = T - first
        for t in first..<T { BlockMath.rmsNorm(x.pointer + t * d, outputNorm.pointer, d, eps: c.rmsEpsilon, h.pointer + (t - first) * d) }
        var logits = [Float](repeating: 0, count: rows * c.vocabularySize)
        try logits.withUnsafeMutableBufferPointer { out throws(ModelError) in
            guard let base = out.baseAddress else { return }
            try Kernels.matmul(output, h.pointer, tokens: rows, base, pool: pool)
            if let cap = c.finalLogitSoftcap, cap > 0 {
                for i in 0..<out.count { out[i] = cap * tanhf(out[i] / cap) }
            }
        }
        return logits
    }

    /// act(gate) * up into `up`: (T, ff)
    private func feedForward(_ layer: LayerWeights, _ h: UnsafePointer<Float>, tokens T: Int,
                             gate: UnsafeMutablePointer<Float>, up: UnsafeMutablePointer<Float>, pool: ThreadPool) throws(ModelError) {
        let ff = config.feedForwardLength
        let useSilu = config.spec.activation == .silu
        func activation(_ value: Float) -> Float { useSilu ? BlockMath.silu(value) : BlockMath.geluTanh(value) }
        if let gateWeights = layer.gate {
            try Kernels.matmul(gateWeights, h, tokens: T, gate, pool: pool)
            try Kernels.matmul(layer.up, h, tokens: T, up, pool: pool)
            for i in 0..<T * ff { up[i] *= activation(gate[i]) }
        } else {
            try Kernels.matmul(layer.up, h, tokens: T, gate, pool: pool)   // (T, 2ff): [gate | up] per row
            for t in 0..<T {
                for i in 0..<ff { up[t * ff + i] = activation(gate[t * 2 * ff + i]) * gate[t * 2 * ff + ff + i] }
            }
        }
    }

    private func addBias(_ bias: WeightVector?, _ y: UnsafeMutablePointer<Float>, rows: Int) {
        guard let bias else { return }
        for t in 0..<rows { for i in 0..<bias.count { y[t * bias.count + i] += bias.pointer[i] } }
    }

    /// x += norm(h) (or h when there is no post-norm), row by row. h: (rows, d), overwritten.
    private func addResidual(_ h: UnsafeMutablePointer<Float>, into x: UnsafeMutablePointer<Float>, norm: WeightVector?, rows: Int) {
        let d = config.embeddingLength
        for t in 0..<rows {
            let ht = h + t * d
            if let norm { BlockMath.rmsNorm(ht, norm.pointer, d, eps: config.rmsEpsilon, ht) }
            for i in 0..<d { x[t * d + i] += ht[i] }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
