/// Reference dequantizers of the K-quant super-blocks (256 elements), in the F32 operation order
/// of ggml's reference code and `gguf.quants`.
extension Quants {
    static func dequantizeQ2_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        typealias L = BlockLayout.Q2_K
        let d = Field.half(p, L.d), dmin = Field.half(p, L.dmin)
        let scales = (p + L.scales).assumingMemoryBound(to: UInt8.self)
        let qs = (p + L.qs).assumingMemoryBound(to: UInt8.self)
        // Element h·128 + s·32 + l holds bits 2s…2s+1 of qs[h·32 + l]; scale index = element / 16.
        for i in 0..<256 {
            let h = i / 128, s = (i % 128) / 32, l = i % 32
            let q = Float((qs[h * 32 + l] >> UInt8(2 * s)) & 3)
            let sc = scales[i / 16]
            let dl = d * Float(sc & 0xF), ml = dmin * Float(sc >> 4)
            y[i] = dl * q - ml
        }
    }

    static func dequantizeQ3_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        typealias L = BlockLayout.Q3_K
        let d = Field.half(p, L.d)
        let hmask = (p + L.hmask).assumingMemoryBound(to: UInt8.self)
        let qs = (p + L.qs).assumingMemoryBound(to: UInt8.self)
        withUnsafeTemporaryAllocation(of: Int8.self, capacity: 16) { sc in
            Field.scalesQ3K((p + L.scales).assumingMemoryBound(to: UInt8.self), sc.baseAddress!)
            for i in 0..<256 {
                let h = i / 128, s = (i % 128) / 32, l = i % 32
                let low = Int32((qs[h * 32 + l] >> UInt8(2 * s)) & 3)
                // A clear high bit means "subtract 4".
                let high: Int32 = (hmask[l] >> UInt8(i / 32)) & 1 == 0 ? 4 : 0
                let dl = d * Float(sc[i / 16])
                y[i] = dl * Float(low - high)
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
        let ql = (p + L.ql).assumingMemoryBound(to: UInt8.self)
        let qh = (p + L.qh).assumingMemoryBound(to: UInt8.self)
        let scales = (p + L.scales).assumingMemoryBound(to: Int8.self)
        // Each half of 128: elements k·32 + l (k = 0…3) take ql[64h + 32(k%2) + l]'s nibble k/2 and
        // bits 2k…2k+1 of qh[32h + l].
        for i in 0..<256 {
            let h = i / 128, k = (i % 128) / 32, l = i % 32
            let low = (ql[64 * h + 32 * (k % 2) + l] >> UInt8(4 * (k / 2))) & 0xF
            let high = (qh[32 * h + l] >> UInt8(2 * k)) & 3
            let q = Int32(low | (high << 4)) - 32
            let dl = d * Float(scales[i / 16])
            y[i] = dl * Float(q)
        }
    }

    static func dequantizeQ8_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Field.float(p, BlockLayout.Q8_K.d)
        let qs = (p + BlockLayout.Q8_K.qs).assumingMemoryBound(to: Int8.self)
        for i in 0..<256 { y[i] = d * Float(qs[i]) }
    }
}
