/// Vectorised transcendental functions for the activation and softmax loops, which otherwise
/// make one `expf`/`tanhf` library call per element (tens of millions per prompt).
public enum FastMath {
    /// eˣ for 16 lanes, within 2 ulp of `expf` over [−87.3, 88]; below −87.3 (including −∞)
    /// the result is 0, above 88 it saturates at e⁸⁸. Range reduction x = n·ln2 + r with a
    /// two-part ln2, then a degree-7 polynomial for eʳ (Cephes' `expf` coefficients).
    @inline(__always)
    public static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let low: Float = -87.336_54, high: Float = 88
        let clamped = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        // Round to nearest even by adding 1.5·2²³: the sum's low mantissa bits hold n as an
        // integer (generic SIMD rounding and Int32 conversion compile to per-lane calls).
        let magic: Float = 12_582_912
        let shifted = clamped * 1.442_695_04 + magic
        let n = shifted - magic
        var r = clamped - n * 0.693_359_375
        r -= n * -2.121_944_4e-4
        var p = SIMD16<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let e = p * (r * r) + r + 1
        let integer = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- Int32(bitPattern: magic.bitPattern)
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: SIMD16<Float>.self)
        return (e * scale).replacing(with: 0, where: x .< low)
    }

    /// tanh for 16 lanes as 1 − 2/(e²ˣ + 1): absolute error below 1e-7 (relative error grows
    /// for |x| < 1e-4, where only the absolute error matters to GELU).
    @inline(__always)
    public static func tanh(_ x: SIMD16<Float>) -> SIMD16<Float> {
        1 - 2 / (exp(2 * x) + 1)
    }

    /// x·σ(x) for 16 lanes.
    @inline(__always)
    public static func silu(_ x: SIMD16<Float>) -> SIMD16<Float> {
        x / (1 + exp(-x))
    }

    /// GELU, tanh approximation, for 16 lanes.
    @inline(__always)
    public static func gelu(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let c: Float = 0.797_884_560_802_865_4 // √(2/π)
        return 0.5 * x * (1 + tanh(c * x * (1 + 0.044_715 * x * x)))
    }
}
