import Foundation

/// Elementwise operations of the forward pass, on F32 rows.
enum BlockMath {
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

}
