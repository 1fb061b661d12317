#if SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel

/// AVX2 / AVX-512 (VL, BW) dot products of Q4_K, Q5_K and Q6_K super-blocks with Q8_K activations.
///
/// Products of unsigned weights and signed activations go through `vpmaddubsw` (pairs fit in
/// int16: 63·127·2 < 2¹⁵), then `vpmaddwd` with the sub-block scale, so scaling is free. Minimums
/// and Q6_K's −32 offset use the activation block sums (`bsums`) instead of touching the weights.
extension X86Dot {
    static func q4_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        kQuant4or5(w, a, n, fifthBits: false)
    }

    static func q5_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        kQuant4or5(w, a, n, fifthBits: true)
    }

    @inline(__always)
    static func kQuant4or5(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int, fifthBits: Bool) -> Float {
        // Q4_K and Q5_K share d, dmin and the scale bytes at the same offsets; Q5_K adds qh.
        typealias L = BlockLayout.Q4_K
        let size = fifthBits ? BlockLayout.Q5_K.size : L.size
        let qsOffset = fifthBits ? BlockLayout.Q5_K.qs : L.qs
        let one = _mm256_set1_epi8(1)
        let lowMask = _mm256_set1_epi8(0x0F)
        var acc = _mm256_setzero_ps()
        var minTotal: Float = 0
        for b in 0..<(n / 256) {
            let x = w + b * size, y = a + b * BlockLayout.Q8_K.size
            let ad = Field.float(y, BlockLayout.Q8_K.d)
            // Unpack the 12 scale bytes into 8 scales (u0, u1) and 8 mins (u2, u3), as ggml does.
            let s0 = Field.u32(x, L.scales), s1 = Field.u32(x, L.scales + 4), s2 = Field.u32(x, L.scales + 8)
            let u0 = s0 & 0x3f3f_3f3f
            let u1 = (s2 & 0x0f0f_0f0f) | (((s0 >> 6) & 0x0303_0303) << 4)
            let u2 = s1 & 0x3f3f_3f3f
            let u3 = ((s2 >> 4) & 0x0f0f_0f0f) | (((s1 >> 6) & 0x0303_0303) << 4)

            let mins = _mm_cvtepu8_epi16(_mm_set_epi32(0, 0, Int32(bitPattern: u3), Int32(bitPattern: u2)))
            let bsums = y + BlockLayout.Q8_K.bsums
            let pairSums = _mm_hadd_epi16(load128(bsums), load128(bsums + 16))
            let minDot = unsafeBitCast(_mm_madd_epi16(mins, pairSums), to: SIMD4<Int32>.self).wrappedSum()
            minTotal += Field.scale(x, L.dmin) * ad * Float(minDot)

            let qs = x + qsOffset, aq = y + BlockLayout.Q8_K.qs
            let qh = fifthBits ? load256(x + BlockLayout.Q5_K.qh) : _mm256_setzero_si256()
            // Four independent int32 sums (k even/odd × low/high nibbles): LLVM fuses each
            // madd + add into `vpdpwssd`, and one sum would be a chain of eight of them.
            var sums = (_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256())
            for k in 0..<4 {
                let q = load256(qs + 32 * k)
                var lo = _mm256_and_si256(q, lowMask)
                var hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), lowMask)
                if fifthBits { // bit j of qh[l] is the fifth bit of sub-block j's element l
                    lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, Int32(2 * k)), one), 4))
                    hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, Int32(2 * k + 1)), one), 4))
                }
                let word = k < 2 ? u0 : u1, shift = UInt32(16 * (k % 2))
                let scLo = Int16((word >> shift) & 0xFF), scHi = Int16((word >> (shift + 8)) & 0xFF)
                let pLo = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, load256(aq + 64 * k)), _mm256_set1_epi16(scLo))
                let pHi = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, load256(aq + 64 * k + 32)), _mm256_set1_epi16(scHi))
                if k % 2 == 0 {
                    sums.0 = _mm256_add_epi32(sums.0, pLo)
                    sums.1 = _mm256_add_epi32(sums.1, pHi)
                } else {
                    sums.2 = _mm256_add_epi32(sums.2, pLo)
                    sums.3 = _mm256_add_epi32(sums.3, pHi)
                }
            }
            let sumi = _mm256_add_epi32(_mm256_add_epi32(sums.0, sums.1), _mm256_add_epi32(sums.2, sums.3))
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi), _mm256_set1_ps(Field.scale(x, L.d) * ad), acc)
        }
        return hsum(acc) - minTotal
    }

    static func q6_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        typealias L = BlockLayout.Q6_K
        let lowMask = _mm256_set1_epi8(0x0F), twoBits = _mm256_set1_epi8(0x03)
        // Scale selector for group pair (2p, 2p+1): the low 128 bits take scale 2p, the high 2p+1.
        let pairBase = _mm256_setr_epi64x(0, 0, 0x0001_0001_0001_0001, 0x0001_0001_0001_0001)
        var acc = _mm256_setzero_ps()
        for b in 0..<(n / 256) {
            let x = w + b * L.size, y = a + b * BlockLayout.Q8_K.size
            let scales = _mm256_cvtepi8_epi16(load128(x + L.scales))
            // −32 offset: Σ_g sc_g·32·bsum_g.
            let offset = _mm256_slli_epi32(_mm256_madd_epi16(scales, load256(y + BlockLayout.Q8_K.bsums)), 5)
            // Two independent sums (one per half) so the fused `vpdpwssd` chains stay short.
            var sumi0 = _mm256_sub_epi32(_mm256_setzero_si256(), offset), sumi1 = _mm256_setzero_si256()
            let aq = y + BlockLayout.Q8_K.qs
            for h in 0..<2 {
                let ql0 = load256(x + L.ql + 64 * h), ql1 = load256(x + L.ql + 64 * h + 32)
                let qh = load256(x + L.qh + 32 * h)
                let quads = (
                    _mm256_or_si256(_mm256_and_si256(ql0, lowMask), _mm256_slli_epi16(_mm256_and_si256(qh, twoBits), 4)),
                    _mm256_or_si256(_mm256_and_si256(ql1, lowMask),
                                    _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), twoBits), 4)),
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), lowMask),
                                    _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), twoBits), 4)),
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), lowMask),
                                    _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), twoBits), 4)))
                @inline(__always) func part(_ q: __m256i, _ k: Int) -> __m256i {
                    let products = _mm256_maddubs_epi16(q, load256(aq + 128 * h + 32 * k))
                    return _mm256_madd_epi16(products, _mm256_permutexvar_epi16(_mm256_add_epi16(pairBase, _mm256_set1_epi16(Int16(8 * h + 2 * k))), scales))
                }
                sumi0 = _mm256_add_epi32(sumi0, _mm256_add_epi32(part(quads.0, 0), part(quads.1, 1)))
                sumi1 = _mm256_add_epi32(sumi1, _mm256_add_epi32(part(quads.2, 2), part(quads.3, 3)))
            }
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(sumi0, sumi1)), _mm256_set1_ps(Field.scale(x, L.d) * Field.float(y, 0)), acc)
        }
        return hsum(acc)
    }
}
#endif
