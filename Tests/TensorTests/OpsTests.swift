import Foundation
import Testing
@testable import Tensor

/// Elementwise ops, RoPE and attention against straightforward Double-precision loops.
@Suite struct OpsTests {
    static func close(_ a: [Float], _ b: [Double], tolerance: Double = 1e-5) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs(Double($0) - $1) <= tolerance * max(1, abs($1)) }
    }

    @Test func rmsNormBothForms() {
        let n = 37
        let x = RandomTensors.floats(n, seed: 1).map { $0 * 3 }, w = RandomTensors.floats(n, seed: 2)
        let rms = (x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(n) + 1e-6).squareRoot()
        for addOne in [false, true] {
            var out = [Float](repeating: 0, count: n)
            Ops.rmsNorm(x, weight: w, eps: 1e-6, addOne: addOne, out: &out, n: n)
            let expected = (0..<n).map { Double(x[$0]) / rms * (Double(w[$0]) + (addOne ? 1 : 0)) }
            #expect(OpsTests.close(out, expected), "addOne \(addOne)")
        }
    }

    @Test func activationsAndArithmetic() {
        let n = 50
        let a = RandomTensors.floats(n, seed: 3).map { $0 * 6 }, b = RandomTensors.floats(n, seed: 4)
        var out = [Float](repeating: 0, count: n)
        Ops.silu(a, out: &out, n: n)
        #expect(OpsTests.close(out, a.map { Double($0) / (1 + exp(-Double($0))) }))
        Ops.gelu(a, out: &out, n: n)
        #expect(OpsTests.close(out, a.map { v in
            let x = Double(v)
            return 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
        }))
        Ops.add(a, b, out: &out, n: n)
        #expect(OpsTests.close(out, (0..<n).map { Double(a[$0]) + Double(b[$0]) }))
        Ops.mul(a, b, out: &out, n: n)
        #expect(OpsTests.close(out, (0..<n).map { Double(a[$0]) * Double(b[$0]) }))
        Ops.swiglu(gate: a, up: b, out: &out, n: n)
        let swiglu: [Double] = (0..<n).map { i in
            let g = Double(a[i])
            return g / (1 + exp(-g)) * Double(b[i])
        }
        #expect(OpsTests.close(out, swiglu))
    }

    @Test func softmaxSumsToOneAndHandlesMasks() {
        var x: [Float] = [1, 2, 3, -.infinity, 1000]
        Ops.softmax(&x, n: 5)
        #expect(abs(x.reduce(0, +) - 1) < 1e-6)
        #expect(x[3] == 0 && x[4] > 0.999)
        var masked: [Float] = [-.infinity, -.infinity]
        Ops.softmax(&masked, n: 2)
        #expect(masked == [0, 0])
        var plain: [Float] = [0.5, -1, 2]
        let e = plain.map { exp(Double($0)) }
        Ops.softmax(&plain, n: 3)
        #expect(OpsTests.close(plain, e.map { $0 / e.reduce(0, +) }))
    }

    @Test(arguments: [RoPE.Style.normal, RoPE.Style.neox])
    func ropeRotatesPairsAndLeavesTheRest(style: RoPE.Style) {
        let heads = 3, headDim = 16, dims = 12, position = 37
        let base: Float = 10000, freqScale: Float = 0.5
        let x = RandomTensors.floats(heads * headDim, seed: 5)
        var y = x
        RoPE.apply(&y, heads: heads, headDim: headDim, dims: dims, position: position,
                   freqBase: base, freqScale: freqScale, style: style)
        var expected = x.map(Double.init)
        for h in 0..<heads {
            for i in 0..<(dims / 2) {
                let theta = Double(position) * Double(freqScale) * pow(Double(base), -2 * Double(i) / Double(dims))
                let (a, b) = style == .normal ? (2 * i, 2 * i + 1) : (i, i + dims / 2)
                let x0 = Double(x[h * headDim + a]), x1 = Double(x[h * headDim + b])
                expected[h * headDim + a] = x0 * cos(theta) - x1 * sin(theta)
                expected[h * headDim + b] = x0 * sin(theta) + x1 * cos(theta)
            }
        }
        #expect(OpsTests.close(y, expected, tolerance: 2e-4))
        #expect((0..<heads).allSatisfy { h in (dims..<headDim).allSatisfy { y[h * headDim + $0] == x[h * headDim + $0] } })
    }

    /// (cached positions, new tokens, window): a few tokens take the per-token path; from
    /// `Attention.blockedMinTokens` on, the sgemm blocks (several blocks, a partial last one).
    static let attentionShapes: [(Int, Int, Int?)] = [(5, 4, nil), (5, 4, 3), (3, 70, nil), (0, 130, nil), (20, 100, 50), (0, 16, 5)]

    @Test(arguments: [GGMLType.f32, .f16], 0..<OpsTests.attentionShapes.count)
    func attentionMatchesNaiveLoops(kvType: GGMLType, shape: Int) throws {
        let (first, tokens, window) = OpsTests.attentionShapes[shape]
        let heads = 4, kvHeads = 2, headDim = 40 // 40 = two SIMD16 chunks + a tail
        let positions = first + tokens, kvStride = kvHeads * headDim
        let scale: Float = 1 / Float(headDim).squareRoot()
        let q = RandomTensors.floats(tokens * heads * headDim, seed: 6)
        // Round K and V through the cache type so the reference sees the stored values.
        let k = RandomTensors.floats(positions * kvStride, seed: 7).map { kvType == .f16 ? Float(Float16($0)) : $0 }
        let v = RandomTensors.floats(positions * kvStride, seed: 8).map { kvType == .f16 ? Float(Float16($0)) : $0 }
        let k16 = k.map(Float16.init), v16 = v.map(Float16.init)
        var out = [Float](repeating: .nan, count: tokens * heads * headDim)
        let pool = ThreadPool(threads: 2)
        try withCache(kvType, k, v, k16, v16) { cache in
            Attention.causal(q: q, tokens: tokens, firstPosition: first, cache: cache, heads: heads,
                             kvHeads: kvHeads, headDim: headDim, scale: scale, window: window, out: &out, pool: pool)
        }
        var expected = [Double](repeating: 0, count: out.count)
        for t in 0..<tokens {
            for h in 0..<heads {
                let p = first + t, kvh = h / (heads / kvHeads)
                let keys = (0...p).filter { window == nil || p - $0 < window! }
                let logits = keys.map { key in
                    (0..<headDim).reduce(0.0) { $0 + Double(q[(t * heads + h) * headDim + $1]) * Double(k[key * kvStride + kvh * headDim + $1]) } * Double(scale)
                }
                let m = logits.max()!
                let weights = logits.map { exp($0 - m) }, total = weights.reduce(0, +)
                for d in 0..<headDim {
                    expected[(t * heads + h) * headDim + d] = zip(keys, weights).reduce(0.0) {
                        $0 + $1.1 / total * Double(v[$1.0 * kvStride + kvh * headDim + d])
                    }
                }
            }
        }
        #expect(OpsTests.close(out, expected, tolerance: 1e-5))
    }

    private func withCache(
        _ type: GGMLType, _ k: [Float], _ v: [Float], _ k16: [Float16], _ v16: [Float16],
        _ body: (Attention.Cache) throws -> Void
    ) throws {
        if type == .f32 {
            try k.withUnsafeBytes { kp in try v.withUnsafeBytes { vp in
                try body(Attention.Cache(keys: kp.baseAddress!, values: vp.baseAddress!, type: .f32))
            } }
        } else {
            try k16.withUnsafeBytes { kp in try v16.withUnsafeBytes { vp in
                try body(Attention.Cache(keys: kp.baseAddress!, values: vp.baseAddress!, type: .f16))
            } }
        }
    }
}
