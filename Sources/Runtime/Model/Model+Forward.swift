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
        guard !tokens.isEmpty else { return [] }
        return try run([ForwardSegment(tokens: tokens, cache: cache)], scratch: cache.scratch, pool: cache.pool,
                       selection: selection, strategy: nil)
    }

    /// One forward pass over several sequences, each appending its `tokens` to its own cache:
    /// every weight matrix is read once for all of them. Returns the logits after each segment's
    /// last token, in order. When every segment has one token (a decode step), the products use
    /// the same quantized dot products as a one-token `forward`, so each sequence gets exactly
    /// the logits it would get alone. Runs on the first segment's thread pool and work buffers.
    public func forward(batch segments: [ForwardSegment]) throws(ModelError) -> [[Float]] {
        guard let first = segments.first else { return [] }
        guard Set(segments.map { ObjectIdentifier($0.cache) }).count == segments.count else {
            throw .kernel(name: "batch", detail: "two segments of one batch share a KV cache")
        }
        let decode = segments.allSatisfy { $0.tokens.count == 1 }
        let logits = try run(segments, scratch: first.cache.scratch, pool: first.cache.pool, selection: .last,
                             strategy: decode ? .dot : nil)
        let width = config.vocabularySize
        return segments.indices.map { Array(logits[$0 * width..<($0 + 1) * width]) }
    }

    /// The forward pass over `segments` (rows concatenated in order). `.last` returns the last
    /// row of each segment, `.all` every row.
    private func run(_ segments: [ForwardSegment], scratch s: ForwardScratch, pool: ThreadPool, selection: LogitsSelection,
                     strategy: MatMul.Strategy?) throws(ModelError) -> [Float] {
        let c = config
        let T = segments.reduce(0) { $0 + $1.tokens.count }
        guard T > 0 else { return [] }
        for segment in segments {
            guard !segment.tokens.isEmpty else { throw .kernel(name: "batch", detail: "a segment has no tokens") }
            guard segment.cache.count + segment.tokens.count <= segment.cache.capacity else {
                throw .contextFull(limit: segment.cache.capacity)
            }
            for token in segment.tokens where token < 0 || Int(token) >= c.vocabularySize { throw .invalidToken(token) }
        }
        let pass = ForwardPass(segments: segments, scratch: s, pool: pool, strategy: strategy)
        s.reserve(tokens: T, config: c)
        let d = c.embeddingLength
        let x = s.x.pointer, h = s.h.pointer
        let embedScale: Float = c.spec.scaleEmbeddingBySqrtDim ? Float(d).squareRoot() : 1
        for (t, token) in segments.flatMap(\.tokens).enumerated() {
            let row = x + t * d
            try Kernels.dequantizeRow(tokenEmbedding, row: Int(token), into: row)
            if embedScale != 1 { Ops.scale(row, by: embedScale, out: row, n: d) }
        }
        for (index, layer) in layers.enumerated() {
            try attentionBlock(index, layer, pass)
            normRows(x, layer.ffnNorm, rows: T, out: h)
            try feedForward(layer, pass)
            addResidual(h, into: x, norm: layer.postFFNNorm, rows: T)
        }
        for segment in segments {
            segment.cache.count += segment.tokens.count
            segment.cache.tokens.append(contentsOf: segment.tokens)
        }

        // The rows whose logits are returned, gathered at the front of h.
        let picked = selection == .all ? Array(0..<T) : pass.offsets.indices.map { pass.offsets[$0] + segments[$0].tokens.count - 1 }
        for (i, row) in picked.enumerated() {
            Ops.rmsNorm(x + row * d, weight: outputNorm.pointer, eps: c.rmsEpsilon, out: h + i * d, n: d)
        }
        let rows = picked.count
        var logits = [Float](repeating: 0, count: rows * c.vocabularySize)
        try logits.withUnsafeMutableBufferPointer { out throws(ModelError) in
            guard let base = out.baseAddress else { return }
            try Kernels.matmul(output, h, tokens: rows, base, pool: pool, strategy: strategy)
            addBias(outputBias, base, rows: rows)
            if let cap = c.finalLogitSoftcap, cap > 0 {
                for i in 0..<out.count { out[i] = cap * tanhf(out[i] / cap) }
            }
        }
        return logits
    }

    /// Attention sub-block of layer `index`: x += (post-norm of) attention(norm(x)).
    private func attentionBlock(_ index: Int, _ layer: LayerWeights, _ pass: ForwardPass) throws(ModelError) {
        let c = config, s = pass.scratch, pool = pass.pool, T = pass.rows
        let x = s.x.pointer, h = s.h.pointer, q = s.q.pointer, k = s.k.pointer, v = s.v.pointer
        normRows(x, layer.attnNorm, rows: T, out: h)
        if T == 1 {
            try Kernels.matvecs([(layer.q, q), (layer.k, k), (layer.v, v)], h, pool: pool)
        } else {
            try Kernels.matmul(layer.q, h, tokens: T, q, pool: pool, strategy: pass.strategy)
            try Kernels.matmul(layer.k, h, tokens: T, k, pool: pool, strategy: pass.strategy)
            try Kernels.matmul(layer.v, h, tokens: T, v, pool: pool, strategy: pass.strategy)
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
        c.yarn?.scale(frequencies, dims: dims, base: base)
        let magnitude = c.yarn?.magnitude ?? 1
        let rotates = c.spec.appliesRoPE(layer: index)
        let style: RoPE.Style = c.spec.ropeStyle == .neox ? .neox : .normal
        for t in 0..<T {
            let qt = q + t * c.qDim, kt = k + t * c.kvDim
            if let qNorm = layer.qNorm, let kNorm = layer.kNorm {
                normRows(qt, qNorm, rows: c.headCount, out: qt)
                normRows(kt, kNorm, rows: c.kvHeadCount, out: kt)
            }
            if rotates {
                let ct = cosines + t * dims / 2, st = sines + t * dims / 2
                let position = Float(pass.positions[t]) * c.ropeScale
                for i in 0..<dims / 2 {
                    let theta = position * frequencies[i]
                    ct[i] = cosf(theta) * magnitude
                    st[i] = sinf(theta) * magnitude
                }
                RoPE.rotate(qt, heads: c.headCount, headDim: c.headDim, dims: dims, cosines: ct, sines: st, style: style)
                RoPE.rotate(kt, heads: c.kvHeadCount, headDim: c.headDim, dims: dims, cosines: ct, sines: st, style: style)
            }
            if let temperature = c.attentionTemperature {
                let f = temperature.factor(position: Int(pass.positions[t]))
                for i in 0..<c.qDim { qt[i] *= f }
            }
        }
        for (segment, offset) in zip(pass.segments, pass.offsets) {
            let cache = segment.cache, n = segment.tokens.count, start = cache.count
            cache.keys[index].write(k + offset * c.kvDim, count: n * c.kvDim, at: start * c.kvDim)
            cache.values[index].write(v + offset * c.vDim, count: n * c.vDim, at: start * c.vDim)
            Attention.causal(q: q + offset * c.qDim, tokens: n, firstPosition: start, cache: try cache.layer(index),
                             heads: c.headCount, kvHeads: c.kvHeadCount, headDim: c.headDim, scale: c.attentionScale,
                             window: c.isSlidingWindow(layer: index) ? c.slidingWindow : nil,
                             out: s.attn.pointer + offset * c.headCount * c.valueDim, pool: pool)
        }
        try Kernels.matmul(layer.attnOutput, s.attn.pointer, tokens: T, h, pool: pool, strategy: pass.strategy)
        addBias(layer.attnOutputBias, h, rows: T)
        addResidual(h, into: x, norm: layer.postAttnNorm, rows: T)
    }

    /// act(gate) · up into `scratch.up`: (T, ff), from the normed input in `scratch.h`.
    private func feedForward(_ layer: LayerWeights, _ pass: ForwardPass) throws(ModelError) {
        let T = pass.rows, s = pass.scratch, pool = pass.pool, strategy = pass.strategy
        let ff = config.feedForwardLength
        let h = s.h.pointer, gate = s.gate.pointer, up = s.up.pointer
        let gated = config.spec.activation == .silu ? Ops.swiglu : Ops.geglu
        if let gateWeights = layer.gate {
            if T == 1 {
                try Kernels.matvecs([(gateWeights, gate), (layer.up, up)], h, pool: pool)
            } else {
                try Kernels.matmul(gateWeights, h, tokens: T, gate, pool: pool, strategy: strategy)
                try Kernels.matmul(layer.up, h, tokens: T, up, pool: pool, strategy: strategy)
            }
            addBias(layer.gateBias, gate, rows: T)
            addBias(layer.upBias, up, rows: T)
            gated(gate, up, up, T * ff)
        } else {
            try Kernels.matmul(layer.up, h, tokens: T, gate, pool: pool, strategy: strategy)   // (T, 2ff): [gate | up] per row
            addBias(layer.upBias, gate, rows: T)
            for t in 0..<T {
                gated(gate + t * 2 * ff, gate + t * 2 * ff + ff, up + t * ff, ff)
            }
        }
        try Kernels.matmul(layer.down, up, tokens: T, h, pool: pool, strategy: strategy)
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

/// One sequence's part of a batched forward pass: tokens appended to its cache.
public struct ForwardSegment {
    public var tokens: [Int32]
    public var cache: KVCache

    public init(tokens: [Int32], cache: KVCache) {
        self.tokens = tokens
        self.cache = cache
    }
}

/// The shape of one forward pass: which rows belong to which sequence.
private struct ForwardPass {
    let segments: [ForwardSegment]
    let scratch: ForwardScratch
    let pool: ThreadPool
    let strategy: MatMul.Strategy?
    /// First row of each segment.
    let offsets: [Int]
    /// Each row's position in its sequence (the caches advance only after the whole pass).
    let positions: [Int]
    let rows: Int

    init(segments: [ForwardSegment], scratch: ForwardScratch, pool: ThreadPool, strategy: MatMul.Strategy?) {
        self.segments = segments
        self.scratch = scratch
        self.pool = pool
        self.strategy = strategy
        var offsets: [Int] = []
        var positions: [Int] = []
        for segment in segments {
            offsets.append(positions.count)
            positions += (0..<segment.tokens.count).map { segment.cache.count + $0 }
        }
        self.offsets = offsets
        self.positions = positions
        rows = positions.count
    }
}
