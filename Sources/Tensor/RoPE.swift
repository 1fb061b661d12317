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
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * max(pairs, 1)) { table in
            let cosines = table.baseAddress!, sines = cosines + pairs
            angles(position: position, dims: dims, freqBase: freqBase, freqScale: freqScale, cosines: cosines, sines: sines)
            rotate(x, heads: heads, headDim: headDim, dims: dims, cosines: cosines, sines: sines, style: style)
        }
    }

    /// cos θᵢ and sin θᵢ of the `dims / 2` pairs at `position`, for `rotate`: one table serves
    /// every head of Q and K at that position.
    public static func angles(
        position: Int, dims: Int, freqBase: Float, freqScale: Float = 1,
        cosines: UnsafeMutablePointer<Float>, sines: UnsafeMutablePointer<Float>
    ) {
        let thetaScale = powf(freqBase, -2 / Float(dims))
        var theta = Float(position) * freqScale
        for i in 0..<(dims / 2) {
            cosines[i] = cosf(theta)
            sines[i] = sinf(theta)
            theta *= thetaScale
        }
    }

    /// Rotates `heads` vectors by the angles from `angles`.
    public static func rotate(
        _ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, dims: Int,
        cosines: UnsafePointer<Float>, sines: UnsafePointer<Float>, style: Style
    ) {
        let pairs = dims / 2
        for h in 0..<heads {
            let v = x + h * headDim
            if style == .neox {
                for i in 0..<pairs {
                    let x0 = v[i], x1 = v[i + pairs]
                    v[i] = x0 * cosines[i] - x1 * sines[i]
                    v[i + pairs] = x0 * sines[i] + x1 * cosines[i]
                }
            } else {
                for i in 0..<pairs {
                    let x0 = v[2 * i], x1 = v[2 * i + 1]
                    v[2 * i] = x0 * cosines[i] - x1 * sines[i]
                    v[2 * i + 1] = x0 * sines[i] + x1 * cosines[i]
                }
            }
        }
    }
}
