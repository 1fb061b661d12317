/// Reference quantizers F32 → block formats, matching ggml's `quantize_row_*_ref` and
/// `gguf.quants.quantize` bit for bit.
extension Quants {
    /// Quantizes `count` floats at `src` into `type` blocks at `dst` (`type.rowBytes(count)` bytes).
    ///
    /// Supported: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K (weights), Q8_1, Q8_K (activations),
    /// F16, BF16, F32.
    /// Activation formats quantize to [-127, 127] so that sign-trick SIMD kernels stay exact.
    public static func quantize(
        _ type: GGMLType, from src: UnsafePointer<Float>, into dst: UnsafeMutableRawPointer, count: Int
    ) throws(KernelError) {
        guard count >= 0, count % type.blockSize == 0 else { throw .notWholeBlocks(type, count: count) }
        guard let block = blockQuantizer(type) else { throw .unsupportedType(type, operation: "quantize") }
        for b in 0..<(count / type.blockSize) {
            block(src + b * type.blockSize, dst + b * type.typeSize)
        }
    }

    /// Whether `quantize` supports `type`.
    public static func canQuantize(_ type: GGMLType) -> Bool { blockQuantizer(type) != nil }

    typealias BlockQuantizer = (UnsafePointer<Float>, UnsafeMutableRawPointer) -> Void

    static func blockQuantizer(_ type: GGMLType) -> BlockQuantizer? {
        switch type {
        case .f32: { x, p in p.storeBytes(of: x[0], as: Float.self) }
        case .f16: { x, p in p.storeBytes(of: HalfConversion.half(x[0]), as: UInt16.self) }
        case .bf16: { x, p in p.storeBytes(of: bf16Bits(x[0]), as: UInt16.self) }
        case .q4_0: { x, p in quantizeSymmetric(x, p, levels: 8, bits5: false) }
        case .q5_0: { x, p in quantizeSymmetric(x, p, levels: 16, bits5: true) }
        case .q4_1: { x, p in quantizeAffine(x, p, maxQ: 15, bits5: false) }
        case .q5_1: { x, p in quantizeAffine(x, p, maxQ: 31, bits5: true) }
        case .q8_0: { x, p in quantizeQ8(x, p, withSum: false) }
        case .q8_1: { x, p in quantizeQ8(x, p, withSum: true) }
        case .q8_K: quantizeQ8_K
        case .q4_K: { x, p in quantizeQ45K(x, p, fiveBits: false) }
        case .q5_K: { x, p in quantizeQ45K(x, p, fiveBits: true) }
        case .q6_K: quantizeQ6_K
        default: nil
        }
    }

    /// F32 → BF16 with round-to-nearest-even and quiet NaNs, as `ggml_compute_fp32_to_bf16`.
    static func bf16Bits(_ x: Float) -> UInt16 {
        var u = x.bitPattern
        if u & 0x7fff_ffff > 0x7f80_0000 { u = (u & 0xffff_0000) | (64 << 16) }
        return UInt16(truncatingIfNeeded: (UInt64(u) + UInt64(0x7fff + ((u >> 16) & 1))) >> 16)
    }

    @inline(__always)
    static func storeHalf(_ x: Float, _ p: UnsafeMutableRawPointer, _ offset: Int) {
        p.storeBytes(of: HalfConversion.half(x), toByteOffset: offset, as: UInt16.self)
    }

    /// Packs 32 quants (≤ 31) as nibbles (element j low, j+16 high) plus, for 5-bit types, the
    /// fifth bits as a little-endian u32.
    static func pack(_ q: UnsafePointer<UInt8>, _ p: UnsafeMutableRawPointer, qsOffset: Int, qhOffset: Int?) {
        var qh: UInt32 = 0
        for j in 0..<16 {
            p.storeBytes(of: (q[j] & 0xF) | (q[j + 16] << 4), toByteOffset: qsOffset + j, as: UInt8.self)
        }
        for j in 0..<32 { qh |= UInt32((q[j] >> 4) & 1) << UInt32(j) }
        if let qhOffset { p.storeBytes(of: qh, toByteOffset: qhOffset, as: UInt32.self) }
    }

    /// Q4_0 / Q5_0: d = (signed value of largest magnitude) / −levels, q = min(2·levels−1, ⌊x/d + levels + ½⌋).
    static func quantizeSymmetric(_ x: UnsafePointer<Float>, _ p: UnsafeMutableRawPointer, levels: Float, bits5: Bool) {
        var amax: Float = 0, maxValue: Float = 0
        for j in 0..<32 where abs(x[j]) > amax {
            amax = abs(x[j])
            maxValue = x[j]
        }
        let d = maxValue / -levels
        let id: Float = d == 0 ? 0 : 1 / d
        let top = 2 * levels - 1
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { q in
            for j in 0..<32 { q[j] = UInt8(min(top, (x[j] * id + (levels + 0.5)).rounded(.towardZero))) }
            storeHalf(d, p, 0)
            pack(q.baseAddress!, p, qsOffset: bits5 ? BlockLayout.Q5_0.qs : BlockLayout.Q4_0.qs,
                 qhOffset: bits5 ? BlockLayout.Q5_0.qh : nil)
        }
    }

    /// Q4_1 / Q5_1: d = (max − min) / maxQ, m = min, q = min(maxQ, ⌊(x − min)/d + ½⌋).
    static func quantizeAffine(_ x: UnsafePointer<Float>, _ p: UnsafeMutableRawPointer, maxQ: Float, bits5: Bool) {
        var lo = x[0], hi = x[0]
        for j in 1..<32 {
            lo = min(lo, x[j])
            hi = max(hi, x[j])
        }
        let d = (hi - lo) / maxQ
        let id: Float = d == 0 ? 0 : 1 / d
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { q in
            for j in 0..<32 { q[j] = UInt8(min(maxQ, ((x[j] - lo) * id + 0.5).rounded(.towardZero))) }
            storeHalf(d, p, 0)
            storeHalf(lo, p, 2)
            pack(q.baseAddress!, p, qsOffset: bits5 ? BlockLayout.Q5_1.qs : BlockLayout.Q4_1.qs,
                 qhOffset: bits5 ? BlockLayout.Q5_1.qh : nil)
        }
    }

    /// Q8_0 / Q8_1: d = amax / 127, q = round-half-away(x/d); Q8_1 also stores s = d·Σq.
    static func quantizeQ8(_ x: UnsafePointer<Float>, _ p: UnsafeMutableRawPointer, withSum: Bool) {
        var amax: Float = 0
        for j in 0..<32 { amax = max(amax, abs(x[j])) }
        let d = amax / 127
        let id: Float = d == 0 ? 0 : 1 / d
        let qsOffset = withSum ? BlockLayout.Q8_1.qs : BlockLayout.Q8_0.qs
        var sum: Int32 = 0
        for j in 0..<32 {
            let q = Int8((x[j] * id).rounded())
            sum += Int32(q)
            p.storeBytes(of: q, toByteOffset: qsOffset + j, as: Int8.self)
        }
        storeHalf(d, p, 0)
        if withSum { storeHalf(Float(sum) * d, p, BlockLayout.Q8_1.s) }
    }

    /// Q8_K: iscale = −127 / (signed value of largest magnitude), q = min(127, round-half-even(iscale·x)),
    /// d = 1 / iscale (F32), bsums = sums of 16 consecutive q.
    static func quantizeQ8_K(_ x: UnsafePointer<Float>, _ p: UnsafeMutableRawPointer) {
        typealias L = BlockLayout.Q8_K
        var amax: Float = 0, maxValue: Float = 0
        for j in 0..<256 where abs(x[j]) > amax {
            amax = abs(x[j])
            maxValue = x[j]
        }
        if amax == 0 {
            (p + L.d).storeBytes(of: Float(0), as: Float.self)
            (p + L.qs).initializeMemory(as: UInt8.self, repeating: 0, count: L.size - L.qs)
            return
        }
        let iscale = -127 / maxValue
        for g in 0..<16 {
            var sum: Int16 = 0
            for j in (16 * g)..<(16 * g + 16) {
                let q = Int8(min(127, (iscale * x[j]).rounded(.toNearestOrEven)))
                sum += Int16(q)
                p.storeBytes(of: q, toByteOffset: L.qs + j, as: Int8.self)
            }
            p.storeBytes(of: sum, toByteOffset: L.bsums + 2 * g, as: Int16.self)
        }
        p.storeBytes(of: 1 / iscale, toByteOffset: L.d, as: Float.self)
    }
}
