import Foundation

/// F32 elementwise kernels of the forward pass. All take raw pointers and a count; in-place use
/// (`out == x`) is allowed everywhere.
public enum Ops {
    /// out = x / √(mean(x²) + eps) · g, with g = w, or g = 1 + w when `addOne` (Gemma-style gains
    /// stored as offsets). `w` has `n` elements; pass nil for no gain.
    public static func rmsNorm(
        _ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>?, eps: Float, addOne: Bool = false,
        out: UnsafeMutablePointer<Float>, n: Int
    ) {
        var acc = SIMD16<Float>()
        var i = 0
        while i + 16 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            acc += v * v
            i += 16
        }
        var sumSquares = Double(acc.sum())
        while i < n { sumSquares += Double(x[i] * x[i]); i += 1 }
        let scale = Float(1 / (sumSquares / Double(n) + Double(eps)).squareRoot())
        guard let w else {
            for j in 0..<n { out[j] = x[j] * scale }
            return
        }
        if addOne {
            for j in 0..<n { out[j] = x[j] * scale * (1 + w[j]) }
        } else {
            for j in 0..<n { out[j] = x[j] * scale * w[j] }
        }
    }

    /// out = a + b.
    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, n: Int) {
        for i in 0..<n { out[i] = a[i] + b[i] }
    }

    /// out = a · b (elementwise).
    public static func mul(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, n: Int) {
        for i in 0..<n { out[i] = a[i] * b[i] }
    }

    /// out = x · s.
    public static func scale(_ x: UnsafePointer<Float>, by s: Float, out: UnsafeMutablePointer<Float>, n: Int) {
        for i in 0..<n { out[i] = x[i] * s }
    }

    /// out = x · σ(x) (SiLU / swish).
    public static func silu(_ x: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, n: Int) {
        for i in 0..<n { out[i] = x[i] / (1 + expf(-x[i])) }
    }

    /// out = ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (GELU, tanh approximation, as ggml and Gemma).
    public static func gelu(_ x: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, n: Int) {
        let c: Float = 0.797_884_560_802_865_4 // √(2/π)
        for i in 0..<n {
            let v = x[i]
            out[i] = 0.5 * v * (1 + tanhf(c * v * (1 + 0.044715 * v * v)))
        }
    }

    /// out = silu(gate) · up, the SwiGLU feed-forward gate.
    public static func swiglu(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, n: Int) {
        for i in 0..<n { out[i] = gate[i] / (1 + expf(-gate[i])) * up[i] }
    }

    /// out = gelu(gate) · up, the GeGLU feed-forward gate (Gemma).
    public static func geglu(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, n: Int) {
        gelu(gate, out: out, n: n)
        for i in 0..<n { out[i] *= up[i] }
    }

    /// In-place softmax over `n` values (max-subtracted; an all −∞ row becomes all zeros).
    public static func softmax(_ x: UnsafeMutablePointer<Float>, n: Int) {
        guard n > 0 else { return }
        var m = -Float.infinity
        for i in 0..<n { m = max(m, x[i]) }
        guard m > -.infinity else {
            x.update(repeating: 0, count: n)
            return
        }
        var sum: Float = 0
        for i in 0..<n {
            let e = expf(x[i] - m)
            x[i] = e
            sum += e
        }
        let inv = 1 / sum
        for i in 0..<n { x[i] *= inv }
    }
}
