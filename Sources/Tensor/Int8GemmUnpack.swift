#if SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel

/// How `Int8Gemm` reads one weight type: each row is unpacked to unsigned bytes `q` with, per
/// sub-block of `blockSize` elements, a float scale `d` and either a float offset `m`
/// (`affine`: w = d·q + m) or the integer offset `offset` (w = d·(q − offset)).
struct Int8WeightFormat: Sendable {
    /// Unpacks one row of `cols` elements: `q[cols]`, `scales[cols / blockSize]`, and for
    /// affine formats `offsets[cols / blockSize]`.
    typealias UnpackRow = @Sendable (
        _ row: UnsafeRawPointer, _ cols: Int, _ q: UnsafeMutablePointer<UInt8>,
        _ scales: UnsafeMutablePointer<Float>, _ offsets: UnsafeMutablePointer<Float>
    ) -> Void

    let blockSize: Int
    let affine: Bool
    let offset: Int32
    let unpackRow: UnpackRow

    static func of(_ type: GGMLType) -> Int8WeightFormat? {
        switch type {
        case .q4_0: Int8WeightFormat(blockSize: 32, affine: false, offset: 8, unpackRow: q4_0)
        case .q4_1: Int8WeightFormat(blockSize: 32, affine: true, offset: 0, unpackRow: q4_1)
        case .q5_0: Int8WeightFormat(blockSize: 32, affine: false, offset: 16, unpackRow: q5_0)
        case .q5_1: Int8WeightFormat(blockSize: 32, affine: true, offset: 0, unpackRow: q5_1)
        case .q8_0: Int8WeightFormat(blockSize: 32, affine: false, offset: 128, unpackRow: q8_0)
        case .q4_K: Int8WeightFormat(blockSize: 32, affine: true, offset: 0, unpackRow: q4_K)
        case .q6_K: Int8WeightFormat(blockSize: 16, affine: false, offset: 32, unpackRow: q6_K)
        default: nil
        }
    }

    private typealias Bytes16 = SIMD16<UInt8>
    private typealias Bytes32 = SIMD32<UInt8>

    @inline(__always) private static func store(_ v: Bytes16, _ p: UnsafeMutablePointer<UInt8>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Bytes16.self)
    }

    @inline(__always) private static func store(_ v: Bytes32, _ p: UnsafeMutablePointer<UInt8>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Bytes32.self)
    }

    /// The 32 nibbles of a legacy block's 16 packed bytes: low nibbles are elements 0..<16.
    @inline(__always) private static func nibbles(_ p: UnsafeRawPointer, _ q: UnsafeMutablePointer<UInt8>) {
        let packed = p.loadUnaligned(as: Bytes16.self)
        store(packed & 0xF, q)
        store(packed &>> 4, q + 16)
    }

    /// Adds the fifth bits of a Q5 block (bit j of `qh` for element j) as 0x10 to `q[0..<32]`.
    @inline(__always) private static func fifthBits(_ qh: UInt32, _ q: UnsafeMutablePointer<UInt8>) {
        let bits = unsafeBitCast(_mm256_maskz_mov_epi8(qh, _mm256_set1_epi8(0x10)), to: Bytes32.self)
        store(UnsafeRawPointer(q).loadUnaligned(as: Bytes32.self) | bits, q)
    }

    private static let q4_0: UnpackRow = { row, cols, q, scales, _ in
        for b in 0..<(cols / 32) {
            let p = row + 18 * b
            scales[b] = Field.half(p, 0)
            nibbles(p + 2, q + 32 * b)
        }
    }

    private static let q4_1: UnpackRow = { row, cols, q, scales, offsets in
        for b in 0..<(cols / 32) {
            let p = row + 20 * b
            scales[b] = Field.half(p, 0)
            offsets[b] = Field.half(p, 2)
            nibbles(p + 4, q + 32 * b)
        }
    }

    private static let q5_0: UnpackRow = { row, cols, q, scales, _ in
        for b in 0..<(cols / 32) {
            let p = row + 22 * b
            scales[b] = Field.half(p, 0)
            nibbles(p + 6, q + 32 * b)
            fifthBits(Field.u32(p, 2), q + 32 * b)
        }
    }

    private static let q5_1: UnpackRow = { row, cols, q, scales, offsets in
        for b in 0..<(cols / 32) {
            let p = row + 24 * b
            scales[b] = Field.half(p, 0)
            offsets[b] = Field.half(p, 2)
            nibbles(p + 8, q + 32 * b)
            fifthBits(Field.u32(p, 4), q + 32 * b)
        }
    }

    /// Q8_0's signed bytes biased by 128 into unsigned ones.
    private static let q8_0: UnpackRow = { row, cols, q, scales, _ in
        for b in 0..<(cols / 32) {
            let p = row + 34 * b
            scales[b] = Field.half(p, 0)
            store((p + 2).loadUnaligned(as: Bytes32.self) ^ 0x80, q + 32 * b)
        }
    }

    /// Sub-block j of a super-block: nibble j%2 of bytes 32(j/2)..<32(j/2)+32; w = d·sc·q − dmin·m.
    private static let q4_K: UnpackRow = { row, cols, q, scales, offsets in
        typealias L = BlockLayout.Q4_K
        for sb in 0..<(cols / 256) {
            let p = row + L.size * sb
            let d = Field.half(p, L.d), dmin = Field.half(p, L.dmin)
            let packed = (p + L.scales).assumingMemoryBound(to: UInt8.self)
            for j in 0..<8 {
                let (sc, m) = Field.scaleMinK4(j, packed)
                scales[8 * sb + j] = d * Float(sc)
                offsets[8 * sb + j] = -dmin * Float(m)
            }
            // Constant shifts only: byte vectors shifted by a variable amount are scalarized.
            for pair in 0..<4 {
                let bytes = (p + L.qs + 32 * pair).loadUnaligned(as: Bytes32.self)
                store(bytes & 0xF, q + 256 * sb + 64 * pair)
                store(bytes &>> 4, q + 256 * sb + 64 * pair + 32)
            }
        }
    }

    /// Element 128h + 32k + l: nibble k/2 of ql[64h + 32(k%2) + l], bits 2k…2k+1 of qh[32h + l];
    /// sixteen 16-element sub-blocks with w = d·sc·(q − 32).
    private static let q6_K: UnpackRow = { row, cols, q, scales, _ in
        typealias L = BlockLayout.Q6_K
        for sb in 0..<(cols / 256) {
            let p = row + L.size * sb
            let d = Field.half(p, L.d)
            let sc = (p + L.scales).assumingMemoryBound(to: Int8.self)
            for i in 0..<16 { scales[16 * sb + i] = d * Float(sc[i]) }
            for h in 0..<2 {
                let high = (p + L.qh + 32 * h).loadUnaligned(as: Bytes32.self)
                let low0 = (p + L.ql + 64 * h).loadUnaligned(as: Bytes32.self)
                let low1 = (p + L.ql + 64 * h + 32).loadUnaligned(as: Bytes32.self)
                let out = q + 256 * sb + 128 * h
                store((low0 & 0xF) | ((high & 0x03) &<< 4), out)
                store((low1 & 0xF) | ((high & 0x0C) &<< 2), out + 32)
                store((low0 &>> 4) | (high & 0x30), out + 64)
                store((low1 &>> 4) | ((high & 0xC0) &>> 2), out + 96)
            }
        }
    }
}
#endif
