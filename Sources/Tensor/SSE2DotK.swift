#if arch(x86_64) && !SWIFTLLM_AVX2 && !SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel

/// The SSE2 kernels of Q4_K, Q5_K and Q6_K (bit-identical to `PortableDot`, see `SSE2Dot`).
///
/// A super-block's 256 weights are unpacked once to 32 vectors of eight Int16, each already
/// multiplied by its sub-block's scale (`pmullw`: at most 15·63 for Q4_K, 31·63 for Q5_K and
/// 63·128 for Q6_K, so exact); every activation row then takes Σ w·a with `pmaddwd`, the min
/// (Q4_K, Q5_K) or −32 offset (Q6_K) term from the activation's 16-element sums, and one F32 step
/// per super-block, as the portable loop does.
extension SSE2Dot {
    /// Σ of the 256 scaled weights at `w` (32 vectors of eight Int16) times the activation bytes at `y`.
    @inline(__always) static func scaledSums(_ w: UnsafePointer<__m128i>, _ y: UnsafeRawPointer) -> Int32 {
        let zero = _mm_setzero_si128()
        var acc0 = zero, acc1 = zero
        for i in 0..<16 {
            let v = load(y + 16 * i), sign = _mm_cmpgt_epi8(zero, v)
            acc0 = _mm_add_epi32(acc0, _mm_madd_epi16(w[2 * i], _mm_unpacklo_epi8(v, sign)))
            acc1 = _mm_add_epi32(acc1, _mm_madd_epi16(w[2 * i + 1], _mm_unpackhi_epi8(v, sign)))
        }
        return sum(_mm_add_epi32(acc0, acc1))
    }

    /// The eight Int16 lanes of bytes `v` (unsigned) times `scale`, low or high half.
    @inline(__always) static func scaled(_ v: __m128i, high: Bool, _ scale: __m128i) -> __m128i {
        let zero = _mm_setzero_si128()
        return _mm_mullo_epi16(high ? _mm_unpackhi_epi8(v, zero) : _mm_unpacklo_epi8(v, zero), scale)
    }

    /// The frame of the K-quant kernels: rows in groups of `rowGroup`; each super-block of `size`
    /// bytes unpacked once by `unpack` into the 32 scaled weight vectors (it returns what the rows
    /// need besides them); `term` gives one row's F32 term of the super-block from the row's Q8_K
    /// block, added to the row's sum in super-block order as the portable loop adds it.
    @inline(__always)
    static func superBlocks<Terms>(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                                   _ out: UnsafeMutablePointer<Float>, _ outStride: Int, size: Int,
                                   unpack: (_ x: UnsafeRawPointer, _ weights: UnsafeMutablePointer<__m128i>) -> Terms,
                                   term: (_ terms: Terms, _ y: UnsafeRawPointer, _ weights: UnsafePointer<__m128i>) -> Float) {
        let blocks = n / 256
        withUnsafeTemporaryAllocation(of: __m128i.self, capacity: 32) { buffer in
            let weights = buffer.baseAddress!
            var first = 0
            while first < count {
                let rows = Swift.min(rowGroup, count - first)
                var sums = SIMD4<Float>()
                for b in 0..<blocks {
                    let terms = unpack(w + b * size, weights)
                    for t in 0..<rows {
                        sums[t] += term(terms, a + (first + t) * stride + b * BlockLayout.Q8_K.size, weights)
                    }
                }
                for t in 0..<rows { out[(first + t) * outStride] = sums[t] }
                first += rows
            }
        }
    }

    static func q4_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                     _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        typealias L = BlockLayout.Q4_K
        fourOrFive(w, a, stride, count, n, out, outStride, size: L.size, qs: L.qs, qh: nil)
    }

    static func q5_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                     _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        typealias L = BlockLayout.Q5_K
        fourOrFive(w, a, stride, count, n, out, outStride, size: L.size, qs: L.qs, qh: L.qh)
    }

    /// Q4_K, or Q5_K when `qh` (the offset of its 32 fifth-bit bytes: bit j of byte l is bit 4 of
    /// element l of sub-block j) is given. d, dmin and the scales lie where Q4_K has them.
    @inline(__always)
    static func fourOrFive(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                           _ out: UnsafeMutablePointer<Float>, _ outStride: Int, size: Int, qs: Int, qh: Int?) {
        typealias L = BlockLayout.Q4_K
        typealias A = BlockLayout.Q8_K
        let low = _mm_set1_epi8(0x0F), one = _mm_set1_epi8(0x01), zero = _mm_setzero_si128()
        /// Bit `j` of each byte of `h`, moved to bit 4.
        @inline(__always) func fifth(_ h: __m128i, _ j: Int) -> __m128i {
            _mm_slli_epi16(_mm_and_si128(_mm_srli_epi16(h, Int32(j)), one), 4)
        }
        superBlocks(w, a, stride, count, n, out, outStride, size: size, unpack: { x, weights in
            let (scales, mins) = Field.scalesAndMinsK4(x + L.scales)
            let hA = qh.map { load(x + $0) } ?? zero, hB = qh.map { load(x + $0 + 16) } ?? zero
            // Sub-block 2k: the low nibbles of the 32 bytes at qs + 32k; 2k + 1: their high nibbles.
            for k in 0..<4 {
                let q0 = load(x + qs + 32 * k), q1 = load(x + qs + 32 * k + 16)
                let s0 = _mm_set1_epi16(Int16((scales >> UInt64(16 * k)) & 0xFF))
                let s1 = _mm_set1_epi16(Int16((scales >> UInt64(16 * k + 8)) & 0xFF))
                var l0 = _mm_and_si128(q0, low), l1 = _mm_and_si128(q1, low)
                var h0 = _mm_and_si128(_mm_srli_epi16(q0, 4), low), h1 = _mm_and_si128(_mm_srli_epi16(q1, 4), low)
                if qh != nil {
                    l0 = _mm_or_si128(l0, fifth(hA, 2 * k)); l1 = _mm_or_si128(l1, fifth(hB, 2 * k))
                    h0 = _mm_or_si128(h0, fifth(hA, 2 * k + 1)); h1 = _mm_or_si128(h1, fifth(hB, 2 * k + 1))
                }
                let v = weights + 8 * k
                v[0] = scaled(l0, high: false, s0); v[1] = scaled(l0, high: true, s0)
                v[2] = scaled(l1, high: false, s0); v[3] = scaled(l1, high: true, s0)
                v[4] = scaled(h0, high: false, s1); v[5] = scaled(h0, high: true, s1)
                v[6] = scaled(h1, high: false, s1); v[7] = scaled(h1, high: true, s1)
            }
            // Each min twice, against the two 16-element sums of its sub-block.
            let pairs = _mm_unpacklo_epi8(_mm_cvtsi64_si128(Int64(bitPattern: mins)), _mm_cvtsi64_si128(Int64(bitPattern: mins)))
            return (minLow: _mm_unpacklo_epi8(pairs, zero), minHigh: _mm_unpackhi_epi8(pairs, zero),
                    d: Field.scale(x, L.d), dmin: Field.scale(x, L.dmin))
        }, term: { terms, y, weights in
            let sumi = scaledSums(weights, y + A.qs)
            let summ = sum(_mm_add_epi32(_mm_madd_epi16(terms.minLow, load(y + A.bsums)),
                                         _mm_madd_epi16(terms.minHigh, load(y + A.bsums + 16))))
            let ad = Field.float(y, A.d)
            return terms.d * ad * Float(sumi) - terms.dmin * ad * Float(summ)
        })
    }

    static func q6_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                     _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        typealias L = BlockLayout.Q6_K
        typealias A = BlockLayout.Q8_K
        let low = _mm_set1_epi8(0x0F), two = _mm_set1_epi8(0x03), zero = _mm_setzero_si128()
        superBlocks(w, a, stride, count, n, out, outStride, size: L.size, unpack: { x, weights in
            let sc = (x + L.scales).assumingMemoryBound(to: Int8.self)
            // Chunk (h, k): elements 128h + 32k …+31, scales 8h + 2k (first 16) and 8h + 2k + 1.
            for h in 0..<2 {
                for k in 0..<4 {
                    let g = 8 * h + 2 * k
                    @inline(__always) func six(_ half: Int) -> __m128i {
                        let src = load(x + L.ql + 64 * h + 32 * (k % 2) + 16 * half)
                        let nib = _mm_and_si128(_mm_srli_epi16(src, Int32(4 * (k / 2))), low)
                        let high = _mm_and_si128(_mm_srli_epi16(load(x + L.qh + 32 * h + 16 * half), Int32(2 * k)), two)
                        return _mm_or_si128(nib, _mm_slli_epi16(high, 4))
                    }
                    let first16 = six(0), second16 = six(1)
                    let s0 = _mm_set1_epi16(Int16(sc[g])), s1 = _mm_set1_epi16(Int16(sc[g + 1]))
                    let v = weights + 2 * g
                    v[0] = scaled(first16, high: false, s0); v[1] = scaled(first16, high: true, s0)
                    v[2] = scaled(second16, high: false, s1); v[3] = scaled(second16, high: true, s1)
                }
            }
            let all = load(x + L.scales), allSign = _mm_cmpgt_epi8(zero, all)
            return (scLow: _mm_unpacklo_epi8(all, allSign), scHigh: _mm_unpackhi_epi8(all, allSign), d: Field.scale(x, L.d))
        }, term: { terms, y, weights in
            // Σ sc·(v − 32)·a = Σ sc·v·a − 32·Σ_g sc_g·(Σ of the group's 16 activations).
            let offset = sum(_mm_add_epi32(_mm_madd_epi16(terms.scLow, load(y + A.bsums)),
                                           _mm_madd_epi16(terms.scHigh, load(y + A.bsums + 16))))
            let sumi = scaledSums(weights, y + A.qs) &- (offset &<< 5)
            return terms.d * Field.float(y, A.d) * Float(sumi)
        })
    }
}
#endif
