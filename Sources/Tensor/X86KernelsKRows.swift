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
        let lanes = K45Lanes()
        withRowAccumulators(count) { acc, minTotal in
            for b in 0..<(n / 256) {
                let x = w + b * size
                let (mins, scales) = k45Scales(x)
                let qh = fifthBits ? _mm512_broadcast_i64x4(load256(x + BlockLayout.Q5_K.qh)) : _mm512_setzero_si512()
                let qs = x + qsOffset
                let q0 = k45Quants(qs, qh, 0, lanes, fifthBits: fifthBits), q1 = k45Quants(qs, qh, 1, lanes, fifthBits: fifthBits)
                let q2 = k45Quants(qs, qh, 2, lanes, fifthBits: fifthBits), q3 = k45Quants(qs, qh, 3, lanes, fifthBits: fifthBits)
                let c0 = k45Scale(scales, 0, lanes), c1 = k45Scale(scales, 1, lanes)
                let c2 = k45Scale(scales, 2, lanes), c3 = k45Scale(scales, 3, lanes)
                let d = Field.scale(x, L.d), dmin = Field.scale(x, L.dmin)
                for t in 0..<count {
                    let y = a + t * stride + b * BlockLayout.Q8_K.size
                    let ad = Field.float(y, BlockLayout.Q8_K.d)
                    minTotal[t] += dmin * ad * Float(k45MinDot(mins, y))
                    let aq = y + BlockLayout.Q8_K.qs
                    @inline(__always) func part(_ q: __m512i, _ c: __m512i, _ k: Int) -> __m512i {
                        _mm512_madd_epi16(_mm512_maddubs_epi16(q, load512(aq + 64 * k)), c)
                    }
                    let even = _mm512_add_epi32(part(q0, c0, 0), part(q2, c2, 2))
                    let odd = _mm512_add_epi32(part(q1, c1, 1), part(q3, c3, 3))
                    acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(k45Sum(even, odd)), _mm256_set1_ps(d * ad), acc[t])
                }
            }
            for t in 0..<count { out[t * outStride] = hsum(acc[t]) - minTotal[t] }
        }
    }

    static func q6_KRows(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                         _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        typealias L = BlockLayout.Q6_K
        withRowAccumulators(count) { acc, _ in
            for b in 0..<(n / 256) {
                let x = w + b * L.size
                let scales = _mm256_cvtepi8_epi16(load128(x + L.scales))
                let low = q6Quads(x, 0), high = q6Quads(x, 1)
                let lowScales = (q6Scale(scales, 0, 0), q6Scale(scales, 0, 1), q6Scale(scales, 0, 2), q6Scale(scales, 0, 3))
                let highScales = (q6Scale(scales, 1, 0), q6Scale(scales, 1, 1), q6Scale(scales, 1, 2), q6Scale(scales, 1, 3))
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
