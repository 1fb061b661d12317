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
        // A sequential F32 sum (not vectorised, not F64 as ggml): on the reference prompts the
        // forward pass agrees with llama.cpp's greedy continuations more often this way.
        var sum: Float = 0
        for i in 0..<n { sum += x[i] * x[i] }
        let scale = 1 / (sum / Float(n) + eps).squareRoot()
        guard let w else {
            for j in 0..<n { out[j] = x[j] * scale }
            return
        }
        if addOne {
            for j in 0..<n { out[j] = x[j] * scale * (1 + w[j]) }
        } else {
            for j in 0..<n { out[j] = (x[j] * scale) * w[j] }
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
        map(x, out, n, FastMath.silu)
    }

    /// out = ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (GELU, tanh approximation, as ggml and Gemma).
    public static func gelu(_ x: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, n: Int) {
        map(x, out, n, FastMath.gelu)
    }

    /// out = silu(gate) · up, the SwiGLU feed-forward gate.
    public static func swiglu(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, n: Int) {
        gated(gate, up, out, n, FastMath.silu)
    }

    /// out = gelu(gate) · up, the GeGLU feed-forward gate (Gemma).
    public static func geglu(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, n: Int) {
        gated(gate, up, out, n, FastMath.gelu)
    }

    /// out = f(x), 16 lanes at a time; the tail goes through a padded vector.
    @inline(__always)
    private static func map(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int,
                            _ f: (SIMD16<Float>) -> SIMD16<Float>) {
        var i = 0
        while i + 16 <= n {
            UnsafeMutableRawPointer(out + i).storeBytes(of: f(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)), as: SIMD16<Float>.self)
            i += 16
        }
        if i < n {
            storePartial(f(loadPartial(x + i, n - i, padding: 0)), out + i, n - i)
        }
    }

    /// out = f(gate) · up, 16 lanes at a time, in one pass (`out` may be `gate` or `up`).
    @inline(__always)
    private static func gated(_ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int,
                              _ f: (SIMD16<Float>) -> SIMD16<Float>) {
        var i = 0
        while i + 16 <= n {
            let g = UnsafeRawPointer(gate + i).loadUnaligned(as: SIMD16<Float>.self)
            let product = f(g) * UnsafeRawPointer(up + i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(out + i).storeBytes(of: product, as: SIMD16<Float>.self)
            i += 16
        }
        if i < n {
            storePartial(f(loadPartial(gate + i, n - i, padding: 0)) * loadPartial(up + i, n - i, padding: 0), out + i, n - i)
        }
    }

    /// The largest of `x[0..<n]` (−∞ for none).
    @inline(__always)
    static func maximum(_ x: UnsafePointer<Float>, n: Int) -> Float {
        var m16 = SIMD16<Float>(repeating: -.infinity)
        var i = 0
        while i + 16 <= n {
            // Not pointwiseMax: its IEEE NaN rules compile to a per-lane loop.
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            m16.replace(with: v, where: v .> m16)
            i += 16
        }
        var m = m16.max()
        while i < n { m = max(m, x[i]); i += 1 }
        return m
    }

    /// In-place softmax over `n` values (max-subtracted; an all −∞ row becomes all zeros).
    public static func softmax(_ x: UnsafeMutablePointer<Float>, n: Int) {
        guard n > 0 else { return }
        let m = maximum(x, n: n)
        guard m > -.infinity else {
            x.update(repeating: 0, count: n)
            return
        }
        var sum16 = SIMD16<Float>()
        var i = 0
        while i + 16 <= n {
            let e = FastMath.exp(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self) - m)
            UnsafeMutableRawPointer(x + i).storeBytes(of: e, as: SIMD16<Float>.self)
            sum16 += e
            i += 16
        }
        var sum = sum16.sum()
        if i < n {
            let e = FastMath.exp(loadPartial(x + i, n - i, padding: -.infinity) - m)
            storePartial(e, x + i, n - i)
            sum += e.sum()
        }
        let inv = 1 / sum
        i = 0
        while i + 16 <= n {
            UnsafeMutableRawPointer(x + i).storeBytes(of: UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self) * inv, as: SIMD16<Float>.self)
            i += 16
        }
        while i < n { x[i] *= inv; i += 1 }
    }

    /// The largest of `x[0..<n]` (−∞ for none) and log Σ exp(x[i] − max), the sum kept in Double:
    /// what a log-softmax of one logit row needs, without a libm call per element (a 262k
    /// vocabulary made that a quarter of a millisecond per generated token).
    public static func logSumExp(_ x: UnsafePointer<Float>, n: Int) -> (max: Float, logSum: Double) {
        let m = maximum(x, n: n)
        guard m > -.infinity, m.isFinite else { return (m, m.isNaN ? .nan : 0) }
        var low = SIMD8<Double>(), high = SIMD8<Double>()
        var i = 0
        while i + 16 <= n {
            let e = FastMath.exp(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self) - m)
            low += SIMD8<Double>(e.lowHalf)
            high += SIMD8<Double>(e.highHalf)
            i += 16
        }
        if i < n {
            let e = FastMath.exp(loadPartial(x + i, n - i, padding: -.infinity) - m)
            low += SIMD8<Double>(e.lowHalf)
            high += SIMD8<Double>(e.highHalf)
        }
        return (m, Foundation.log((low + high).sum()))
    }

    /// The first `count` (< 16) floats at `p`, the other lanes set to `padding`. Copies through
    /// memory: inserting lanes one by one compiles to a spill per lane.
    @inline(__always)
    static func loadPartial(_ p: UnsafePointer<Float>, _ count: Int, padding: Float) -> SIMD16<Float> {
        var v = SIMD16<Float>(repeating: padding)
        withUnsafeMutableBytes(of: &v) { $0.baseAddress?.copyMemory(from: p, byteCount: 4 * count) }
        return v
    }

    /// Stores the first `count` (< 16) lanes of `v` at `p`.
    @inline(__always)
    static func storePartial(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
        withUnsafeBytes(of: v) { UnsafeMutableRawPointer(p).copyMemory(from: $0.baseAddress!, byteCount: 4 * count) }
    }
}
