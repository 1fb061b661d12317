/// Reference dequantizers of the K-quant super-blocks (256 elements), in the F32 operation order
/// of ggml's reference code and `gguf.quants`.
extension Quants {
    static func dequantizeQ2_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        typealias L = BlockLayout.Q2_K
        let d = Field.half(p, L.d), dmin = Field.half(p, L.dmin)
        let scales = (p + L.scales).assumingMemoryBound(to: UInt8.self)
        let qs = (p + L.qs).assumingMemoryBound(to: UInt8.self)
        // Element 128h + 32s + l holds bits 2s…2s+1 of qs[32h + l]; scale index = element / 16.
        for h in 0..<2 {
            for s in 0..<4 {
                for g in 0..<2 {
                    let sc = scales[8 * h + 2 * s + g]
                    let dl = d * Float(sc & 0xF), ml = dmin * Float(sc >> 4)
                    let q = qs + 32 * h + 16 * g, out = y + 128 * h + 32 * s + 16 * g
                    for l in 0..<16 { out[l] = dl * Float((q[l] >> UInt8(2 * s)) & 3) - ml }
                }
            }
        }
    }

    static func dequantizeQ3_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        typealias L = BlockLayout.Q3_K
        let d = Field.half(p, L.d)
        let hmask = (p + L.hmask).assumingMemoryBound(to: UInt8.self)
        let qs = (p + L.qs).assumingMemoryBound(to: UInt8.self)
        withUnsafeTemporaryAllocation(of: Int8.self, capacity: 16) { buffer in
            let sc = buffer.baseAddress!
            Field.scalesQ3K((p + L.scales).assumingMemoryBound(to: UInt8.self), sc)
            // Element 128h + 32s + l: low bits 2s…2s+1 of qs[32h + l], high bit 4h+s of hmask[l]
            // (a clear high bit means "subtract 4"); scale index = element / 16.
            for h in 0..<2 {
                for s in 0..<4 {
                    let bit = UInt8(4 * h + s)
                    for g in 0..<2 {
                        let dl = d * Float(sc[8 * h + 2 * s + g])
                        let out = y + 128 * h + 32 * s + 16 * g
                        for l in (16 * g)..<(16 * g + 16) {
                            let low = Int32((qs[32 * h + l] >> UInt8(2 * s)) & 3)
                            let high = Int32(((hmask[l] >> bit) & 1) ^ 1) << 2
                            out[l - 16 * g] = dl * Float(low - high)
                        }
                    }
                }
            }
        }
    }

    static func dequantizeQ4_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        typealias L = BlockLayout.Q4_K
        let d = Field.half(p, L.d), dmin = Field.half(p, L.dmin)
        let scales = (p + L.scales).assumingMemoryBound(to: UInt8.self)
        let qs = (p + L.qs).assumingMemoryBound(to: UInt8.self)
        // Sub-block 2k is the low nibbles of qs[32k..<32k+32], sub-block 2k+1 the high nibbles.
        for j in 0..<8 {
            let (sc, m) = Field.scaleMinK4(j, scales)
            let dj = d * Float(sc), mj = dmin * Float(m)
            let q = qs + (j / 2) * 32, shift = UInt8(4 * (j % 2))
            for l in 0..<32 { y[j * 32 + l] = dj * Float((q[l] >> shift) & 0xF) - mj }
        }
    }

    static func dequantizeQ5_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        typealias L = BlockLayout.Q5_K
        let d = Field.half(p, L.d), dmin = Field.half(p, L.dmin)
        let scales = (p + L.scales).assumingMemoryBound(to: UInt8.self)
        let qh = (p + L.qh).assumingMemoryBound(to: UInt8.self)
        let qs = (p + L.qs).assumingMemoryBound(to: UInt8.self)
        for j in 0..<8 {
            let (sc, m) = Field.scaleMinK4(j, scales)
            let dj = d * Float(sc), mj = dmin * Float(m)
            let q = qs + (j / 2) * 32, shift = UInt8(4 * (j % 2))
            for l in 0..<32 {
                let v = ((q[l] >> shift) & 0xF) | (((qh[l] >> UInt8(j)) & 1) << 4)
                y[j * 32 + l] = dj * Float(v) - mj
            }
        }
    }

    static func dequantizeQ6_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        typealias L = BlockLayout.Q6_K
        let d = Field.half(p, L.d)
        let scales = (p + L.scales).assumingMemoryBound(to: Int8.self)
        // Each half of 128: element 32k + l (k = 0…3) takes nibble k/2 of ql[64h + 32(k%2) + l]
        // and bits 2k…2k+1 of qh[32h + l]; scale index = element / 16.
        for h in 0..<2 {
            let ql = (p + L.ql + 64 * h).assumingMemoryBound(to: UInt8.self)
            let qh = (p + L.qh + 32 * h).assumingMemoryBound(to: UInt8.self)
            for k in 0..<4 {
                let src = ql + 32 * (k % 2), nibble = UInt8(4 * (k / 2)), shift = UInt8(2 * k)
                for g in 0..<2 {
                    let dl = d * Float(scales[8 * h + 2 * k + g])
                    let out = y + 128 * h + 32 * k + 16 * g
                    for l in (16 * g)..<(16 * g + 16) {
                        let q = Int32(((src[l] >> nibble) & 0xF) | (((qh[l] >> shift) & 3) << 4)) - 32
                        out[l - 16 * g] = dl * Float(q)
                    }
                }
            }
        }
    }

    static func dequantizeQ8_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Field.float(p, BlockLayout.Q8_K.d)
        let qs = (p + BlockLayout.Q8_K.qs).assumingMemoryBound(to: Int8.self)
        for i in 0..<256 { y[i] = d * Float(qs[i]) }
    }
}
