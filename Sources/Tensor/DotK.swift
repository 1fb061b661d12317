/// Portable dot products of K-quant weight rows with Q8_K activation rows.
///
/// Each super-block is reduced as d·a.d·Σ_g scale_g·Σ q·a − dmin·a.d·Σ_g min_g·bsum_g, with the
/// integer sums exact; only the per-block scaling is in F32.
extension PortableDot {
    @inline(__always)
    static func dot16(_ q: UnsafePointer<Int8>, _ a: UnsafePointer<Int8>) -> Int32 {
        var s: Int32 = 0
        for i in 0..<16 { s &+= Int32(q[i]) &* Int32(a[i]) }
        return s
    }

    @inline(__always)
    static func activation(_ a: UnsafeRawPointer, _ b: Int) -> (d: Float, qs: UnsafePointer<Int8>, bsums: UnsafePointer<Int16>) {
        let y = a + b * BlockLayout.Q8_K.size
        return (Field.float(y, BlockLayout.Q8_K.d),
                (y + BlockLayout.Q8_K.qs).assumingMemoryBound(to: Int8.self),
                (y + BlockLayout.Q8_K.bsums).assumingMemoryBound(to: Int16.self))
    }

    static func q2_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        typealias L = BlockLayout.Q2_K
        var sum: Float = 0
        for b in 0..<(n / 256) {
            let x = w + b * L.size
            let (ad, aq, bsums) = activation(a, b)
            let scales = (x + L.scales).assumingMemoryBound(to: UInt8.self)
            let qs = (x + L.qs).assumingMemoryBound(to: UInt8.self)
            var sumi: Int32 = 0, summ: Int32 = 0
            for g in 0..<16 { summ &+= Int32(scales[g] >> 4) &* Int32(bsums[g]) }
            for g in 0..<16 {
                // Group g = elements 16g…16g+15: half h, shift s, bytes l0…l0+15.
                let h = g / 8, s = UInt8(2 * ((g % 8) / 2)), l0 = 16 * (g % 2)
                var t: Int32 = 0
                for l in 0..<16 { t &+= Int32((qs[32 * h + l0 + l] >> s) & 3) &* Int32(aq[16 * g + l]) }
                sumi &+= Int32(scales[g] & 0xF) &* t
            }
            sum += Field.half(x, L.d) * ad * Float(sumi) - Field.half(x, L.dmin) * ad * Float(summ)
        }
        return sum
    }

    static func q3_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        typealias L = BlockLayout.Q3_K
        var sum: Float = 0
        withUnsafeTemporaryAllocation(of: Int8.self, capacity: 16 + 256) { buffer in
            let sc = buffer.baseAddress!, q = sc + 16
            for b in 0..<(n / 256) {
                let x = w + b * L.size
                let (ad, aq, _) = activation(a, b)
                let hmask = (x + L.hmask).assumingMemoryBound(to: UInt8.self)
                let qs = (x + L.qs).assumingMemoryBound(to: UInt8.self)
                Field.scalesQ3K((x + L.scales).assumingMemoryBound(to: UInt8.self), sc)
                for k in 0..<8 {
                    let h = k / 4, s = UInt8(2 * (k % 4))
                    for l in 0..<32 {
                        let low = Int8((qs[32 * h + l] >> s) & 3)
                        q[32 * k + l] = low &- Int8(((hmask[l] >> UInt8(k)) & 1) ^ 1) &* 4
                    }
                }
                var sumi: Int32 = 0
                for g in 0..<16 { sumi &+= Int32(sc[g]) &* dot16(q + 16 * g, aq + 16 * g) }
                sum += Field.half(x, L.d) * ad * Float(sumi)
            }
        }
        return sum
    }

    static func q4_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        typealias L = BlockLayout.Q4_K
        var sum: Float = 0
        for b in 0..<(n / 256) {
            let x = w + b * L.size
            let (ad, aq, bsums) = activation(a, b)
            let scales = (x + L.scales).assumingMemoryBound(to: UInt8.self)
            let qs = (x + L.qs).assumingMemoryBound(to: UInt8.self)
            var sumi: Int32 = 0, summ: Int32 = 0
            for k in 0..<4 {
                let (sc0, m0) = Field.scaleMinK4(2 * k, scales), (sc1, m1) = Field.scaleMinK4(2 * k + 1, scales)
                let q = qs + 32 * k, y = aq + 64 * k
                var s0: Int32 = 0, s1: Int32 = 0
                for l in 0..<32 {
                    s0 &+= Int32(q[l] & 0xF) &* Int32(y[l])
                    s1 &+= Int32(q[l] >> 4) &* Int32(y[l + 32])
                }
                sumi &+= Int32(sc0) &* s0 &+ Int32(sc1) &* s1
                summ &+= Int32(m0) &* (Int32(bsums[4 * k]) &+ Int32(bsums[4 * k + 1]))
                    &+ Int32(m1) &* (Int32(bsums[4 * k + 2]) &+ Int32(bsums[4 * k + 3]))
            }
            sum += Field.half(x, L.d) * ad * Float(sumi) - Field.half(x, L.dmin) * ad * Float(summ)
        }
        return sum
    }

    static func q5_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        typealias L = BlockLayout.Q5_K
        var sum: Float = 0
        for b in 0..<(n / 256) {
            let x = w + b * L.size
            let (ad, aq, bsums) = activation(a, b)
            let scales = (x + L.scales).assumingMemoryBound(to: UInt8.self)
            let qh = (x + L.qh).assumingMemoryBound(to: UInt8.self)
            let qs = (x + L.qs).assumingMemoryBound(to: UInt8.self)
            var sumi: Int32 = 0, summ: Int32 = 0
            for j in 0..<8 {
                let (sc, m) = Field.scaleMinK4(j, scales)
                let q = qs + 32 * (j / 2), shift = UInt8(4 * (j % 2)), y = aq + 32 * j
                var s: Int32 = 0
                for l in 0..<32 {
                    let v = Int32((q[l] >> shift) & 0xF) | (Int32((qh[l] >> UInt8(j)) & 1) << 4)
                    s &+= v &* Int32(y[l])
                }
                sumi &+= Int32(sc) &* s
                summ &+= Int32(m) &* (Int32(bsums[2 * j]) &+ Int32(bsums[2 * j + 1]))
            }
            sum += Field.half(x, L.d) * ad * Float(sumi) - Field.half(x, L.dmin) * ad * Float(summ)
        }
        return sum
    }

    static func q6_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        typealias L = BlockLayout.Q6_K
        var sum: Float = 0
        for b in 0..<(n / 256) {
            let x = w + b * L.size
            let (ad, aq, _) = activation(a, b)
            let ql = (x + L.ql).assumingMemoryBound(to: UInt8.self)
            let qh = (x + L.qh).assumingMemoryBound(to: UInt8.self)
            let scales = (x + L.scales).assumingMemoryBound(to: Int8.self)
            var sumi: Int32 = 0
            for h in 0..<2 {
                let lo = ql + 64 * h, hi = qh + 32 * h, y = aq + 128 * h
                for k in 0..<4 {
                    let src = lo + 32 * (k % 2), nib = UInt8(4 * (k / 2)), hs = UInt8(2 * k)
                    var s0: Int32 = 0, s1: Int32 = 0
                    for l in 0..<16 {
                        let v0 = Int32(((src[l] >> nib) & 0xF) | (((hi[l] >> hs) & 3) << 4)) &- 32
                        let v1 = Int32(((src[l + 16] >> nib) & 0xF) | (((hi[l + 16] >> hs) & 3) << 4)) &- 32
                        s0 &+= v0 &* Int32(y[32 * k + l])
                        s1 &+= v1 &* Int32(y[32 * k + l + 16])
                    }
                    let g = 8 * h + 2 * k
                    sumi &+= Int32(scales[g]) &* s0 &+ Int32(scales[g + 1]) &* s1
                }
            }
            sum += Field.half(x, L.d) * ad * Float(sumi)
        }
        return sum
    }
}
