import Foundation

/// Rotary position embedding, in place, llama.cpp-compatible.
public enum RoPE {
    /// How dimension pairs are formed.
    public enum Style: Sendable {
        /// Adjacent pairs (x[2i], x[2i+1]) — llama.cpp's "normal" mode (Llama, SmolLM2).
        case normal
        /// Split halves (x[i], x[i + dims/2]) — GPT-NeoX mode (Gemma, Qwen, Phi-3).
        case neox
    }

    /// Rotates `heads` vectors of `headDim` floats at `x` (laid out head after head) for the token
    /// at `position`. Only the first `dims` (≤ headDim, even) of each head rotate; the rest are
    /// left alone. Pair i turns by θᵢ = position·freqScale·base^(−2i/dims), computed as llama.cpp
    /// does (θ multiplied by base^(−2/dims) pair by pair, in F32).
    public static func apply(
        _ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, dims: Int, position: Int,
        freqBase: Float, freqScale: Float = 1, style: Style
    ) {
        let pairs = dims / 2
        let thetaScale = powf(freqBase, -2 / Float(dims))
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * pairs) { table in
            let cosines = table.baseAddress!, sines = cosines + pairs
            var theta = Float(position) * freqScale
            for i in 0..<pairs {
                cosines[i] = cosf(theta)
                sines[i] = sinf(theta)
                theta *= thetaScale
            }
            for h in 0..<heads {
                let v = x + h * headDim
                for i in 0..<pairs {
                    let (a, b) = style == .normal ? (2 * i, 2 * i + 1) : (i, i + pairs)
                    let x0 = v[a], x1 = v[b]
                    v[a] = x0 * cosines[i] - x1 * sines[i]
                    v[b] = x0 * sines[i] + x1 * cosines[i]
                }
            }
        }
    }
}
