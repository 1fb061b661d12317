#if SWIFTLLM_AVX2
import _Builtin_intrinsics.intel

/// The AVX2 kernels of Q4_K and Q6_K, with the avx512 tier's float steps (`X86Dot.kQuant4or5`,
/// `X86Dot.q6_K`).
///
/// A super-block's 256 weights are unpacked once to eight byte vectors of 32 elements with their
/// 16-bit scales; every activation row then takes scale·Σ q·a with `vpmaddubsw` + `vpmaddwd`
/// into eight int32 lanes (lane l: bytes 4l…4l+3 of every 32), Q6_K's −32 offset lane by lane
/// from the activation's 16-element sums, and one F32 multiply-add of the lanes per super-block
/// into the row's accumulator; Q4_K's min term is a scalar sum per row, taken off at the end.
extension AVX2Dot {
    typealias Eight = (__m256i, __m256i, __m256i, __m256i, __m256i, __m256i, __m256i, __m256i)

    /// Σ over a super-block's eight 32-element chunks of `scales[k]` · (chunk `k` of `weights` ·
    /// the activation bytes at `y + 32k`), as eight int32: unsigned weight bytes times signed
    /// activations (`vpmaddubsw`), each 16-bit pair sum times its 16-bit scale (`vpmaddwd`).
    @inline(__always) static func scaledSums(_ weights: Eight, _ scales: Eight, _ y: UnsafeRawPointer) -> __m256i {
        @inline(__always) func part(_ q: __m256i, _ offset: Int, _ s: __m256i) -> __m256i {
            _mm256_madd_epi16(_mm256_maddubs_epi16(q, load256(y + offset)), s)
        }
        return _mm256_add_epi32(
            _mm256_add_epi32(_mm256_add_epi32(part(weights.0, 0, scales.0), part(weights.1, 32, scales.1)),
                             _mm256_add_epi32(part(weights.2, 64, scales.2), part(weights.3, 96, scales.3))),
            _mm256_add_epi32(_mm256_add_epi32(part(weights.4, 128, scales.4), part(weights.5, 160, scales.5)),
                             _mm256_add_epi32(part(weights.6, 192, scales.6), part(weights.7, 224, scales.7))))
    }

    static func q4_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                     _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        q4_KBand(w, 0, 1, a, stride, count, n, out, outStride)
    }

    static func q6_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                     _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        q6_KBand(w, 0, 1, a, stride, count, n, out, outStride)
    }

    /// The two f16 values at `p` (Q4_K's d and dmin) as F32, with one
    /// `vcvtph2ps` (exact for every finite half, subnormals included, as `Field.scale`; the
    /// 32-bit load zero-extends, so no false dependency). Two scalar conversions in integer
    /// registers per super-block were a fifth of the Q4_K kernel's instructions at one token.
    @inline(__always) static func halfPair(_ p: UnsafeRawPointer) -> (Float, Float) {
        let both = _mm_cvtph_ps(_mm_cvtsi32_si128(Int32(bitPattern: p.loadUnaligned(as: UInt32.self))))
        return (both[0], both[1])
    }

    /// The f16 value at `p` as F32 (`halfPair`'s conversion, reading only its two bytes: Q6_K's
    /// d ends its block).
    @inline(__always) static func half(_ p: UnsafeRawPointer) -> Float {
        _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(Int32(p.loadUnaligned(as: UInt16.self)))))
    }

    /// The byte-shuffle indices that copy 16-bit lane `j` of a 128-bit half to all eight of its lanes.
    @inline(__always) static func wordBroadcast(_ j: Int) -> __m256i {
        _mm256_set1_epi16(Int16(2 * j) | Int16(2 * j + 1) << 8)
    }

    /// Weight rows `weights…` (`weightRows` of them, `rowBytes` apart) times `count` activation
    /// rows: (row r, activation t) at `out[r + t · outStride]`, one call for a worker's band.
    static func q4_KBand(_ weights: UnsafeRawPointer, _ rowBytes: Int, _ weightRows: Int, _ a: UnsafeRawPointer,
                         _ stride: Int, _ count: Int, _ n: Int, _ output: UnsafeMutablePointer<Float>, _ outStride: Int) {
        typealias L = BlockLayout.Q4_K
        typealias A = BlockLayout.Q8_K
        let blocks = n / 256
        let low = _mm256_set1_epi8(0x0F)
        // Per activation row of a group: its accumulator of eight lanes, then its min term.
        withUnsafeTemporaryAllocation(of: __m256.self, capacity: rowGroup + 1) { buffer in
            let acc = buffer.baseAddress.unsafelyUnwrapped
            let minTotals = UnsafeMutableRawPointer(acc + rowGroup).bindMemory(to: Float.self, capacity: rowGroup)
            for row in 0..<weightRows {
                let w = weights + row * rowBytes, out = output + row
                var first = 0
                while first < count {
                    let rows = Swift.min(rowGroup, count - first)
                    for t in 0..<rows {
                        acc[t] = _mm256_setzero_ps()
                        minTotals[t] = 0
                    }
                    for b in 0..<blocks {
                        let x = w + b * L.size
                        let (scales, mins) = Field.scalesAndMinsK4(x + L.scales)
                        let words = _mm_cvtepu8_epi16(_mm_cvtsi64_si128(Int64(bitPattern: scales)))
                        let scaleWords = _mm256_set_m128i(words, words)
                        @inline(__always) func scale(_ j: Int) -> __m256i { _mm256_shuffle_epi8(scaleWords, wordBroadcast(j)) }
                        let minPairs = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(_mm_cvtsi64_si128(Int64(bitPattern: mins)),
                                                                              _mm_cvtsi64_si128(Int64(bitPattern: mins))))
                        let q0 = load256(x + L.qs), q1 = load256(x + L.qs + 32), q2 = load256(x + L.qs + 64), q3 = load256(x + L.qs + 96)
                        let l0 = _mm256_and_si256(q0, low), h0 = _mm256_and_si256(_mm256_srli_epi16(q0, 4), low)
                        let l1 = _mm256_and_si256(q1, low), h1 = _mm256_and_si256(_mm256_srli_epi16(q1, 4), low)
                        let l2 = _mm256_and_si256(q2, low), h2 = _mm256_and_si256(_mm256_srli_epi16(q2, 4), low)
                        let l3 = _mm256_and_si256(q3, low), h3 = _mm256_and_si256(_mm256_srli_epi16(q3, 4), low)
                        let s0 = scale(0), s1 = scale(1), s2 = scale(2), s3 = scale(3)
                        let s4 = scale(4), s5 = scale(5), s6 = scale(6), s7 = scale(7)
                        let (d, dmin) = halfPair(x + L.d)
                        for t in 0..<rows {
                            let y = a + (first + t) * stride + b * A.size, yq = y + A.qs
                            let sums = scaledSums((l0, h0, l1, h1, l2, h2, l3, h3), (s0, s1, s2, s3, s4, s5, s6, s7), yq)
                            let summ = hsum(_mm256_madd_epi16(load256(y + A.bsums), minPairs))
                            let ad = Field.float(y, A.d)
                            minTotals[t] += dmin * ad * Float(summ)
                            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), _mm256_set1_ps(d * ad), acc[t])
                        }
                    }
                    for t in 0..<rows { out[(first + t) * outStride] = acc[t].sum() - minTotals[t] }
                    first += rows
                }
            }
        }
    }

    static func q6_KBand(_ weights: UnsafeRawPointer, _ rowBytes: Int, _ weightRows: Int, _ a: UnsafeRawPointer,
                         _ stride: Int, _ count: Int, _ n: Int, _ output: UnsafeMutablePointer<Float>, _ outStride: Int) {
        typealias L = BlockLayout.Q6_K
        typealias A = BlockLayout.Q8_K
        let blocks = n / 256
        let low = _mm256_set1_epi8(0x0F), two = _mm256_set1_epi8(0x03)
        // Per activation row of a group: its accumulator of eight lanes.
        withUnsafeTemporaryAllocation(of: __m256.self, capacity: rowGroup) { buffer in
            let acc = buffer.baseAddress.unsafelyUnwrapped
            for row in 0..<weightRows {
                let w = weights + row * rowBytes, out = output + row
                var first = 0
                while first < count {
                    let rows = Swift.min(rowGroup, count - first)
                    for t in 0..<rows { acc[t] = _mm256_setzero_ps() }
                    for b in 0..<blocks {
                        let x = w + b * L.size
                        let sc = (x + L.scales).assumingMemoryBound(to: Int8.self)
                        // Chunk c = 4h + k: elements 128h + 32k …+31, scales 8h + 2k (first 16) and 8h + 2k + 1.
                        @inline(__always) func chunk(_ h: Int, _ k: Int) -> __m256i {
                            let src = load256(x + L.ql + 64 * h + 32 * (k % 2))
                            let nib = _mm256_and_si256(_mm256_srl_epi16(src, _mm_cvtsi32_si128(Int32(4 * (k / 2)))), low)
                            let high = _mm256_and_si256(_mm256_srl_epi16(load256(x + L.qh + 32 * h), _mm_cvtsi32_si128(Int32(2 * k))), two)
                            return _mm256_or_si256(nib, _mm256_slli_epi16(high, 4))
                        }
                        @inline(__always) func scales(_ h: Int, _ k: Int) -> __m256i {
                            let g = 8 * h + 2 * k
                            return _mm256_set_m128i(_mm_set1_epi16(Int16(sc[g + 1])), _mm_set1_epi16(Int16(sc[g])))
                        }
                        let v0 = chunk(0, 0), v1 = chunk(0, 1), v2 = chunk(0, 2), v3 = chunk(0, 3)
                        let v4 = chunk(1, 0), v5 = chunk(1, 1), v6 = chunk(1, 2), v7 = chunk(1, 3)
                        let c0 = scales(0, 0), c1 = scales(0, 1), c2 = scales(0, 2), c3 = scales(0, 3)
                        let c4 = scales(1, 0), c5 = scales(1, 1), c6 = scales(1, 2), c7 = scales(1, 3)
                        let all = _mm256_cvtepi8_epi16(load128(x + L.scales))
                        let d = half(x + L.d)
                        for t in 0..<rows {
                            let y = a + (first + t) * stride + b * A.size, yq = y + A.qs
                            // Σ sc·(v − 32)·a = Σ sc·v·a − 32·Σ_g sc_g·(Σ of the group's 16 activations), lane
                            // by lane as the avx512 tier's `q6BlockInts` leaves them.
                            let offsets = _mm256_slli_epi32(_mm256_madd_epi16(all, load256(y + A.bsums)), 5)
                            let sums = _mm256_sub_epi32(
                                scaledSums((v0, v1, v2, v3, v4, v5, v6, v7), (c0, c1, c2, c3, c4, c5, c6, c7), yq), offsets)
                            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), _mm256_set1_ps(d * Field.float(y, A.d)), acc[t])
                        }
                    }
                    for t in 0..<rows { out[(first + t) * outStride] = acc[t].sum() }
                    first += rows
                }
            }
        }
    }
}
#endif
