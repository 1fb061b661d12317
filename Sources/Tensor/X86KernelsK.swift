#if SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel

/// AVX2 / AVX-512 (VL, BW) dot products of Q4_K, Q5_K and Q6_K super-blocks with Q8_K activations.
///
/// Products of unsigned weights and signed activations go through `vpmaddubsw` (pairs fit in
/// int16: 63·127·2 < 2¹⁵), then `vpmaddwd` with the sub-block scale, so scaling is free. Q4_K and
/// Q5_K take two sub-blocks per 512-bit step. Minimums
/// and Q6_K's −32 offset use the activation block sums (`bsums`) instead of touching the weights.
/// The unpacking helpers below serve these one-row kernels and their several-rows forms
/// (`X86KernelsKRows`).
extension X86Dot {
    static func q4_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        kQuant4or5(w, a, n, fifthBits: false)
    }

    static func q5_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        kQuant4or5(w, a, n, fifthBits: true)
    }

    /// Lane constants of the Q4_K / Q5_K unpacking. Per 16-bit lane: 0 in the low 256 bits, 4 in
    /// the high (nibbles); 0 / 1 (fifth bits); word 0 / word 1 of the scales (sub-blocks 2k and
    /// 2k+1 once 2k is added).
    struct K45Lanes {
        let one = _mm512_set1_epi8(1)
        let lowMask = _mm512_set1_epi8(0x0F)
        let nibbleShift: __m512i, fifthShift: __m512i, scaleSelect: __m512i

        @inline(__always) init() {
            var shifts = SIMD32<UInt16>(repeating: 0), fifth = shifts, select = shifts
            for i in 16..<32 { shifts[i] = 4; fifth[i] = 1; select[i] = 1 }
            nibbleShift = unsafeBitCast(shifts, to: __m512i.self)
            fifthShift = unsafeBitCast(fifth, to: __m512i.self)
            scaleSelect = unsafeBitCast(select, to: __m512i.self)
        }
    }

    /// One Q4_K / Q5_K super-block's 8 mins (u16 lanes) and 8 scales (u16, low 128 bits): the 12
    /// scale bytes unpacked as ggml does, in vector lanes. As 32-bit words s0, s1, s2 of the 12
    /// bytes, the scale bytes are u0 = s0 & 0x3f…, u1 = (s2 & 0x0f…) | ((s0 >> 6) & 0x03…) << 4, the
    /// min bytes u2 = s1 & 0x3f…, u3 = ((s2 >> 4) & 0x0f…) | ((s1 >> 6) & 0x03…) << 4: lanes 0 and 1
    /// compute (u0, u2) and (u1, u3) side by side.
    @inline(__always) static func k45Scales(_ x: UnsafeRawPointer) -> (mins: __m128i, scales: __m512i) {
        typealias L = BlockLayout.Q4_K
        let words = load128(x + L.scales) // s0, s1, s2 and 4 bytes of quants (unused)
        let six = _mm_and_si128(words, _mm_set1_epi8(0x3F))
        let top = _mm_slli_epi32(_mm_and_si128(_mm_srli_epi32(words, 6), _mm_set1_epi8(0x03)), 4)
        let s2 = _mm_set1_epi32(Int32(bitPattern: Field.u32(x, L.scales + 8)))
        let nibbles = _mm_and_si128(_mm_srlv_epi32(s2, _mm_setr_epi32(0, 4, 0, 0)), _mm_set1_epi8(0x0F))
        let packed = _mm_unpacklo_epi32(six, _mm_or_si128(nibbles, top)) // u0, u1, u2, u3
        return (_mm_cvtepu8_epi16(_mm_unpackhi_epi64(packed, packed)), _mm512_castsi128_si512(_mm_cvtepu8_epi16(packed)))
    }

    /// Σ_j min_j · (sum of sub-block j's activations), from the Q8_K block's `bsums` at `y`.
    @inline(__always) static func k45MinDot(_ mins: __m128i, _ y: UnsafeRawPointer) -> Int32 {
        let bsums = y + BlockLayout.Q8_K.bsums
        let pairSums = _mm_hadd_epi16(load128(bsums), load128(bsums + 16))
        return unsafeBitCast(_mm_madd_epi16(mins, pairSums), to: SIMD4<Int32>.self).wrappedSum()
    }

    /// Step k of a Q4_K / Q5_K super-block: 32 bytes of nibbles at `qs + 32k` as 64 quants — the
    /// low 256 bits sub-block 2k (low nibbles), the high 256 bits sub-block 2k+1 (high nibbles),
    /// with Q5_K's fifth bits from `qh` (the 32 `qh` bytes broadcast to both halves).
    @inline(__always) static func k45Quants(
        _ qs: UnsafeRawPointer, _ qh: __m512i, _ k: Int, _ lanes: K45Lanes, fifthBits: Bool
    ) -> __m512i {
        var q = _mm512_and_si512(_mm512_srlv_epi16(_mm512_broadcast_i64x4(load256(qs + 32 * k)), lanes.nibbleShift),
                                 lanes.lowMask)
        if fifthBits { // bit j of qh[l] is the fifth bit of sub-block j's element l
            let bits = _mm512_srlv_epi16(qh, _mm512_add_epi16(lanes.fifthShift, _mm512_set1_epi16(Int16(2 * k))))
            q = _mm512_or_si512(q, _mm512_slli_epi16(_mm512_and_si512(bits, lanes.one), 4))
        }
        return q
    }

    /// The scales of sub-blocks 2k (low 256 bits) and 2k+1 (high), as 16-bit lanes.
    @inline(__always) static func k45Scale(_ scales: __m512i, _ k: Int, _ lanes: K45Lanes) -> __m512i {
        _mm512_permutexvar_epi16(_mm512_add_epi16(lanes.scaleSelect, _mm512_set1_epi16(Int16(2 * k))), scales)
    }

    /// Lane l of either half covers bytes 4l…4l+3 of its 32: the halves of `even + odd` summed
    /// are the same integers as one 256-bit sum of both sub-blocks would hold.
    @inline(__always) static func k45Sum(_ even: __m512i, _ odd: __m512i) -> __m256i {
        let both = unsafeBitCast(_mm512_add_epi32(even, odd), to: SIMD16<Int32>.self)
        return unsafeBitCast(both.lowHalf &+ both.highHalf, to: __m256i.self)
    }

    @inline(__always)
    static func kQuant4or5(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int, fifthBits: Bool) -> Float {
        // Q4_K and Q5_K share d, dmin and the scale bytes at the same offsets; Q5_K adds qh.
        typealias L = BlockLayout.Q4_K
        let size = fifthBits ? BlockLayout.Q5_K.size : L.size
        let qsOffset = fifthBits ? BlockLayout.Q5_K.qs : L.qs
        let lanes = K45Lanes()
        var acc = _mm256_setzero_ps()
        var minTotal: Float = 0
        for b in 0..<(n / 256) {
            let x = w + b * size, y = a + b * BlockLayout.Q8_K.size
            let ad = Field.float(y, BlockLayout.Q8_K.d)
            let (mins, scales) = k45Scales(x)
            minTotal += Field.scale(x, L.dmin) * ad * Float(k45MinDot(mins, y))

            let qs = x + qsOffset, aq = y + BlockLayout.Q8_K.qs
            // One 512-bit step per 32 bytes of nibbles, matching the 64 activation bytes of the
            // two sub-blocks, each half multiplied by its own scale.
            let qh = fifthBits ? _mm512_broadcast_i64x4(load256(x + BlockLayout.Q5_K.qh)) : _mm512_setzero_si512()
            var even = _mm512_setzero_si512(), odd = _mm512_setzero_si512()
            for k in 0..<4 {
                let q = k45Quants(qs, qh, k, lanes, fifthBits: fifthBits)
                let products = _mm512_maddubs_epi16(q, load512(aq + 64 * k))
                let scale = k45Scale(scales, k, lanes)
                if k % 2 == 0 {
                    even = _mm512_add_epi32(even, _mm512_madd_epi16(products, scale))
                } else {
                    odd = _mm512_add_epi32(odd, _mm512_madd_epi16(products, scale))
                }
            }
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(k45Sum(even, odd)), _mm256_set1_ps(Field.scale(x, L.d) * ad), acc)
        }
        return hsum(acc) - minTotal
    }

    /// Half h of a Q6_K super-block: its 128 quants as four vectors of 32 (low 4 bits from `ql`,
    /// high 2 bits from `qh`).
    @inline(__always) static func q6Quads(_ x: UnsafeRawPointer, _ h: Int) -> (__m256i, __m256i, __m256i, __m256i) {
        typealias L = BlockLayout.Q6_K
        let lowMask = _mm256_set1_epi8(0x0F), twoBits = _mm256_set1_epi8(0x03)
        let ql0 = load256(x + L.ql + 64 * h), ql1 = load256(x + L.ql + 64 * h + 32)
        let qh = load256(x + L.qh + 32 * h)
        return (
            _mm256_or_si256(_mm256_and_si256(ql0, lowMask), _mm256_slli_epi16(_mm256_and_si256(qh, twoBits), 4)),
            _mm256_or_si256(_mm256_and_si256(ql1, lowMask),
                            _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), twoBits), 4)),
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), lowMask),
                            _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), twoBits), 4)),
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), lowMask),
                            _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), twoBits), 4)))
    }

    /// The scales of group pair (8h + 2k, 8h + 2k + 1) of a Q6_K super-block: the low 128 bits take
    /// the first, the high 128 bits the second, as 16-bit lanes.
    @inline(__always) static func q6Scale(_ scales: __m256i, _ h: Int, _ k: Int) -> __m256i {
        let pairBase = _mm256_setr_epi64x(0, 0, 0x0001_0001_0001_0001, 0x0001_0001_0001_0001)
        return _mm256_permutexvar_epi16(_mm256_add_epi16(pairBase, _mm256_set1_epi16(Int16(8 * h + 2 * k))), scales)
    }

    /// One row's integer sums of a Q6_K super-block against the Q8_K activation quants `aq`:
    /// the −32 offset from the activation block sums, then the sixteen scaled groups.
    @inline(__always) static func q6BlockInts(
        _ x: UnsafeRawPointer, _ aq: UnsafeRawPointer, _ bsums: __m256i
    ) -> __m256i {
        typealias L = BlockLayout.Q6_K
        let scales = _mm256_cvtepi8_epi16(load128(x + L.scales))
        // Two independent sums (one per half of the groups) so the fused `vpdpwssd` chains stay short.
        var sumi0 = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(_mm256_madd_epi16(scales, bsums), 5))
        var sumi1 = _mm256_setzero_si256()
        for h in 0..<2 {
            let quads = q6Quads(x, h)
            @inline(__always) func part(_ q: __m256i, _ k: Int) -> __m256i {
                _mm256_madd_epi16(_mm256_maddubs_epi16(q, load256(aq + 128 * h + 32 * k)), q6Scale(scales, h, k))
            }
            sumi0 = _mm256_add_epi32(sumi0, _mm256_add_epi32(part(quads.0, 0), part(quads.1, 1)))
            sumi1 = _mm256_add_epi32(sumi1, _mm256_add_epi32(part(quads.2, 2), part(quads.3, 3)))
        }
        return _mm256_add_epi32(sumi0, sumi1)
    }

    static func q6_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        typealias L = BlockLayout.Q6_K
        var acc = _mm256_setzero_ps()
        for b in 0..<(n / 256) {
            let x = w + b * L.size, y = a + b * BlockLayout.Q8_K.size
            let sums = q6BlockInts(x, y + BlockLayout.Q8_K.qs, load256(y + BlockLayout.Q8_K.bsums))
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), _mm256_set1_ps(Field.scale(x, L.d) * Field.float(y, 0)), acc)
        }
        return hsum(acc)
    }
}
#endif
