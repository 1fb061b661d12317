#if SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel

/// AVX2 / AVX-512 (VL, BW) dot products of Q2_K and Q3_K super-blocks with Q8_K activations.
///
/// Both store 2 low bits per weight as four shifts of 64 bytes: chunk k (elements 32k…32k+31)
/// is bits 2(k%4) of bytes 32(k/4)…+31, i.e. groups 2k and 2k+1. Products go through
/// `vpmaddubsw`, then `vpmaddwd` with the two groups' scales side by side (`vpermw` from all 16
/// scales as int16). Q2_K's minimums and Q3_K's −4 offset (weights are stored as q + 4 with the
/// high bit) use the activation group sums (`bsums`).
extension X86Dot {
    /// `vpermw` selector for groups (g, g+1): the low 128 bits take lane g, the high g+1.
    @inline(__always) static func groupPair(_ g: Int) -> __m256i {
        _mm256_add_epi16(_mm256_setr_epi64x(0, 0, 0x0001_0001_0001_0001, 0x0001_0001_0001_0001), _mm256_set1_epi16(Int16(g)))
    }

    /// Σ_k Σ scale-weighted products of the eight 2-bit chunks. With `hmask` (Q3_K), bit k of
    /// each of its bytes adds 4 to chunk k's weights. (A closure here was not inlined.)
    @inline(__always) static func twoBitChunks(
        _ qs: UnsafeRawPointer, _ aq: UnsafeRawPointer, scales: __m256i, hmask: __m256i?
    ) -> __m256i {
        let twoBits = _mm256_set1_epi8(3)
        var even = _mm256_setzero_si256(), odd = _mm256_setzero_si256()
        for h in 0..<2 {
            let q = load256(qs + 32 * h)
            for i in 0..<4 {
                let k = 4 * h + i
                var bits = _mm256_and_si256(_mm256_srli_epi16(q, Int32(2 * i)), twoBits)
                if let hmask { // bit k moved to bit 2
                    let high = k >= 2 ? _mm256_srli_epi16(hmask, Int32(k - 2)) : _mm256_slli_epi16(hmask, Int32(2 - k))
                    bits = _mm256_or_si256(bits, _mm256_and_si256(high, _mm256_set1_epi8(4)))
                }
                let products = _mm256_maddubs_epi16(bits, load256(aq + 32 * k))
                let p = _mm256_madd_epi16(products, _mm256_permutexvar_epi16(groupPair(2 * k), scales))
                if i % 2 == 0 { even = _mm256_add_epi32(even, p) } else { odd = _mm256_add_epi32(odd, p) }
            }
        }
        return _mm256_add_epi32(even, odd)
    }

    static func q2_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        typealias L = BlockLayout.Q2_K
        let lowMask = _mm_set1_epi8(0x0F)
        var acc = _mm256_setzero_ps(), minAcc = _mm256_setzero_ps()
        for b in 0..<(n / 256) {
            let x = w + b * L.size, y = a + b * BlockLayout.Q8_K.size
            let ad = Field.float(y, BlockLayout.Q8_K.d)
            let packed = load128(x + L.scales)
            let scales = _mm256_cvtepu8_epi16(_mm_and_si128(packed, lowMask))
            let mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(packed, 4), lowMask))
            let minDot = _mm256_madd_epi16(mins, load256(y + BlockLayout.Q8_K.bsums))
            minAcc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(minDot), _mm256_set1_ps(Field.scale(x, L.dmin) * ad), minAcc)
            let sumi = twoBitChunks(x + L.qs, y + BlockLayout.Q8_K.qs, scales: scales, hmask: nil)
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi), _mm256_set1_ps(Field.scale(x, L.d) * ad), acc)
        }
        return hsum(acc) - hsum(minAcc)
    }

    static func q3_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        typealias L = BlockLayout.Q3_K
        var acc = _mm256_setzero_ps()
        for b in 0..<(n / 256) {
            let x = w + b * L.size, y = a + b * BlockLayout.Q8_K.size
            // The 16 6-bit scales from 12 bytes, as ggml unpacks them: low nibbles from bytes
            // 0…7, high 2 bits from bytes 8…11.
            let a0 = Field.u32(x, L.scales), a1 = Field.u32(x, L.scales + 4), top = Field.u32(x, L.scales + 8)
            let s0 = (a0 & 0x0f0f_0f0f) | ((top & 0x0303_0303) << 4)
            let s1 = (a1 & 0x0f0f_0f0f) | (((top >> 2) & 0x0303_0303) << 4)
            let s2 = ((a0 >> 4) & 0x0f0f_0f0f) | (((top >> 4) & 0x0303_0303) << 4)
            let s3 = ((a1 >> 4) & 0x0f0f_0f0f) | (((top >> 6) & 0x0303_0303) << 4)
            let bytes = _mm_set_epi32(Int32(bitPattern: s3), Int32(bitPattern: s2), Int32(bitPattern: s1), Int32(bitPattern: s0))
            let scales = _mm256_cvtepi8_epi16(_mm_sub_epi8(bytes, _mm_set1_epi8(32)))
            // Weights are stored as q + 4 (the high bit set means +4): −4·Σ_g sc_g·bsum_g.
            let offset = _mm256_slli_epi32(_mm256_madd_epi16(scales, load256(y + BlockLayout.Q8_K.bsums)), 2)
            let sumi = twoBitChunks(x + L.qs, y + BlockLayout.Q8_K.qs, scales: scales, hmask: load256(x + L.hmask))
            let total = _mm256_sub_epi32(sumi, offset)
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_set1_ps(Field.scale(x, L.d) * Field.float(y, BlockLayout.Q8_K.d)), acc)
        }
        return hsum(acc)
    }
}
#endif
