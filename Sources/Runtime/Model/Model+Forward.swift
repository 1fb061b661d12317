#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensor

/// Which positions' logits a forward pass returns.
public enum LogitsSelection: Sendable, Equatable {
    case last
    case all
    /// These rows of a one-segment pass, in this order.
    case rows([Int])
}

extension Model {
    /// Runs `tokens` (appended after what `cache` holds) through the model and returns logits:
    /// (vocabularySize) for `.last`, (tokens.count × vocabularySize) row-major for `.all`.
    public func forward(_ tokens: [Int32], cache: KVCache, logits selection: LogitsSelection = .last) throws(ModelError) -> [Float] {
        guard !tokens.isEmpty else { return [] }
        return try run([ForwardSegment(tokens: tokens, cache: cache)], scratch: cache.scratch, pool: cache.pool,
                       selection: selection, strategy: nil)
    }

    /// Runs `tokens` (appended after what `cache` holds) as if each had a one-token `forward` of
    /// its own, in one pass that reads every weight once: returns the logits after each token in
    /// `rows` (all by default; rows.count × vocabularySize), bit-identical to the logits of
    /// one-token steps. This is how drafted tokens are checked (`DecodeLoop`): the text is the
    /// same as decoding step by step. At most `maxStepRows` tokens (more would take the blocked
    /// attention kernel, whose sums differ in the last bits).
    public func forwardSteps(_ tokens: [Int32], cache: KVCache, rows: [Int]? = nil) throws(ModelError) -> [Float] {
        guard !tokens.isEmpty else { return [] }
        try Self.checkStepRows(tokens.count)
        return try run([ForwardSegment(tokens: tokens, cache: cache)], scratch: cache.scratch, pool: cache.pool,
                       selection: rows.map { .rows($0) } ?? .all, strategy: .dot)
    }

    /// `forwardSteps` for several sequences in one pass, each appending its tokens (at most
    /// `maxStepRows`) to its own cache: returns every row's logits per segment (tokens.count ×
    /// vocabularySize each), bit-identical to one-token steps of each sequence alone. This is how
    /// the server checks several sequences' drafts in one decode step.
    public func forwardSteps(batch segments: [ForwardSegment]) throws(ModelError) -> [[Float]] {
        guard let first = segments.first else { return [] }
        try Self.checkDistinctCaches(segments)
        for segment in segments { try Self.checkStepRows(segment.tokens.count) }
        let logits = try run(segments, scratch: first.cache.scratch, pool: first.cache.pool, selection: .all, strategy: .dot)
        let width = config.vocabularySize
        var start = 0
        return segments.map { segment in
            defer { start += segment.tokens.count * width }
            return Array(logits[start..<(start + segment.tokens.count * width)])
        }
    }

    /// `forward` with every product's strategy forced: `.blas` multiplies F32 activations (no
    /// int8 rounding), the arithmetic of the Vulkan path, which tests compare it with.
    func forward(_ tokens: [Int32], cache: KVCache, logits selection: LogitsSelection,
                 strategy: MatMul.Strategy) throws(ModelError) -> [Float] {
        guard !tokens.isEmpty else { return [] }
        return try run([ForwardSegment(tokens: tokens, cache: cache)], scratch: cache.scratch, pool: cache.pool,
                       selection: selection, strategy: strategy)
    }

    /// The most tokens `forwardSteps` takes in one pass.
    public static var maxStepRows: Int { Attention.blockedMinTokens - 1 }

    private static func checkStepRows(_ count: Int) throws(ModelError) {
        guard count <= maxStepRows else {
            throw .kernel(name: "forwardSteps", detail: "\(count) tokens; at most \(maxStepRows) per pass")
        }
    }

    private static func checkDistinctCaches(_ segments: [ForwardSegment]) throws(ModelError) {
        guard Set(segments.map { ObjectIdentifier($0.cache) }).count == segments.count else {
            throw .kernel(name: "batch", detail: "two segments of one batch share a KV cache")
        }
    }

    /// One forward pass over several sequences, each appending its `tokens` to its own cache:
    /// every weight matrix is read once for all of them. Returns the logits after each segment's
    /// last token, in order. When every segment has one token (a decode step), the products use
    /// the same quantized dot products as a one-token `forward`, so each sequence gets exactly
    /// the logits it would get alone. Runs on the first segment's thread pool and work buffers.
    public func forward(batch segments: [ForwardSegment]) throws(ModelError) -> [[Float]] {
        guard let first = segments.first else { return [] }
        try Self.checkDistinctCaches(segments)
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
        if let gpu = accelerator.model {
            // Several sequences share each device pass; decode steps (`.dot`) keep every row's
            // arithmetic what it would be alone.
            return try gpu.forward(self, segments: segments, selection: selection, tiled: strategy != .dot)
        }
        let pass = ForwardPass(segments: segments, scratch: s, pool: pool, strategy: strategy)
        s.reserve(tokens: T, config: c)
        let d = c.embeddingLength
        let x = s.x.pointer, h = s.h.pointer
        let allTokens = segments.flatMap(\.tokens)
        try embed(allTokens, into: x)
        // A recurrent state cannot be rolled back token by token: remember it at the start and
        // end of every multi-token pass (prompt boundaries), where prefix reuse goes back to.
        for segment in segments where segment.tokens.count > 1 {
            segment.cache.recurrent?.checkpoint(at: segment.cache.count)
        }
        if let tables = perLayerInputs { try perLayerInputRows(tables, tokens: allTokens, pass) }
        do {
            try runLayers(pass)
        } catch {
            // A recurrent state may be half-updated: go back to a consistent checkpoint.
            for segment in segments { segment.cache.recoverRecurrentState() }
            throw error
        }
        for segment in segments {
            segment.cache.count += segment.tokens.count
            segment.cache.tokens.append(contentsOf: segment.tokens)
            if segment.tokens.count > 1 { segment.cache.recurrent?.checkpoint(at: segment.cache.count) }
        }

        // The rows whose logits are returned, gathered at the front of h.
        let picked: [Int]
        switch selection {
        case .all: picked = Array(0..<T)
        case .rows(let rows): picked = rows.filter { $0 >= 0 && $0 < T }
        case .last: picked = pass.offsets.indices.map { pass.offsets[$0] + segments[$0].tokens.count - 1 }
        }
        for (i, row) in picked.enumerated() {
            Ops.rmsNorm(x + row * d, weight: outputNorm.pointer, eps: c.rmsEpsilon, out: h + i * d, n: d)
        }
        let rows = picked.count
        var logits = [Float](repeating: 0, count: rows * c.vocabularySize)
        try logits.withUnsafeMutableBufferPointer { out throws(ModelError) in
            guard let base = out.baseAddress else { return }
            try Kernels.matmul(output, h, tokens: rows, base, pool: pool, strategy: strategy)
        }
        finishLogits(&logits)
        return logits
    }

    /// Every layer over the pass's rows: x in `scratch.x` is updated in place.
    ///
    /// Per-row work between the products — the residual add (with its post-norm) and the norm
    /// before the attention or feed-forward products — runs as their `prepare` step, row by row
    /// on the threads that quantize the rows, rather than on this thread alone between them:
    /// the same arithmetic per row, so the same bits.
    private func runLayers(_ pass: ForwardPass) throws(ModelError) {
        let T = pass.rows, d = config.embeddingLength, x = pass.scratch.x.pointer, h = pass.scratch.h.pointer
        // The previous layer's feed-forward output in h, not yet added to x (its post-norm).
        var pending: WeightVector?? = nil
        /// Row t: x += norm(h) (or h when there is no post-norm); h is overwritten.
        func residual(_ t: Int, _ norm: WeightVector?) {
            if let norm { normRows(h + t * d, norm, rows: 1, out: h + t * d) }
            Ops.add(x + t * d, h + t * d, out: x + t * d, n: d)
        }
        for (index, layer) in layers.enumerated() {
            if let attention = layer.attention {
                let carried = pending
                try attentionMixer(index, attention, pass) { t in
                    if let carried { residual(t, carried) }
                    self.normRows(x + t * d, layer.attnNorm, rows: 1, out: h + t * d)
                }
            } else {
                if let carried = pending { for t in 0..<T { residual(t, carried) } }
                normRows(x, layer.attnNorm, rows: T, out: h)
                if let convolution = layer.shortConvolution {
                    try shortConvolutionMixer(index, convolution, pass)
                } else if let net = layer.deltaNet {
                    try deltaNetMixer(index, net, pass)
                }
            }
            pending = nil
            let intoFFN: (Int) -> Void = { t in
                residual(t, layer.postAttnNorm)
                self.normRows(x + t * d, layer.ffnNorm, rows: 1, out: h + t * d)
            }
            if let ffn = layer.ffn {
                try feedForward(ffn, pass, prepare: intoFFN)
            } else {
                for t in 0..<T { intoFFN(t) }
                if let experts = layer.experts { try expertFeedForward(index, experts, pass) }
            }
            if layer.perLayerInput == nil && layer.outputScale == nil {
                pending = .some(layer.postFFNNorm)
                continue
            }
            for t in 0..<T { residual(t, layer.postFFNNorm) }
            if let input = layer.perLayerInput { try perLayerInput(index, input, pass) }
            if let scale = layer.outputScale { Ops.scale(x, by: scale, out: x, n: T * d) }
        }
        if let carried = pending { for t in 0..<T { residual(t, carried) } }
    }

    /// Attention of layer `index` over the normed input in `scratch.h`; the output replaces it.
    /// `prepare(t)` writes row t of the normed input into `scratch.h` (see `runLayers`).
    private func attentionMixer(_ index: Int, _ w: AttentionWeights, _ pass: ForwardPass,
                                prepare: (Int) -> Void) throws(ModelError) {
        let c = config, lc = c.layers[index], s = pass.scratch, pool = pass.pool, T = pass.rows
        let h = s.h.pointer, q = s.q.pointer, k = s.k.pointer, v = s.v.pointer
        let qDim = lc.qDim, kvDim = lc.kvDim, vDim = lc.vDim, hd = lc.headDim
        let gated = c.spec.gatedAttention
        let qTarget = gated ? s.mix.pointer : q
        var items: [(WeightMatrix, UnsafeMutablePointer<Float>)] = [(w.q, qTarget)]
        if let wk = w.k { items.append((wk, k)) }
        if let wv = w.v { items.append((wv, v)) }
        try Kernels.matmuls(items, h, tokens: T, pool: pool, strategy: pass.strategy, prepare: prepare)
        addBias(w.qBias, qTarget, rows: T)
        addBias(w.kBias, k, rows: T)
        addBias(w.vBias, v, rows: T)
        if gated {
            // Rows are [query; gate] per head: gather the queries, the gates stay in `mix`.
            for t in 0..<T {
                for head in 0..<lc.headCount {
                    (q + t * qDim + head * hd).update(from: qTarget + t * 2 * qDim + head * 2 * hd, count: hd)
                }
            }
        }
        let owns = w.k != nil
        if owns && w.v == nil { v.update(from: k, count: T * kvDim) }   // V = K (gemma4 without attn_v)
        let dims = lc.ropeDimensions
        let frequencies = s.rope.pointer, cosines = frequencies + dims / 2, sines = cosines + T * dims / 2
        let magnitude = ropeFrequencies(lc, into: frequencies)
        let style: RoPE.Style = c.spec.ropeStyle == .neox ? .neox : .normal
        for t in 0..<T {
            let qt = q + t * qDim, kt = k + t * kvDim
            if let qNorm = w.qNorm { normRows(qt, qNorm, rows: lc.headCount, out: qt) }
            if owns, let kNorm = w.kNorm { normRows(kt, kNorm, rows: lc.kvHeadCount, out: kt) }
            if owns && c.spec.valueNorm {
                for head in 0..<lc.kvHeadCount { Self.normalize(v + t * vDim + head * lc.valueDim, n: lc.valueDim, divisor: Float(lc.valueDim), eps: c.rmsEpsilon) }
            }
            if dims > 0 {
                let ct = cosines + t * dims / 2, st = sines + t * dims / 2
                ropeAngles(position: pass.positions[t], frequencies: frequencies, pairs: dims / 2, magnitude: magnitude,
                           cosines: ct, sines: st)
                RoPE.rotate(qt, heads: lc.headCount, headDim: hd, dims: dims, cosines: ct, sines: st, style: style)
                if owns { RoPE.rotate(kt, heads: lc.kvHeadCount, headDim: hd, dims: dims, cosines: ct, sines: st, style: style) }
            }
            if let temperature = c.attentionTemperature {
                let f = temperature.factor(position: Int(pass.positions[t]))
                for i in 0..<qDim { qt[i] *= f }
            }
        }
        let source = owns ? index : lc.kvSource
        let outWidth = lc.headCount * lc.valueDim
        var queries: [Attention.Query] = []
        queries.reserveCapacity(pass.segments.count)
        for (segment, offset) in zip(pass.segments, pass.offsets) {
            let cache = segment.cache, n = segment.tokens.count, start = cache.count
            if owns {
                cache.keys[index].write(k + offset * kvDim, count: n * kvDim, at: start * kvDim)
                cache.values[index].write(v + offset * vDim, count: n * vDim, at: start * vDim)
            }
            queries.append(Attention.Query(q: q + offset * qDim, tokens: n, firstPosition: start, cache: try cache.layer(source),
                                           out: s.attn.pointer + offset * outWidth))
        }
        // One dispatch for the whole batch (a decode step's sequences), not one per sequence.
        Attention.causal(queries, heads: lc.headCount, kvHeads: lc.kvHeadCount, headDim: hd,
                         scale: c.attentionScale(layer: index), window: lc.slidingWindow, pool: pool)
        if gated {
            let attn = s.attn.pointer
            for t in 0..<T {
                for head in 0..<lc.headCount {
                    let out = attn + t * outWidth + head * lc.valueDim, g = qTarget + t * 2 * qDim + head * 2 * hd + hd
                    for i in 0..<lc.valueDim { out[i] /= 1 + expf(-g[i]) }
                }
            }
        }
        try Kernels.matmul(w.output, s.attn.pointer, tokens: T, h, pool: pool, strategy: pass.strategy)
        addBias(w.outputBias, h, rows: T)
    }

    /// The `dims / 2` rotation frequencies of layer `lc` (θᵢ = position · frequencyᵢ); returns the
    /// factor cos θ and sin θ are multiplied by (YaRN's magnitude, else 1).
    func ropeFrequencies(_ lc: LayerConfig, into frequencies: UnsafeMutablePointer<Float>) -> Float {
        let c = config, dims = lc.ropeDimensions, base = lc.ropeBase
        // θᵢ = position · base^(−2i/dims) with one powf per pair, rather than ggml's running
        // product: on the reference prompts this agrees with llama.cpp's greedy text more often.
        for i in 0..<dims / 2 { frequencies[i] = c.ropePairRotates(i) ? powf(base, -Float(2 * i) / Float(dims)) : 0 }
        if lc.usesRopeFactors, let factors = ropeFactors, factors.count >= dims / 2 {
            for i in 0..<dims / 2 { frequencies[i] /= factors.pointer[i] }
        }
        c.yarn?.scale(frequencies, dims: dims, base: base)
        return c.yarn?.magnitude ?? 1
    }

    /// Rows of logits from the output matrix, finished: the output bias added, then the final
    /// soft-cap where the architecture has one.
    func finishLogits(_ logits: inout [Float]) {
        let rows = logits.count / max(config.vocabularySize, 1)
        logits.withUnsafeMutableBufferPointer { out in
            guard let base = out.baseAddress else { return }
            addBias(outputBias, base, rows: rows)
            if let cap = config.finalLogitSoftcap, cap > 0 {
                for i in 0..<out.count { out[i] = cap * tanhf(out[i] / cap) }
            }
        }
    }

    /// cos θᵢ and sin θᵢ (times `magnitude`) of the `pairs` rotations at `position`, θᵢ = position ·
    /// ropeScale · frequencyᵢ (frequencies from `ropeFrequencies`).
    func ropeAngles(position: Int, frequencies: UnsafePointer<Float>, pairs: Int, magnitude: Float,
                    cosines: UnsafeMutablePointer<Float>, sines: UnsafeMutablePointer<Float>) {
        let position = Float(position) * config.ropeScale
        for i in 0..<pairs {
            let theta = position * frequencies[i]
            cosines[i] = cosf(theta) * magnitude
            sines[i] = sinf(theta) * magnitude
        }
    }

    /// The input rows of `tokens`: their embeddings (scaled by √d where the architecture says so).
    func embed(_ tokens: [Int32], into x: UnsafeMutablePointer<Float>) throws(ModelError) {
        let d = config.embeddingLength
        let scale: Float = config.spec.scaleEmbeddingBySqrtDim ? Float(d).squareRoot() : 1
        for (t, token) in tokens.enumerated() {
            let row = x + t * d
            try Kernels.dequantizeRow(tokenEmbedding, row: Int(token), into: row)
            if scale != 1 { Ops.scale(row, by: scale, out: row, n: d) }
        }
    }

    /// x / √(Σx² / divisor + eps), in place, without a gain: the RMS norm with `divisor` n (V-norm),
    /// the L2 norm with 1 (the delta-net's q and k).
    static func normalize(_ x: UnsafeMutablePointer<Float>, n: Int, divisor: Float, eps: Float) {
        var sum: Float = 0
        for i in 0..<n { sum += x[i] * x[i] }
        let scale = 1 / (sum / divisor + eps).squareRoot()
        for i in 0..<n { x[i] *= scale }
    }

    /// act(gate) · up, then down, from the normed input in `scratch.h`; the output replaces it.
    /// `prepare(t)` writes row t of the normed input into `scratch.h` (see `runLayers`).
    private func feedForward(_ layer: FeedForwardWeights, _ pass: ForwardPass, prepare: (Int) -> Void) throws(ModelError) {
        let T = pass.rows, s = pass.scratch, pool = pass.pool, strategy = pass.strategy
        let ff = layer.width
        let h = s.h.pointer, gate = s.gate.pointer, up = s.up.pointer
        let gated = config.spec.activation == .silu ? Ops.swiglu : Ops.geglu
        if let gateWeights = layer.gate {
            try Kernels.matmuls([(gateWeights, gate), (layer.up, up)], h, tokens: T, pool: pool, strategy: strategy,
                                prepare: prepare)
            // The gate's activation times up, row by row as the down product reads them.
            let activate: (Int) -> Void = { t in
                if let bias = layer.gateBias { Ops.add(gate + t * ff, bias.pointer, out: gate + t * ff, n: ff) }
                if let bias = layer.upBias { Ops.add(up + t * ff, bias.pointer, out: up + t * ff, n: ff) }
                gated(gate + t * ff, up + t * ff, up + t * ff, ff)
            }
            if T == 1 {
                activate(0)
                try Kernels.matmul(layer.down, up, tokens: T, h, pool: pool, strategy: strategy)
            } else {
                try Kernels.matmuls([(layer.down, h)], up, tokens: T, pool: pool, strategy: strategy, prepare: activate)
            }
            addBias(layer.downBias, h, rows: T)
            return
        } else {
            for t in 0..<T { prepare(t) }
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
    func normRows(_ x: UnsafeMutablePointer<Float>, _ norm: WeightVector, rows: Int, out: UnsafeMutablePointer<Float>) {
        let n = norm.count
        for r in 0..<rows {
            Ops.rmsNorm(x + r * n, weight: norm.pointer, eps: config.rmsEpsilon, out: out + r * n, n: n)
        }
    }

    func addBias(_ bias: WeightVector?, _ y: UnsafeMutablePointer<Float>, rows: Int) {
        guard let bias else { return }
        for t in 0..<rows { Ops.add(y + t * bias.count, bias.pointer, out: y + t * bias.count, n: bias.count) }
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
struct ForwardPass {
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
