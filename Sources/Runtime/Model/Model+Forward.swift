#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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
        let T = tokens.count
        guard T > 0 else { return [] }
        guard cache.count + T <= cache.capacity else { throw .contextFull(limit: cache.capacity) }
        for token in tokens where token < 0 || Int(token) >= c.vocabularySize { throw .invalidToken(token) }

        let s = cache.scratch
        s.reserve(tokens: T, config: c)
        let d = c.embeddingLength
        let x = s.x.pointer, h = s.h.pointer
        let embedScale: Float = c.spec.scaleEmbeddingBySqrtDim ? Float(d).squareRoot() : 1
        for (t, token) in tokens.enumerated() {
            let row = x + t * d
            try Kernels.dequantizeRow(tokenEmbedding, row: Int(token), into: row)
            if embedScale != 1 { Ops.scale(row, by: embedScale, out: row, n: d) }
        }
        for (index, layer) in layers.enumerated() {
            try attentionBlock(index, layer, tokens: T, cache: cache)
            normRows(x, layer.ffnNorm, rows: T, out: h)
            try feedForward(layer, tokens: T, scratch: s, pool: cache.pool)
            addResidual(h, into: x, norm: layer.postFFNNorm, rows: T)
        }
        cache.count += T
        cache.tokens.append(contentsOf: tokens)

        let first = selection == .last ? T - 1 : 0
        let rows = T - first
        normRows(x + first * d, outputNorm, rows: rows, out: h)
        var logits = [Float](repeating: 0, count: rows * c.vocabularySize)
        try logits.withUnsafeMutableBufferPointer { out throws(ModelError) in
            guard let base = out.baseAddress else { return }
            try Kernels.matmul(output, h, tokens: rows, base, pool: cache.pool)
            addBias(outputBias, base, rows: rows)
            if let cap = c.finalLogitSoftcap, cap > 0 {
                for i in 0..<out.count { out[i] = cap * tanhf(out[i] / cap) }
            }
        }
        return logits
    }

    /// Attention sub-block of layer `index`: x += (post-norm of) attention(norm(x)).
    private func attentionBlock(_ index: Int, _ layer: LayerWeights, tokens T: Int, cache: KVCache) throws(ModelError) {
        let c = config, s = cache.scratch, pool = cache.pool
        let x = s.x.pointer, h = s.h.pointer, q = s.q.pointer, k = s.k.pointer, v = s.v.pointer
        let start = cache.count
        normRows(x, layer.attnNorm, rows: T, out: h)
        if T == 1 {
            try Kernels.matvecs([(layer.q, q), (layer.k, k), (layer.v, v)], h, pool: pool)
        } else {
            try Kernels.matmul(layer.q, h, tokens: T, q, pool: pool)
            try Kernels.matmul(layer.k, h, tokens: T, k, pool: pool)
            try Kernels.matmul(layer.v, h, tokens: T, v, pool: pool)
        }
        addBias(layer.qBias, q, rows: T)
        addBias(layer.kBias, k, rows: T)
        addBias(layer.vBias, v, rows: T)
        let dims = c.ropeDimensions, base = c.ropeBase(layer: index)
        let frequencies = s.rope.pointer, cosines = frequencies + dims / 2, sines = cosines + T * dims / 2
        // θᵢ = position · base^(−2i/dims) with one powf per pair, rather than ggml's running
        // product: on the reference prompts this agrees with llama.cpp's greedy text more often.
        for i in 0..<dims / 2 { frequencies[i] = powf(base, -Float(2 * i) / Float(dims)) }
        if let factors = ropeFactors {
            for i in 0..<dims / 2 { frequencies[i] /= factors.pointer[i] }
        }
        let style: RoPE.Style = c.spec.ropeStyle == .neox ? .neox : .normal
        for t in 0..<T {
            let qt = q + t * c.qDim, kt = k + t * c.kvDim
            if let qNorm = layer.qNorm, let kNorm = layer.kNorm {
                normRows(qt, qNorm, rows: c.headCount, out: qt)
                normRows(kt, kNorm, rows: c.kvHeadCount, out: kt)
            }
            let ct = cosines + t * dims / 2, st = sines + t * dims / 2
            let position = Float(start + t) * c.ropeScale
            for i in 0..<dims / 2 {
                let theta = position * frequencies[i]
                ct[i] = cosf(theta)
                st[i] = sinf(theta)
            }
            RoPE.rotate(qt, heads: c.headCount, headDim: c.headDim, dims: dims, cosines: ct, sines: st, style: style)
            RoPE.rotate(kt, heads: c.kvHeadCount, headDim: c.headDim, dims: dims, cosines: ct, sines: st, style: style)
        }
        cache.keys[index].write(k, count: T * c.kvDim, at: start * c.kvDim)
        cache.values[index].write(v, count: T * c.vDim, at: start * c.vDim)
        Attention.causal(q: q, tokens: T, firstPosition: start, cache: try cache.layer(index),
                         heads: c.headCount, kvHeads: c.kvHeadCount, headDim: c.headDim, scale: c.attentionScale,
                         window: c.isSlidingWindow(layer: index) ? c.slidingWindow : nil, out: s.attn.pointer, pool: pool)
        try Kernels.matmul(layer.attnOutput, s.attn.pointer, tokens: T, h, pool: pool)
        addBias(layer.attnOutputBias, h, rows: T)
        addResidual(h, into: x, norm: layer.postAttnNorm, rows: T)
    }

    /// act(gate) · up into `scratch.up`: (T, ff), from the normed input in `scratch.h`.
    private func feedForward(_ layer: LayerWeights, tokens T: Int, scratch s: ForwardScratch, pool: ThreadPool) throws(ModelError) {
        let ff = config.feedForwardLength
        let h = s.h.pointer, gate = s.gate.pointer, up = s.up.pointer
        let gated = config.spec.activation == .silu ? Ops.swiglu : Ops.geglu
        if let gateWeights = layer.gate {
            if T == 1 {
                try Kernels.matvecs([(gateWeights, gate), (layer.up, up)], h, pool: pool)
            } else {
                try Kernels.matmul(gateWeights, h, tokens: T, gate, pool: pool)
                try Kernels.matmul(layer.up, h, tokens: T, up, pool: pool)
            }
            addBias(layer.gateBias, gate, rows: T)
            addBias(layer.upBias, up, rows: T)
            gated(gate, up, up, T * ff)
        } else {
            try Kernels.matmul(layer.up, h, tokens: T, gate, pool: pool)   // (T, 2ff): [gate | up] per row
            addBias(layer.upBias, gate, rows: T)
            for t in 0..<T {
                gated(gate + t * 2 * ff, gate + t * 2 * ff + ff, up + t * ff, ff)
            }
        }
        try Kernels.matmul(layer.down, up, tokens: T, h, pool: pool)
        addBias(layer.downBias, h, rows: T)
    }

    /// RMS-normalises `rows` rows of `norm.count` values with gain `norm` (in place allowed).
    private func normRows(_ x: UnsafeMutablePointer<Float>, _ norm: WeightVector, rows: Int, out: UnsafeMutablePointer<Float>) {
        let n = norm.count
        for r in 0..<rows {
            Ops.rmsNorm(x + r * n, weight: norm.pointer, eps: config.rmsEpsilon, out: out + r * n, n: n)
        }
    }

    private func addBias(_ bias: WeightVector?, _ y: UnsafeMutablePointer<Float>, rows: Int) {
        guard let bias else { return }
        for t in 0..<rows { Ops.add(y + t * bias.count, bias.pointer, out: y + t * bias.count, n: bias.count) }
    }

    /// x += norm(h) (or h when there is no post-norm), row by row. h: (rows, d), overwritten.
    private func addResidual(_ h: UnsafeMutablePointer<Float>, into x: UnsafeMutablePointer<Float>, norm: WeightVector?, rows: Int) {
        if let norm { normRows(h, norm, rows: rows, out: h) }
        let n = rows * config.embeddingLength
        Ops.add(x, h, out: x, n: n)
    }
}
