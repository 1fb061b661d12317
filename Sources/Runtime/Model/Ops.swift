import Foundation

/// Elementwise and attention operations of the forward pass, on F32 rows.
enum Ops {
    /// out = x / rms(x) * w, for one row of n values (in place allowed).
    static func rmsNorm(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ n: Int, eps: Float,
                        _ out: UnsafeMutablePointer<Float>) {
        var sum: Float = 0
        for i in 0..<n { sum += x[i] * x[i] }
        let scale = 1 / (sum / Float(n) + eps).squareRoot()
        for i in 0..<n { out[i] = x[i] * scale * w[i] }
    }

    static func silu(_ x: Float) -> Float { x / (1 + expf(-x)) }

    static func geluTanh(_ x: Float) -> Float {
        0.5 * x * (1 + tanhf(0.797_884_56 * (x + 0.044_715 * x * x * x)))
    }

    /// Rotates the first `nRot` dims of each of `heads` vectors of size `headDim` at `position`.
    static func rope(_ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, nRot: Int, position: Float,
                     base: Float, style: RopeStyle) {
        let half = nRot / 2
        for i in 0..<half {
            let theta = position * powf(base, -Float(2 * i) / Float(nRot))
            let c = cosf(theta), s = sinf(theta)
            for h in 0..<heads {
                let v = x + h * headDim
                let (a, b) = style == .neox ? (i, i + half) : (2 * i, 2 * i + 1)
                let x0 = v[a], x1 = v[b]
                v[a] = x0 * c - x1 * s
                v[b] = x0 * s + x1 * c
            }
        }
    }

    /// Causal attention of one query row (all heads) against positions `lo...hi` of a layer's cache.
    /// q: (heads, headDim); out: (heads, valueDim)
    static func attend(q: UnsafePointer<Float>, keys: HalfOrFloatBuffer, values: HalfOrFloatBuffer,
                       config c: ModelConfig, lo: Int, hi: Int, out: UnsafeMutablePointer<Float>,
                       scratch: UnsafeMutablePointer<Float>) {
        let group = c.headCount / c.kvHeadCount
        let span = hi - lo + 1
        let scores = scratch               // (span)
        let kv = scratch + span            // (max(headDim, valueDim))
        for h in 0..<c.headCount {
            let kvHead = h / group
            let qh = q + h * c.headDim
            var maxScore = -Float.infinity
            for j in 0..<span {
                keys.read(into: kv, count: c.headDim, at: (lo + j) * c.kvDim + kvHead * c.headDim)
                var dot: Float = 0
                for i in 0..<c.headDim { dot += qh[i] * kv[i] }
                scores[j] = dot * c.attentionScale
                maxScore = max(maxScore, scores[j])
            }
            var total: Float = 0
            for j in 0..<span {
                scores[j] = expf(scores[j] - maxScore)
                total += scores[j]
            }
            let oh = out + h * c.valueDim
            for i in 0..<c.valueDim { oh[i] = 0 }
            for j in 0..<span {
                values.read(into: kv, count: c.valueDim, at: (lo + j) * c.vDim + kvHead * c.valueDim)
                let weight = scores[j] / total
                for i in 0..<c.valueDim { oh[i] += weight * kv[i] }
            }
        }
    }
}
