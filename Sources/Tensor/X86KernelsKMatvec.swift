#if SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel

/// Four-weight-rows forms of the AVX-512 Q4_K, Q5_K and Q6_K kernels for decode (`WeightRowsDot`):
/// four rows of a matrix against one activation row, so the activation loads, its sub-block sums
/// and the per-call work are shared. Each row's float steps are those of `kQuant4or5` / `q6_K` in
/// the same order (the Q4_K/Q5_K minimum terms of the four rows run side by side in one vector,
/// lane for lane the scalar sequence; integer sums are exact in any order), so every result is
/// bit-identical to the one-row kernel (`RowsDotTests`).
extension X86Dot {
    static func weightRowsKernel(for type: GGMLType) -> WeightRowsDot? {
        switch type {
        case .q4_K:
            { w, s, c, a, n, o in
                weightRows(w, s, c, o, four: { kQuant4or5Four($0, s, a, n, $1, fifthBits: false) },
                           one: { kQuant4or5($0, a, n, fifthBits: false) })
            }
        case .q5_K:
            { w, s, c, a, n, o in
                weightRows(w, s, c, o, four: { kQuant4or5Four($0, s, a, n, $1, fifthBits: true) },
                           one: { kQuant4or5($0, a, n, fifthBits: true) })
            }
        case .q6_K:
            { w, s, c, a, n, o in
                weightRows(w, s, c, o, four: { q6_KFour($0, s, a, n, $1) }, one: { q6_K($0, a, n) })
            }
        default: nil
        }
    }

    /// Rows in groups of four (`four(first row, outputs)`), the rest one by one with the one-row
    /// kernel; rows over `groupedRowBytes` all one by one.
    @inline(__always) static func weightRows(
        _ w: UnsafeRawPointer, _ rowBytes: Int, _ count: Int, _ out: UnsafeMutablePointer<Float>,
        four: (UnsafeRawPointer, UnsafeMutablePointer<Float>) -> Void, one: (UnsafeRawPointer) -> Float
    ) {
        var r = 0
        while r + 4 <= count && rowBytes <= groupedRowBytes {
            four(w + r * rowBytes, out + r)
            r += 4
        }
        while r < count {
            out[r] = one(w + r * rowBytes)
            r += 1
        }
    }

    /// Four rows read block by block are four interleaved streams, which the hardware
    /// prefetcher follows poorly (half the one-row speed without this): while on block b of a
    /// group, fetch the matching share of the next group's bytes, one linear stream.
    @inline(__always) static func prefetchGroup(_ w: UnsafeRawPointer, _ rowBytes: Int, _ b: Int, _ size: Int) {
        prefetchLines(w + 4 * rowBytes + 4 * b * size, bytes: 4 * size)
    }

    /// Rows longer than this many bytes go one at a time: four long rows are four streams in
    /// different pages, slower together than one after another even with the prefetches.
    /// (`bench kernels`, one thread, Q4_K / Q6_K: 1536 and 2048 columns 15.9 → 20.4 and 17.3 →
    /// 21.0 GB/s / 22.1 → 26.3 and 23.0 → 25.0 grouped; 8192 and 8960 columns 18.6 → 14.6.)
    static var groupedRowBytes: Int { 2048 }

    /// One row's integer sums of a Q4_K / Q5_K super-block: the 8 lanes `kQuant4or5` converts
    /// and the 4 lanes whose total is its minimum term. The quants come from two 512-bit loads:
    /// vector k pairs sub-block `k45Pairs[k]` (low half) with the one two above it (high half),
    /// against activations `a` arranged the same way; each half's 8 lanes still cover bytes
    /// 4l…4l+3 of one sub-block, so the lane totals are those of `kQuant4or5`.
    @inline(__always) static func k45BlockInts(
        _ x: UnsafeRawPointer, _ a: (__m512i, __m512i, __m512i, __m512i), _ pairSums: __m128i,
        _ lanes: K45Lanes, _ pairIndex: (__m512i, __m512i, __m512i, __m512i), fifthBits: Bool
    ) -> (sums: __m256i, mins: __m128i) {
        let (mins, scales) = k45Scales(x)
        let qs = x + (fifthBits ? BlockLayout.Q5_K.qs : BlockLayout.Q4_K.qs)
        let first = load512(qs), second = load512(qs + 64)
        let qh = fifthBits ? _mm512_broadcast_i64x4(load256(x + BlockLayout.Q5_K.qh)) : _mm512_setzero_si512()
        @inline(__always) func part(_ bytes: __m512i, _ index: __m512i, _ act: __m512i) -> __m512i {
            var q = _mm512_and_si512(bytes, lanes.lowMask)
            if fifthBits {
                q = _mm512_or_si512(q, _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(qh, index), lanes.one), 4))
            }
            return _mm512_madd_epi16(_mm512_maddubs_epi16(q, act), _mm512_permutexvar_epi16(index, scales))
        }
        let even = _mm512_add_epi32(part(first, pairIndex.0, a.0), part(second, pairIndex.2, a.2))
        let odd = _mm512_add_epi32(part(_mm512_srli_epi16(first, 4), pairIndex.1, a.1),
                                   part(_mm512_srli_epi16(second, 4), pairIndex.3, a.3))
        return (k45Sum(even, odd), _mm_madd_epi16(mins, pairSums))
    }

    /// Per 16-bit lane, the sub-block each half of paired vector k holds: (0, 2), (1, 3), (4, 6),
    /// (5, 7) — the scale to pick and, for Q5_K, the `qh` bit to shift down.
    @inline(__always) static func k45PairIndex(_ lanes: K45Lanes) -> (__m512i, __m512i, __m512i, __m512i) {
        let two = _mm512_add_epi16(lanes.scaleSelect, lanes.scaleSelect)
        return (two, _mm512_add_epi16(two, _mm512_set1_epi16(1)),
                _mm512_add_epi16(two, _mm512_set1_epi16(4)), _mm512_add_epi16(two, _mm512_set1_epi16(5)))
    }

    @inline(__always) static func kQuant4or5Four(
        _ w: UnsafeRawPointer, _ rowBytes: Int, _ a: UnsafeRawPointer, _ n: Int,
        _ out: UnsafeMutablePointer<Float>, fifthBits: Bool
    ) {
        typealias L = BlockLayout.Q4_K
        let size = fifthBits ? BlockLayout.Q5_K.size : L.size
        let lanes = K45Lanes()
        let pairIndex = k45PairIndex(lanes)
        let lowHalves: __m512i = SIMD8<Int64>(0, 1, 2, 3, 8, 9, 10, 11)
        let highHalves: __m512i = SIMD8<Int64>(4, 5, 6, 7, 12, 13, 14, 15)
        var acc0 = _mm256_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0
        var minTotal = _mm_setzero_ps()
        for b in 0..<(n / 256) {
            let y = a + b * BlockLayout.Q8_K.size
            let ad = Field.float(y, BlockLayout.Q8_K.d)
            let bsums = y + BlockLayout.Q8_K.bsums
            let pairSums = _mm_hadd_epi16(load128(bsums), load128(bsums + 16))
            let aq = y + BlockLayout.Q8_K.qs
            let a01 = load512(aq), a23 = load512(aq + 64), a45 = load512(aq + 128), a67 = load512(aq + 192)
            // Sub-blocks (0, 2), (1, 3), (4, 6), (5, 7): 128-bit lanes 0-1 / 2-3 of each pair of loads.
            let act = (_mm512_permutex2var_epi64(a01, lowHalves, a23), _mm512_permutex2var_epi64(a01, highHalves, a23),
                       _mm512_permutex2var_epi64(a45, lowHalves, a67), _mm512_permutex2var_epi64(a45, highHalves, a67))
            let x0 = w + b * size, x1 = x0 + rowBytes, x2 = x1 + rowBytes, x3 = x2 + rowBytes
            prefetchGroup(w, rowBytes, b, size)
            let r0 = k45BlockInts(x0, act, pairSums, lanes, pairIndex, fifthBits: fifthBits)
            let r1 = k45BlockInts(x1, act, pairSums, lanes, pairIndex, fifthBits: fifthBits)
            let r2 = k45BlockInts(x2, act, pairSums, lanes, pairIndex, fifthBits: fifthBits)
            let r3 = k45BlockInts(x3, act, pairSums, lanes, pairIndex, fifthBits: fifthBits)
            let minInts = _mm_hadd_epi32(_mm_hadd_epi32(r0.mins, r1.mins), _mm_hadd_epi32(r2.mins, r3.mins))
            let dmin = _mm_setr_ps(Field.scale(x0, L.dmin), Field.scale(x1, L.dmin), Field.scale(x2, L.dmin), Field.scale(x3, L.dmin))
            minTotal = _mm_add_ps(minTotal, _mm_mul_ps(_mm_mul_ps(dmin, _mm_set1_ps(ad)), _mm_cvtepi32_ps(minInts)))
            acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(r0.sums), _mm256_set1_ps(Field.scale(x0, L.d) * ad), acc0)
            acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(r1.sums), _mm256_set1_ps(Field.scale(x1, L.d) * ad), acc1)
            acc2 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(r2.sums), _mm256_set1_ps(Field.scale(x2, L.d) * ad), acc2)
            acc3 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(r3.sums), _mm256_set1_ps(Field.scale(x3, L.d) * ad), acc3)
        }
        let mins: SIMD4<Float> = minTotal
        out[0] = hsum(acc0) - mins[0]
        out[1] = hsum(acc1) - mins[1]
        out[2] = hsum(acc2) - mins[2]
        out[3] = hsum(acc3) - mins[3]
    }

    @inline(__always) static func q6_KFour(
        _ w: UnsafeRawPointer, _ rowBytes: Int, _ a: UnsafeRawPointer, _ n: Int, _ out: UnsafeMutablePointer<Float>
    ) {
        typealias L = BlockLayout.Q6_K
        var acc0 = _mm256_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0
        for b in 0..<(n / 256) {
            let y = a + b * BlockLayout.Q8_K.size
            let ad = Field.float(y, 0)
            let bsums = load256(y + BlockLayout.Q8_K.bsums), aq = y + BlockLayout.Q8_K.qs
            let x0 = w + b * L.size, x1 = x0 + rowBytes, x2 = x1 + rowBytes, x3 = x2 + rowBytes
            prefetchGroup(w, rowBytes, b, L.size)
            acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(q6BlockInts(x0, aq, bsums)), _mm256_set1_ps(Field.scale(x0, L.d) * ad), acc0)
            acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(q6BlockInts(x1, aq, bsums)), _mm256_set1_ps(Field.scale(x1, L.d) * ad), acc1)
            acc2 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(q6BlockInts(x2, aq, bsums)), _mm256_set1_ps(Field.scale(x2, L.d) * ad), acc2)
            acc3 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(q6BlockInts(x3, aq, bsums)), _mm256_set1_ps(Field.scale(x3, L.d) * ad), acc3)
        }
        out[0] = hsum(acc0)
        out[1] = hsum(acc1)
        out[2] = hsum(acc2)
        out[3] = hsum(acc3)
    }
}
#endif
