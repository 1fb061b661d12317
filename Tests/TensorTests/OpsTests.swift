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

    /// A decode batch through `causal(_ queries:)` (grouped heads from a few rows on) equals each
    /// sequence through `causal(q:)` alone (one head per job) bit for bit: grouped-query shapes
    /// whose groups split into sub-groups of four, plain multi-head, a window, both cache types,
    /// and one sequence long enough for the blocked path.
    @Test(arguments: [GGMLType.f32, .f16], [(9, 3, 64), (14, 2, 64), (8, 1, 32), (6, 6, 32), (4, 2, 40)])
    func batchedAttentionEqualsOneSequenceAtATime(kvType: GGMLType, shape: (heads: Int, kvHeads: Int, headDim: Int)) throws {
        let (heads, kvHeads, headDim) = shape
        let kvStride = kvHeads * headDim, scale: Float = 0.125
        let pool = ThreadPool(threads: 2)
        for window in [nil, 7] as [Int?] {
            // (cached positions, new tokens) per sequence.
            let shapes = [(0, 1), (12, 1), (3, 2), (40, 1), (1, 3), (25, 1), (9, 1), (0, Attention.blockedMinTokens + 2), (17, 1)]
            var qs: [[Float]] = [], ks: [[Float]] = [], vs: [[Float]] = []
            for (i, (cached, tokens)) in shapes.enumerated() {
                let positions = cached + tokens
                qs.append(RandomTensors.floats(tokens * heads * headDim, seed: UInt64(100 + i)))
                ks.append(RandomTensors.floats(positions * kvStride, seed: UInt64(200 + i)))
                vs.append(RandomTensors.floats(positions * kvStride, seed: UInt64(300 + i)))
            }
            var alone: [[Float]] = []
            for (i, (cached, tokens)) in shapes.enumerated() {
                var out = [Float](repeating: .nan, count: tokens * heads * headDim)
                try withCache(kvType, ks[i], vs[i], ks[i].map(Float16.init), vs[i].map(Float16.init)) { cache in
                    Attention.causal(q: qs[i], tokens: tokens, firstPosition: cached, cache: cache, heads: heads, kvHeads: kvHeads,
                                     headDim: headDim, scale: scale, window: window, out: &out, pool: pool)
                }
                alone.append(out)
            }
            // Every sequence's buffers stay alive (and fixed) for the batched call.
            let k16 = ks.map { $0.map(Float16.init) }, v16 = vs.map { $0.map(Float16.init) }
            var outs = shapes.map { [Float](repeating: .nan, count: $0.1 * heads * headDim) }
            let q = qs.map { row in UnsafeMutablePointer<Float>.allocate(capacity: row.count) }
            let o = outs.map { row in UnsafeMutablePointer<Float>.allocate(capacity: row.count) }
            defer { q.forEach { $0.deallocate() }; o.forEach { $0.deallocate() } }
            for i in shapes.indices { q[i].initialize(from: qs[i], count: qs[i].count) }
            var caches: [Attention.Cache] = []
            let storage: [UnsafeMutableRawPointer] = shapes.indices.flatMap { i -> [UnsafeMutableRawPointer] in
                let bytes = kvType == .f32 ? 4 : 2
                let kp = UnsafeMutableRawPointer.allocate(byteCount: ks[i].count * bytes, alignment: 64)
                let vp = UnsafeMutableRawPointer.allocate(byteCount: vs[i].count * bytes, alignment: 64)
                if kvType == .f32 {
                    ks[i].withUnsafeBytes { kp.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                    vs[i].withUnsafeBytes { vp.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                } else {
                    k16[i].withUnsafeBytes { kp.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                    v16[i].withUnsafeBytes { vp.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                }
                return [kp, vp]
            }
            defer { storage.forEach { $0.deallocate() } }
            for i in shapes.indices {
                caches.append(try Attention.Cache(keys: storage[2 * i], values: storage[2 * i + 1], type: kvType))
            }
            let queries = shapes.indices.map { i in
                Attention.Query(q: q[i], tokens: shapes[i].1, firstPosition: shapes[i].0, cache: caches[i], out: o[i])
            }
            Attention.causal(queries, heads: heads, kvHeads: kvHeads, headDim: headDim, scale: scale, window: window, pool: pool)
            for i in shapes.indices { outs[i] = Array(UnsafeBufferPointer(start: o[i], count: outs[i].count)) }
            for i in shapes.indices {
                #expect(outs[i].map(\.bitPattern) == alone[i].map(\.bitPattern),
                        "\(shape) \(kvType) window \(String(describing: window)) sequence \(i)")
            }
        }
    }

    /// `keyScores` (sixteen keys at a time through a transpose on AVX-512) equals `dotKey` key by
    /// key bit for bit: ranges with whole blocks of sixteen keys and a remainder, both cache types,
    /// head sizes with and without a tail, values of very different magnitudes (so that any other
    /// order of the lane sums shows).
    @Test(arguments: [GGMLType.f32, .f16], [64, 128, 40])
    func keyScoresEqualOneKeyAtATime(kvType: GGMLType, headDim: Int) throws {
        let kvHeads = 2, positions = 53, kvStride = kvHeads * headDim
        let q = RandomTensors.floats(headDim, seed: 11).enumerated().map { $1 * Float(1 << ($0 % 13)) }
        let k = RandomTensors.floats(positions * kvStride, seed: 12).enumerated().map { $1 * Float(1 << ($0 % 7)) }
        let v = [Float](repeating: 0, count: k.count)
        try withCache(kvType, k, v, k.map(Float16.init), v.map(Float16.init)) { cache in
            for (first, last) in [(0, 52), (3, 18), (5, 20), (7, 7), (0, 15)] {
                var scores = [Float](repeating: .nan, count: positions)
                q.withUnsafeBufferPointer { qp in
                    scores.withUnsafeMutableBufferPointer { sp in
                        Attention.keyScores(q: qp.baseAddress!, cache: cache, kvStride: kvStride, kvOffset: headDim, headDim: headDim,
                                            first: first, last: last, scale: 0.3, scores: sp.baseAddress!)
                    }
                }
                for key in first...last {
                    let expected = q.withUnsafeBufferPointer { 0.3 * Attention.dotKey($0.baseAddress!, cache, key * kvStride + headDim, headDim) }
                    #expect(scores[key].bitPattern == expected.bitPattern, "keys \(first)...\(last), key \(key)")
                }
            }
        }
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
