#if SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel

/// Several-rows forms of the AVX-512 Q4_K, Q5_K and Q6_K kernels (`RowsDot`): a super-block's
/// quants and its sub-block scale vectors are unpacked once for all the activation rows of a
/// batch; per row the products, sums and float steps are those of `kQuant4or5` and `q6_K`, in the
/// same order, so each result is bit-identical to the one-row kernel (`RowsDotTests`).
extension X86Dot {
    static func kRowsKernel(for type: GGMLType) -> RowsDot? {
        switch type {
        case .q4_K: q4_KRows
        case .q5_K: q5_KRows
        case .q6_K: q6_KRows
        default: nil
        }
    }

    static func q4_KRows(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                         _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        kQuant4or5Rows(w, a, stride, count, n, out, outStride, fifthBits: false)
    }

    static func q5_KRows(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                         _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        kQuant4or5Rows(w, a, stride, count, n, out, outStride, fifthBits: true)
    }

    /// Per-row accumulators of a several-rows kernel: a vector and a scalar for each row.
    @inline(__always) static func withRowAccumulators(
        _ count: Int, _ body: (UnsafeMutablePointer<SIMD8<Float>>, UnsafeMutablePointer<Float>) -> Void
    ) {
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: max(count, 1)) { vectors in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: max(count, 1)) { scalars in
                let acc = vectors.baseAddress.unsafelyUnwrapped, totals = scalars.baseAddress.unsafelyUnwrapped
                acc.initialize(repeating: SIMD8<Float>(), count: count)
                totals.initialize(repeating: 0, count: count)
                body(acc, totals)
            }
        }
    }

    @inline(__always) static func kQuant4or5Rows(
        _ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
        _ out: UnsafeMutablePointer<Float>, _ outStride: Int, fifthBits: Bool
    ) {
        typealias L = BlockLayout.Q4_K
        let size = fifthBits ? BlockLayout.Q5_K.size : L.size
        let qsOffset = fifthBits ? BlockLayout.Q5_K.qs : L.qs
        let one = _mm512_set1_epi8(1)
        let lowMask = _mm512_set1_epi8(0x0F)
        var shifts = SIMD32<UInt16>(repeating: 0), fifth = shifts, select = shifts
        for i in 16..<32 { shifts[i] = 4; fifth[i] = 1; select[i] = 1 }
        let nibbleShift = unsafeBitCast(shifts, to: __m512i.self)
        let fifthShift = unsafeBitCast(fifth, to: __m512i.self)
        let scaleSelect = unsafeBitCast(select, to: __m512i.self)
        withRowAccumulators(count) { acc, minTotal in
            for b in 0..<(n / 256) {
                let x = w + b * size
                let s0 = Field.u32(x, L.scales), s1 = Field.u32(x, L.scales + 4), s2 = Field.u32(x, L.scales + 8)
                let u0 = s0 & 0x3f3f_3f3f
                let u1 = (s2 & 0x0f0f_0f0f) | (((s0 >> 6) & 0x0303_0303) << 4)
                let u2 = s1 & 0x3f3f_3f3f
                let u3 = ((s2 >> 4) & 0x0f0f_0f0f) | (((s1 >> 6) & 0x0303_0303) << 4)
                let mins = _mm_cvtepu8_epi16(_mm_set_epi32(0, 0, Int32(bitPattern: u3), Int32(bitPattern: u2)))
                let scales = _mm512_castsi128_si512(_mm_cvtepu8_epi16(_mm_set_epi32(0, 0, Int32(bitPattern: u1), Int32(bitPattern: u0))))
                let qh = fifthBits ? _mm512_broadcast_i64x4(load256(x + BlockLayout.Q5_K.qh)) : _mm512_setzero_si512()
                let qs = x + qsOffset
                @inline(__always) func quants(_ k: Int) -> __m512i {
                    var q = _mm512_and_si512(_mm512_srlv_epi16(_mm512_broadcast_i64x4(load256(qs + 32 * k)), nibbleShift), lowMask)
                    if fifthBits {
                        let bits = _mm512_srlv_epi16(qh, _mm512_add_epi16(fifthShift, _mm512_set1_epi16(Int16(2 * k))))
                        q = _mm512_or_si512(q, _mm512_slli_epi16(_mm512_and_si512(bits, one), 4))
                    }
                    return q
                }
                @inline(__always) func scale(_ k: Int) -> __m512i {
                    _mm512_permutexvar_epi16(_mm512_add_epi16(scaleSelect, _mm512_set1_epi16(Int16(2 * k))), scales)
                }
                let q0 = quants(0), q1 = quants(1), q2 = quants(2), q3 = quants(3)
                let c0 = scale(0), c1 = scale(1), c2 = scale(2), c3 = scale(3)
                let d = Field.scale(x, L.d), dmin = Field.scale(x, L.dmin)
                for t in 0..<count {
                    let y = a + t * stride + b * BlockLayout.Q8_K.size
                    let ad = Field.float(y, BlockLayout.Q8_K.d)
                    let bsums = y + BlockLayout.Q8_K.bsums
                    let pairSums = _mm_hadd_epi16(load128(bsums), load128(bsums + 16))
                    let minDot = unsafeBitCast(_mm_madd_epi16(mins, pairSums), to: SIMD4<Int32>.self).wrappedSum()
                    minTotal[t] += dmin * ad * Float(minDot)
                    let aq = y + BlockLayout.Q8_K.qs
                    @inline(__always) func part(_ q: __m512i, _ c: __m512i, _ k: Int) -> __m512i {
                        _mm512_madd_epi16(_mm512_maddubs_epi16(q, load512(aq + 64 * k)), c)
                    }
                    let even = _mm512_add_epi32(part(q0, c0, 0), part(q2, c2, 2))
                    let odd = _mm512_add_epi32(part(q1, c1, 1), part(q3, c3, 3))
                    let both = unsafeBitCast(_mm512_add_epi32(even, odd), to: SIMD16<Int32>.self)
                    let sumi = unsafeBitCast(both.lowHalf &+ both.highHalf, to: __m256i.self)
                    acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi), _mm256_set1_ps(d * ad), acc[t])
                }
            }
            for t in 0..<count { out[t * outStride] = hsum(acc[t]) - minTotal[t] }
        }
    }

    static func q6_KRows(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                         _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        typealias L = BlockLayout.Q6_K
        let lowMask = _mm256_set1_epi8(0x0F), twoBits = _mm256_set1_epi8(0x03)
        let pairBase = _mm256_setr_epi64x(0, 0, 0x0001_0001_0001_0001, 0x0001_0001_0001_0001)
        withRowAccumulators(count) { acc, _ in
            for b in 0..<(n / 256) {
                let x = w + b * L.size
                let scales = _mm256_cvtepi8_epi16(load128(x + L.scales))
                @inline(__always) func quads(_ h: Int) -> (__m256i, __m256i, __m256i, __m256i) {
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
                @inline(__always) func scale(_ h: Int, _ k: Int) -> __m256i {
                    _mm256_permutexvar_epi16(_mm256_add_epi16(pairBase, _mm256_set1_epi16(Int16(8 * h + 2 * k))), scales)
                }
                let low = quads(0), high = quads(1)
                let lowScales = (scale(0, 0), scale(0, 1), scale(0, 2), scale(0, 3))
                let highScales = (scale(1, 0), scale(1, 1), scale(1, 2), scale(1, 3))
                let d = Field.scale(x, L.d)
                for t in 0..<count {
                    let y = a + t * stride + b * BlockLayout.Q8_K.size
                    let offset = _mm256_slli_epi32(_mm256_madd_epi16(scales, load256(y + BlockLayout.Q8_K.bsums)), 5)
                    let aq = y + BlockLayout.Q8_K.qs
                    @inline(__always) func part(_ q: __m256i, _ c: __m256i, _ h: Int, _ k: Int) -> __m256i {
                        _mm256_madd_epi16(_mm256_maddubs_epi16(q, load256(aq + 128 * h + 32 * k)), c)
                    }
                    var sumi0 = _mm256_sub_epi32(_mm256_setzero_si256(), offset)
                    var sumi1 = _mm256_add_epi32(part(low.2, lowScales.2, 0, 2), part(low.3, lowScales.3, 0, 3))
                    sumi0 = _mm256_add_epi32(sumi0, _mm256_add_epi32(part(low.0, lowScales.0, 0, 0), part(low.1, lowScales.1, 0, 1)))
                    sumi0 = _mm256_add_epi32(sumi0, _mm256_add_epi32(part(high.0, highScales.0, 1, 0), part(high.1, highScales.1, 1, 1)))
                    sumi1 = _mm256_add_epi32(sumi1, _mm256_add_epi32(part(high.2, highScales.2, 1, 2), part(high.3, highScales.3, 1, 3)))
                    let ad = Field.float(y, 0)
                    acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(sumi0, sumi1)), _mm256_set1_ps(d * ad), acc[t])
                }
            }
            for t in 0..<count { out[t * outStride] = hsum(acc[t]) }
        }
    }
}
#endif
