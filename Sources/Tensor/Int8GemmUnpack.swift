#if SWIFTLLM_X86_SIMD || SWIFTLLM_AVX2
import _Builtin_intrinsics.intel

/// How `Int8Gemm` reads one weight type: each row is unpacked to unsigned bytes `q` with, per
/// sub-block of `blockSize` elements, a float scale `d` and either a float offset `m`
/// (`affine`: w = d·q + m) or the integer offset `offset` (w = d·(q − offset)). The activations
/// share one scale per `scaleSpan` elements: a 32-element block, or for the K-quants with
/// 16-element sub-blocks (Q2_K, Q3_K, Q6_K) a super-block (256, as llama.cpp's Q8_K), which
/// saves a multiply per sub-block (measured: Q6_K +12–20 % at 512 tokens; Q4_K, whose float
/// work is half as dense, gained nothing and keeps its 32-element activation blocks).
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
    /// The largest unpacked byte (2^bits − 1): how long AVX2's 16-bit sums may run (`wideEvery`).
    let largest: Int
    let unpackRow: UnpackRow

    /// Elements per activation scale: 16-element sub-blocks share one per super-block.
    var scaleSpan: Int { blockSize == 16 ? 256 : blockSize }

    /// Steps of 4 columns whose `vpmaddubsw` pair sums (each at most 2·largest·127) add up
    /// in 16 bits without overflow: 8 for 4-bit weights, 4 for 5-bit, 2 for 6-bit.
    var wideEvery: Int { Int(Int16.max) / (2 * largest * 127) }

    static func of(_ type: GGMLType) -> Int8WeightFormat? {
        switch type {
        case .q4_0: Int8WeightFormat(blockSize: 32, affine: false, offset: 8, largest: 15, unpackRow: q4_0)
        case .q4_1: Int8WeightFormat(blockSize: 32, affine: true, offset: 0, largest: 15, unpackRow: q4_1)
        case .q5_0: Int8WeightFormat(blockSize: 32, affine: false, offset: 16, largest: 31, unpackRow: q5_0)
        case .q5_1: Int8WeightFormat(blockSize: 32, affine: true, offset: 0, largest: 31, unpackRow: q5_1)
        #if SWIFTLLM_X86_SIMD  // AVX2's vpmaddubsw would saturate on its biased bytes (up to 255)
        case .q8_0: Int8WeightFormat(blockSize: 32, affine: false, offset: 128, largest: 255, unpackRow: q8_0)
        #endif
        case .q2_K: Int8WeightFormat(blockSize: 16, affine: true, offset: 0, largest: 3, unpackRow: q2_K)
        case .q3_K: Int8WeightFormat(blockSize: 16, affine: false, offset: 4, largest: 7, unpackRow: q3_K)
        case .q4_K: Int8WeightFormat(blockSize: 32, affine: true, offset: 0, largest: 15, unpackRow: q4_K)
        case .q5_K: Int8WeightFormat(blockSize: 32, affine: true, offset: 0, largest: 31, unpackRow: q5_K)
        case .q6_K: Int8WeightFormat(blockSize: 16, affine: false, offset: 32, largest: 63, unpackRow: q6_K)
        default: nil
        }
    }

    @inline(__always) private static func load128(_ p: UnsafeRawPointer) -> __m128i {
        unsafeBitCast(p.loadUnaligned(as: SIMD16<UInt8>.self), to: __m128i.self)
    }

    @inline(__always) private static func load256(_ p: UnsafeRawPointer) -> __m256i {
        unsafeBitCast(p.loadUnaligned(as: SIMD32<UInt8>.self), to: __m256i.self)
    }

    /// The fifth bits of a Q5 block (u32, bit j for element j) as bytes 0x10 / 0x00, in AVX2
    /// (byte j takes byte j/8 of `qh`, then its bit j%8).
    @inline(__always) private static func fifthBits(_ qh: UInt32) -> __m256i {
        let spread = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                      2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3)
        let bit = _mm256_set1_epi64x(Int64(bitPattern: 0x8040_2010_0804_0201))
        let bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(Int32(bitPattern: qh)), spread)
        let set = _mm256_cmpeq_epi8(_mm256_and_si256(bytes, bit), bit)
        return _mm256_and_si256(set, _mm256_set1_epi8(0x10))
    }

    @inline(__always) private static func store(_ v: __m256i, _ p: UnsafeMutablePointer<UInt8>) {
        UnsafeMutableRawPointer(p).storeBytes(of: unsafeBitCast(v, to: SIMD32<UInt8>.self), as: SIMD32<UInt8>.self)
    }

    @inline(__always) private static func low4(_ v: __m256i) -> __m256i { _mm256_and_si256(v, _mm256_set1_epi8(0x0F)) }

    @inline(__always) private static func high4(_ v: __m256i) -> __m256i { low4(_mm256_srli_epi16(v, 4)) }

    /// The 32 nibbles of a legacy block's 16 packed bytes: low nibbles are elements 0..<16.
    @inline(__always) private static func nibbles(_ p: UnsafeRawPointer) -> __m256i {
        let packed = load128(p)
        return low4(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed))
    }

    private static let q4_0: UnpackRow = { row, cols, q, scales, _ in
        for b in 0..<(cols / 32) {
            let p = row + 18 * b
            scales[b] = Field.half(p, 0)
            store(nibbles(p + 2), q + 32 * b)
        }
    }

    private static let q4_1: UnpackRow = { row, cols, q, scales, offsets in
        for b in 0..<(cols / 32) {
            let p = row + 20 * b
            scales[b] = Field.half(p, 0)
            offsets[b] = Field.half(p, 2)
            store(nibbles(p + 4), q + 32 * b)
        }
    }

    private static let q5_0: UnpackRow = { row, cols, q, scales, _ in
        for b in 0..<(cols / 32) {
            let p = row + 22 * b
            scales[b] = Field.half(p, 0)
            store(_mm256_or_si256(nibbles(p + 6), fifthBits(Field.u32(p, 2))), q + 32 * b)
        }
    }

    private static let q5_1: UnpackRow = { row, cols, q, scales, offsets in
        for b in 0..<(cols / 32) {
            let p = row + 24 * b
            scales[b] = Field.half(p, 0)
            offsets[b] = Field.half(p, 2)
            store(_mm256_or_si256(nibbles(p + 8), fifthBits(Field.u32(p, 4))), q + 32 * b)
        }
    }

    /// Q8_0's signed bytes biased by 128 into unsigned ones.
    private static let q8_0: UnpackRow = { row, cols, q, scales, _ in
        for b in 0..<(cols / 32) {
            let p = row + 34 * b
            scales[b] = Field.half(p, 0)
            store(_mm256_xor_si256(load256(p + 2), _mm256_set1_epi8(-128)), q + 32 * b)
        }
    }

    /// Element 128h + 32s + l: bits 2s…2s+1 of qs[32h + l]; sixteen 16-element sub-blocks with
    /// w = d·(sc & 15)·q − dmin·(sc >> 4).
    private static let q2_K: UnpackRow = { row, cols, q, scales, offsets in
        typealias L = BlockLayout.Q2_K
        let three = _mm256_set1_epi8(3)
        for sb in 0..<(cols / 256) {
            let p = row + L.size * sb
            let d = Field.half(p, L.d), dmin = Field.half(p, L.dmin)
            let sc = (p + L.scales).assumingMemoryBound(to: UInt8.self)
            for i in 0..<16 {
                scales[16 * sb + i] = d * Float(sc[i] & 0xF)
                offsets[16 * sb + i] = -dmin * Float(sc[i] >> 4)
            }
            for h in 0..<2 {
                let bits = load256(p + L.qs + 32 * h), out = q + 256 * sb + 128 * h
                store(_mm256_and_si256(bits, three), out)
                store(_mm256_and_si256(_mm256_srli_epi16(bits, 2), three), out + 32)
                store(_mm256_and_si256(_mm256_srli_epi16(bits, 4), three), out + 64)
                store(_mm256_and_si256(_mm256_srli_epi16(bits, 6), three), out + 96)
            }
        }
    }

    /// Element 128h + 32s + l: low bits 2s…2s+1 of qs[32h + l] and, as bit 2, bit 4h+s of
    /// hmask[l] (q in 0…7, w = d·(sc − 32)·(q − 4)); sixteen 16-element sub-blocks.
    private static let q3_K: UnpackRow = { row, cols, q, scales, _ in
        typealias L = BlockLayout.Q3_K
        let three = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1)
        withUnsafeTemporaryAllocation(of: Int8.self, capacity: 16) { buffer in
            let sc = buffer.baseAddress!
            for sb in 0..<(cols / 256) {
                let p = row + L.size * sb
                let d = Field.half(p, L.d)
                Field.scalesQ3K((p + L.scales).assumingMemoryBound(to: UInt8.self), sc)
                for i in 0..<16 { scales[16 * sb + i] = d * Float(sc[i]) }
                let hmask = load256(p + L.hmask)
                for h in 0..<2 {
                    let bits = load256(p + L.qs + 32 * h)
                    for s in 0..<4 {
                        let low = _mm256_and_si256(_mm256_srl_epi16(bits, _mm_cvtsi32_si128(Int32(2 * s))), three)
                        let high = _mm256_and_si256(_mm256_srl_epi16(hmask, _mm_cvtsi32_si128(Int32(4 * h + s))), one)
                        store(_mm256_or_si256(low, _mm256_slli_epi16(high, 2)), q + 256 * sb + 128 * h + 32 * s)
                    }
                }
            }
        }
    }

    private static let q4_K: UnpackRow = { row, cols, q, scales, offsets in
        kQuant4or5(row, cols, q, scales, offsets, fifthBits: false)
    }

    private static let q5_K: UnpackRow = { row, cols, q, scales, offsets in
        kQuant4or5(row, cols, q, scales, offsets, fifthBits: true)
    }

    /// Sub-block j of a super-block: nibble j%2 of bytes 32(j/2)..<32(j/2)+32 (Q5_K: plus bit j of
    /// qh[l] as bit 4 of element l); w = d·sc·q − dmin·m. Both types keep d, dmin and the scales
    /// at the same offsets.
    @inline(__always) private static func kQuant4or5(
        _ row: UnsafeRawPointer, _ cols: Int, _ q: UnsafeMutablePointer<UInt8>,
        _ scales: UnsafeMutablePointer<Float>, _ offsets: UnsafeMutablePointer<Float>, fifthBits: Bool
    ) {
        typealias L = BlockLayout.Q4_K
        let size = fifthBits ? BlockLayout.Q5_K.size : L.size
        let qsOffset = fifthBits ? BlockLayout.Q5_K.qs : L.qs
        let one = _mm256_set1_epi8(1)
        for sb in 0..<(cols / 256) {
            let p = row + size * sb
            let d = Field.half(p, L.d), dmin = Field.half(p, L.dmin)
            let packed = (p + L.scales).assumingMemoryBound(to: UInt8.self)
            for j in 0..<8 {
                let (sc, m) = Field.scaleMinK4(j, packed)
                scales[8 * sb + j] = d * Float(sc)
                offsets[8 * sb + j] = -dmin * Float(m)
            }
            let qh = fifthBits ? load256(p + BlockLayout.Q5_K.qh) : _mm256_setzero_si256()
            @inline(__always) func fifth(_ j: Int) -> __m256i {
                _mm256_slli_epi16(_mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(Int32(j))), one), 4)
            }
            for pair in 0..<4 {
                let bytes = load256(p + qsOffset + 32 * pair)
                var low = low4(bytes), high = high4(bytes)
                if fifthBits {
                    low = _mm256_or_si256(low, fifth(2 * pair))
                    high = _mm256_or_si256(high, fifth(2 * pair + 1))
                }
                store(low, q + 256 * sb + 64 * pair)
                store(high, q + 256 * sb + 64 * pair + 32)
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
                let high = load256(p + L.qh + 32 * h)
                let low0 = load256(p + L.ql + 64 * h), low1 = load256(p + L.ql + 64 * h + 32)
                let bits = _mm256_set1_epi8(0x30)
                let out = q + 256 * sb + 128 * h
                store(_mm256_or_si256(low4(low0), _mm256_and_si256(_mm256_slli_epi16(high, 4), bits)), out)
                store(_mm256_or_si256(low4(low1), _mm256_and_si256(_mm256_slli_epi16(high, 2), bits)), out + 32)
                store(_mm256_or_si256(high4(low0), _mm256_and_si256(high, bits)), out + 64)
                store(_mm256_or_si256(high4(low1), _mm256_and_si256(_mm256_srli_epi16(high, 2), bits)), out + 96)
            }
        }
    }
}
#endif
