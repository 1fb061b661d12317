/// Reference quantizers F32 → Q4_K, Q5_K and Q6_K: the searches llama.cpp's `llama-quantize` runs
/// when it has no importance matrix, so that a file we quantize matches one it would write.
///
/// Q4_K / Q5_K: each 32-value sub-block is fitted as x ≈ scale·q − min (q in 0...15 or 0...31,
/// min ≥ 0) by a weighted least-squares search over 21 / 16 candidate grids; the eight scales and
/// mins are then quantized to 6 bits against the block's largest, and the quants recomputed on
/// the grid actually stored. Q6_K: each 16-value sub-block gets a symmetric scale from a search
/// over 19 grids weighted by x², the sixteen scales are quantized to int8, and the quants
/// recomputed likewise. The arithmetic is unfused and in the reference's order: llama.cpp builds its
/// quantizers (ggml-base) for baseline x86-64, without FMA contraction.
extension Quants {
    /// Round half to even through the float mantissa, as ggml's `nearest_int` (|f| < 2²²).
    @inline(__always)
    static func nearestInt(_ f: Float) -> Int32 {
        Int32(bitPattern: (f + 12_582_912).bitPattern & 0x7f_ffff) - 0x40_0000
    }

    /// Weighted fit of x ≈ scale·q + lo with q in 0...maxQ and lo ≤ 0, trying the plain
    /// min/max grid and then grids of (maxQ + rmin + rdelta·s)/(max − min) for s in 0...steps;
    /// the best grid's quants are left in `q`. Returns the scale and −lo.
    static func fitAffine(
        _ x: UnsafePointer<Float>, weights w: UnsafePointer<Float>, count n: Int, maxQ: Int32,
        q: UnsafeMutablePointer<UInt8>, scratch: UnsafeMutablePointer<UInt8>,
        rmin: Float, rdelta: Float, steps: Int
    ) -> (scale: Float, negMin: Float) {
        var lo = x[0], hi = x[0]
        var sumW = w[0]
        var sumX = sumW * x[0]
        for i in 1..<n {
            if x[i] < lo { lo = x[i] }
            if x[i] > hi { hi = x[i] }
            sumW += w[i]
            sumX += w[i] * x[i]
        }
        if lo > 0 { lo = 0 }
        if hi == lo {
            q.initialize(repeating: 0, count: n)
            return (0, -lo)
        }
        let top = Float(maxQ)
        func clamped(_ v: Float) -> UInt8 { UInt8(max(0, min(maxQ, nearestInt(v)))) }
        var inverse = top / (hi - lo)
        var scale = 1 / inverse
        var bestError: Float = 0
        for i in 0..<n {
            q[i] = clamped(inverse * (x[i] - lo))
            let diff = scale * Float(q[i]) + lo - x[i]
            bestError += w[i] * (diff * diff)
        }
        for s in 0...steps {
            inverse = (rmin + rdelta * Float(s) + top) / (hi - lo)
            var sumL: Float = 0, sumL2: Float = 0, sumXL: Float = 0
            for i in 0..<n {
                let l = clamped(inverse * (x[i] - lo))
                scratch[i] = l
                let wl = w[i] * Float(l)
                sumL += w[i] * Float(l)
                sumL2 += wl * Float(l)
                sumXL += wl * x[i]
            }
            let det = sumW * sumL2 - sumL * sumL
            guard det > 0 else { continue }
            var thisScale = (sumW * sumXL - sumX * sumL) / det
            var thisMin = (sumL2 * sumX - sumL * sumXL) / det
            if thisMin > 0 {
                thisMin = 0
                thisScale = sumXL / sumL2
            }
            var error: Float = 0
            for i in 0..<n {
                let diff = thisScale * Float(scratch[i]) + thisMin - x[i]
                error += w[i] * (diff * diff)
            }
            if error < bestError {
                q.update(from: scratch, count: n)
                bestError = error
                scale = thisScale
                lo = thisMin
            }
        }
        return (scale, -lo)
    }

    /// The 6-bit scale and min of sub-block j from a Q4_K/Q5_K block's 12 packed bytes.
    @inline(__always)
    static func scaleMinK4(_ j: Int, _ s: UnsafeRawPointer) -> (scale: UInt8, min: UInt8) {
        let b = { (i: Int) in s.load(fromByteOffset: i, as: UInt8.self) }
        if j < 4 { return (b(j) & 63, b(j + 4) & 63) }
        return ((b(j + 4) & 0xF) | ((b(j - 4) >> 6) << 4), (b(j + 4) >> 4) | ((b(j) >> 6) << 4))
    }

    /// Q4_K (`fiveBits` false) or Q5_K block from 256 floats.
    static func quantizeQ45K(_ x: UnsafePointer<Float>, _ p: UnsafeMutableRawPointer, fiveBits: Bool) {
        let maxQ: Int32 = fiveBits ? 31 : 15
        let scalesOffset = fiveBits ? BlockLayout.Q5_K.scales : BlockLayout.Q4_K.scales
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 288) { bytes in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 48) { floats in
                let q = bytes.baseAddress!, scratch = q + 256
                let weights = floats.baseAddress!, scales = weights + 32, mins = weights + 40
                var maxScale: Float = 0, maxMin: Float = 0
                for j in 0..<8 {
                    let xs = x + 32 * j
                    var sumX2: Float = 0
                    for l in 0..<32 { sumX2 += xs[l] * xs[l] }
                    let average = (sumX2 / 32).squareRoot()
                    for l in 0..<32 { weights[l] = average + abs(xs[l]) }
                    let fit = fitAffine(
                        xs, weights: weights, count: 32, maxQ: maxQ, q: q + 32 * j, scratch: scratch,
                        rmin: fiveBits ? -0.5 : -1, rdelta: 0.1, steps: fiveBits ? 15 : 20)
                    scales[j] = fit.scale
                    mins[j] = fit.negMin
                    if fit.scale > maxScale { maxScale = fit.scale }
                    if fit.negMin > maxMin { maxMin = fit.negMin }
                }
                let invScale: Float = maxScale > 0 ? 63 / maxScale : 0
                let invMin: Float = maxMin > 0 ? 63 / maxMin : 0
                let packed = p + scalesOffset
                packed.initializeMemory(as: UInt8.self, repeating: 0, count: 12)
                func put(_ i: Int, _ v: UInt8) {
                    packed.storeBytes(of: packed.load(fromByteOffset: i, as: UInt8.self) | v, toByteOffset: i, as: UInt8.self)
                }
                for j in 0..<8 {
                    let ls = min(63, UInt8(truncatingIfNeeded: nearestInt(invScale * scales[j])))
                    let lm = min(63, UInt8(truncatingIfNeeded: nearestInt(invMin * mins[j])))
                    if j < 4 {
                        put(j, ls)
                        put(j + 4, lm)
                    } else {
                        put(j + 4, (ls & 0xF) | ((lm & 0xF) << 4))
                        put(j - 4, (ls >> 4) << 6)
                        put(j, (lm >> 4) << 6)
                    }
                }
                storeHalf(maxScale / 63, p, 0)
                storeHalf(maxMin / 63, p, 2)
                let d = Field.half(p, 0), dmin = Field.half(p, 2)
                for j in 0..<8 {
                    let (sc, m) = scaleMinK4(j, packed)
                    let step = d * Float(sc)
                    if step == 0 { continue }
                    let offset = dmin * Float(m)
                    for i in (32 * j)..<(32 * j + 32) {
                        q[i] = UInt8(max(0, min(maxQ, nearestInt((x[i] + offset) / step))))
                    }
                }
                if fiveBits {
                    typealias L = BlockLayout.Q5_K
                    for j in 0..<32 {
                        var high: UInt8 = 0
                        for pair in 0..<4 {
                            let a = q[64 * pair + j], b = q[64 * pair + j + 32]
                            high |= ((a >> 4) << (2 * pair)) | ((b >> 4) << (2 * pair + 1))
                            p.storeBytes(of: (a & 0xF) | ((b & 0xF) << 4), toByteOffset: L.qs + 32 * pair + j, as: UInt8.self)
                        }
                        p.storeBytes(of: high, toByteOffset: L.qh + j, as: UInt8.self)
                    }
                } else {
                    for pair in 0..<4 {
                        for j in 0..<32 {
                            let v = q[64 * pair + j] | (q[64 * pair + j + 32] << 4)
                            p.storeBytes(of: v, toByteOffset: BlockLayout.Q4_K.qs + 32 * pair + j, as: UInt8.self)
                        }
                    }
                }
            }
        }
    }

    /// Symmetric fit of 16 values to q in −32...31 weighted by x², searching 19 grids around
    /// −32/(the signed value of largest magnitude); quants + 32 are left in `q`. Returns the scale.
    static func fitSymmetric6(_ x: UnsafePointer<Float>, q: UnsafeMutablePointer<Int8>) -> Float {
        var peak: Float = 0, amax: Float = 0
        for i in 0..<16 where abs(x[i]) > amax {
            amax = abs(x[i])
            peak = x[i]
        }
        if amax < 1e-15 {
            q.initialize(repeating: 0, count: 16)
            return 0
        }
        func level(_ v: Float) -> Int32 { max(-32, min(31, nearestInt(v))) }
        func sums(_ inverse: Float) -> (lx: Float, l2: Float) {
            var lx: Float = 0, l2: Float = 0
            for i in 0..<16 {
                let l = Float(level(inverse * x[i]))
                let w = x[i] * x[i]
                lx += w * x[i] * l
                l2 += w * l * l
            }
            return (lx, l2)
        }
        func fill(_ inverse: Float) {
            for i in 0..<16 { q[i] = Int8(level(inverse * x[i]) + 32) }
        }
        var inverse = -32 / peak
        fill(inverse)
        var (lx, l2) = sums(inverse)
        var scale: Float = l2 != 0 ? lx / l2 : 0
        var best = scale * lx
        for s in -9...9 where s != 0 {
            inverse = -(32 + 0.1 * Float(s)) / peak
            (lx, l2) = sums(inverse)
            if l2 > 0 && lx * lx > best * l2 {
                fill(inverse)
                scale = lx / l2
                best = scale * lx
            }
        }
        return scale
    }

    /// Q6_K block from 256 floats.
    static func quantizeQ6_K(_ x: UnsafePointer<Float>, _ p: UnsafeMutableRawPointer) {
        typealias L = BlockLayout.Q6_K
        withUnsafeTemporaryAllocation(of: Int8.self, capacity: 256) { buffer in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 16) { scaleBuffer in
                let q = buffer.baseAddress!, scales = scaleBuffer.baseAddress!
                var maxScale: Float = 0, maxAbs: Float = 0
                for b in 0..<16 {
                    scales[b] = fitSymmetric6(x + 16 * b, q: q + 16 * b)
                    if abs(scales[b]) > maxAbs {
                        maxAbs = abs(scales[b])
                        maxScale = scales[b]
                    }
                }
                if maxAbs < 1e-15 {
                    p.initializeMemory(as: UInt8.self, repeating: 0, count: L.size)
                    return
                }
                let inverse = -128 / maxScale
                storeHalf(1 / inverse, p, L.d)
                let d = Field.half(p, L.d)
                for b in 0..<16 {
                    let s = Int8(truncatingIfNeeded: min(127, nearestInt(inverse * scales[b])))
                    p.storeBytes(of: s, toByteOffset: L.scales + b, as: Int8.self)
                    let step = d * Float(s)
                    if step == 0 { continue }
                    for i in (16 * b)..<(16 * b + 16) {
                        q[i] = Int8(max(-32, min(31, nearestInt(x[i] / step))) + 32)
                    }
                }
                for half in 0..<2 {
                    let qs = q + 128 * half
                    for l in 0..<32 {
                        let v0 = UInt8(bitPattern: qs[l]), v1 = UInt8(bitPattern: qs[l + 32])
                        let v2 = UInt8(bitPattern: qs[l + 64]), v3 = UInt8(bitPattern: qs[l + 96])
                        p.storeBytes(of: (v0 & 0xF) | ((v2 & 0xF) << 4), toByteOffset: L.ql + 64 * half + l, as: UInt8.self)
                        p.storeBytes(of: (v1 & 0xF) | ((v3 & 0xF) << 4), toByteOffset: L.ql + 64 * half + 32 + l, as: UInt8.self)
                        let high = (v0 >> 4) | ((v1 >> 4) << 2) | ((v2 >> 4) << 4) | ((v3 >> 4) << 6)
                        p.storeBytes(of: high, toByteOffset: L.qh + 32 * half + l, as: UInt8.self)
                    }
                }
            }
        }
    }
}
