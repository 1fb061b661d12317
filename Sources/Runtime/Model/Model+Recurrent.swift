#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensor

/// The recurrent token mixers: lfm2's gated short convolution and qwen35's gated delta-net. Each
/// reads the normed input in `scratch.h` and replaces it with its output; each sequence's rows run
/// in order through that sequence's state (`RecurrentState`).
extension Model {
    func shortConvolutionMixer(_ index: Int, _ w: ShortConvolutionWeights, _ pass: ForwardPass) throws(ModelError) {
        let d = config.embeddingLength, T = pass.rows, s = pass.scratch
        let taps = config.shortConvolutionLength ?? 1
        let bcx = s.mix.pointer, out = s.attn.pointer
        try Kernels.matmul(w.inProjection, s.h.pointer, tokens: T, bcx, pool: pass.pool, strategy: pass.strategy)
        let kernel = w.kernel.pointer
        let bx = UnsafeMutablePointer<Float>.allocate(capacity: d)
        defer { bx.deallocate() }
        for (segment, offset) in zip(pass.segments, pass.offsets) {
            guard let state = segment.cache.recurrent else { throw .kernel(name: "short convolution", detail: "the cache has no recurrent state") }
            let history = state.history(index)   // (taps − 1, d), oldest first
            for t in offset..<offset + segment.tokens.count {
                let row = bcx + t * 3 * d, b = row, c = row + d, xs = row + 2 * d, y = out + t * d
                for ch in 0..<d { bx[ch] = b[ch] * xs[ch] }
                for ch in 0..<d {
                    let wc = kernel + ch * taps
                    var sum = wc[taps - 1] * bx[ch]
                    for j in 0..<(taps - 1) { sum += wc[j] * history[j * d + ch] }
                    y[ch] = c[ch] * sum
                }
                Self.shift(history, rows: taps - 1, width: d, newest: bx)
            }
        }
        try Kernels.matmul(w.outProjection, out, tokens: T, s.h.pointer, pool: pass.pool, strategy: pass.strategy)
    }

    func deltaNetMixer(_ index: Int, _ w: DeltaNetWeights, _ pass: ForwardPass) throws(ModelError) {
        guard let n = config.deltaNet else { throw .missingMetadata("\(config.spec.name).ssm.state_size") }
        let T = pass.rows, s = pass.scratch, h = s.h.pointer, pool = pass.pool
        let channels = n.channels, inner = n.innerSize, nv = n.valueHeads, nk = n.keyHeads
        let dk = n.stateSize, dv = n.valueHeadSize, kc = n.convolutionKernel
        let qkv = s.mix.pointer, z = qkv + T * channels, beta = z + T * inner, alpha = beta + T * nv
        if T == 1 {
            try Kernels.matvecs([(w.qkv, qkv), (w.gate, z), (w.beta, beta), (w.alpha, alpha)], h, pool: pool)
        } else {
            try Kernels.matmuls([(w.qkv, qkv), (w.gate, z), (w.beta, beta), (w.alpha, alpha)], h, tokens: T, pool: pool,
                                strategy: pass.strategy)
        }
        let out = s.attn.pointer
        let u = UnsafeMutablePointer<Float>.allocate(capacity: channels)
        defer { u.deallocate() }
        let kernel = w.kernel.pointer, eps = config.rmsEpsilon
        let outScale = 1 / Float(dk).squareRoot()
        for (segment, offset) in zip(pass.segments, pass.offsets) {
            guard let state = segment.cache.recurrent else { throw .kernel(name: "delta-net", detail: "the cache has no recurrent state") }
            let history = state.history(index), matrices = state.state(index)
            for t in offset..<offset + segment.tokens.count {
                // Causal depthwise convolution over [q; k; v], then SiLU.
                let c = qkv + t * channels
                for ch in 0..<channels {
                    let wc = kernel + ch * kc
                    var sum = wc[kc - 1] * c[ch]
                    for j in 0..<(kc - 1) { sum += wc[j] * history[j * channels + ch] }
                    u[ch] = sum / (1 + expf(-sum))
                }
                Self.shift(history, rows: kc - 1, width: channels, newest: c)
                let q = u, k = u + nk * dk, v = u + 2 * nk * dk
                for head in 0..<nk {
                    Self.normalize(q + head * dk, n: dk, divisor: 1, eps: eps)
                    Self.normalize(k + head * dk, n: dk, divisor: 1, eps: eps)
                }
                let o = out + t * inner
                for j in 0..<nv {
                    let kh = j % nk, qj = q + kh * dk, kj = k + kh * dk, vj = v + j * dv
                    let b = 1 / (1 + expf(-beta[t * nv + j]))
                    let a = alpha[t * nv + j] + w.dtBias.pointer[j]
                    let decay = expf((a > 20 ? a : log1pf(expf(a))) * w.a.pointer[j])
                    let S = matrices + j * dv * dk, oj = o + j * dv
                    for r in 0..<dv {
                        let row = S + r * dk
                        var sk: Float = 0
                        for i in 0..<dk { row[i] *= decay; sk += row[i] * kj[i] }
                        let delta = b * (vj[r] - sk)
                        var sq: Float = 0
                        for i in 0..<dk { row[i] += delta * kj[i]; sq += row[i] * qj[i] }
                        oj[r] = sq * outScale
                    }
                    Ops.rmsNorm(oj, weight: w.norm.pointer, eps: eps, out: oj, n: dv)
                    let zj = z + t * inner + j * dv
                    for r in 0..<dv { oj[r] *= zj[r] / (1 + expf(-zj[r])) }
                }
            }
        }
        try Kernels.matmul(w.output, out, tokens: T, h, pool: pool, strategy: pass.strategy)
    }

    /// Drops the oldest of `rows` history rows of `width` values and appends `newest`.
    static func shift(_ history: UnsafeMutablePointer<Float>, rows: Int, width: Int, newest: UnsafePointer<Float>) {
        guard rows > 0 else { return }
        if rows > 1 { history.update(from: history + width, count: (rows - 1) * width) }
        (history + (rows - 1) * width).update(from: newest, count: width)
    }
}
