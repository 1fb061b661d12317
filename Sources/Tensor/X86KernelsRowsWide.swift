#if SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel

/// `blockSumRows` with 512-bit products: two weight blocks per register, unpacked once per group
/// for all rows, so each row's eight blocks take four `vpdpbusd` and a shuffle tree shorter than
/// `reduce8`'s `vphaddd` chain. The block sums are integers, exact in any order, so they equal
/// `reduce8`'s bit for bit, and each row's float steps are `blockSum`'s: results stay identical to
/// the one-row kernel (`RowsDotTests`). This is what a step that checks drafted tokens
/// (`Model.forwardSteps`) and a decode batch spend their time in.
extension X86Dot {
    typealias Wide4 = (__m512i, __m512i, __m512i, __m512i)

    @inline(__always) static func widen(_ a: __m256i, _ b: __m256i) -> __m512i {
        let halves: __m512i = SIMD8<Int64>(0, 1, 2, 3, 8, 9, 10, 11)
        return _mm512_permutex2var_epi64(_mm512_castsi256_si512(a), halves, _mm512_castsi256_si512(b))
    }

    /// The eight block sums of `reduce8`, from four registers that each hold two blocks' lanes
    /// ([block 2j | block 2j+1]); `highShift` as in `reduce8` (each block's upper four lanes).
    @inline(__always) static func reduceWide(_ v0: __m512i, _ v1: __m512i, _ v2: __m512i, _ v3: __m512i,
                                             highShift: Int32) -> __m256i {
        let s01 = _mm512_add_epi32(_mm512_unpacklo_epi32(v0, v1), _mm512_unpackhi_epi32(v0, v1))
        let s23 = _mm512_add_epi32(_mm512_unpacklo_epi32(v2, v3), _mm512_unpackhi_epi32(v2, v3))
        // 128-bit lane k, element j: the sum of register j's lane k. Lanes 0 and 1 are the even
        // blocks' lower and upper halves, lanes 2 and 3 the odd blocks'.
        let r = _mm512_add_epi32(_mm512_unpacklo_epi64(s01, s23), _mm512_unpackhi_epi64(s01, s23))
        let lower = unsafeBitCast(SIMD16<Int32>(0, 8, 1, 9, 2, 10, 3, 11, 0, 0, 0, 0, 0, 0, 0, 0), to: __m512i.self)
        let upper = unsafeBitCast(SIMD16<Int32>(4, 12, 5, 13, 6, 14, 7, 15, 0, 0, 0, 0, 0, 0, 0, 0), to: __m512i.self)
        let low = _mm512_castsi512_si256(_mm512_permutexvar_epi32(lower, r))
        let high = _mm512_castsi512_si256(_mm512_permutexvar_epi32(upper, r))
        return _mm256_add_epi32(low, highShift == 0 ? high : _mm256_srai_epi32(high, highShift))
    }

    /// `blockSumRows` for weights whose unpacked bytes multiply the activation quants directly
    /// (`dotBytes`: Q4_0, Q4_1, Q5_0, Q5_1), or, with `signed`, Q8_0's signed bytes.
    @inline(__always) static func blockSumRowsWide(
        _ w: UnsafeRawPointer, _ a: UnsafeRawPointer, stride: Int, count: Int, _ n: Int,
        _ out: UnsafeMutablePointer<Float>, _ outStride: Int,
        wSize: Int, aSize: Int, offset: Int32, affine: Bool, highShift: Int32 = 0, prefetching: Bool = true,
        signed: Bool = false, unpack: (_ x: UnsafeRawPointer) -> __m256i, dot: (_ q: __m256i, _ y: UnsafeRawPointer) -> __m256i
    ) {
        let blocks = n / 32
        let shift = Int32(offset.trailingZeroBitCount)
        let grouped = blocks / 8 * 8
        let zero = _mm512_setzero_si512()
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: max(count, 1)) { accs in
            let acc = accs.baseAddress.unsafelyUnwrapped
            acc.initialize(repeating: SIMD8<Float>(), count: count)
            var b = 0
            while b < grouped {
                let x = w + b * wSize
                if prefetching { prefetch(x, bytes: 8 * wSize) }
                var q: Wide4 = (widen(unpack(x), unpack(x + wSize)), widen(unpack(x + 2 * wSize), unpack(x + 3 * wSize)),
                                widen(unpack(x + 4 * wSize), unpack(x + 5 * wSize)), widen(unpack(x + 6 * wSize), unpack(x + 7 * wSize)))
                // Q8_0: |q| against the activations with q's sign (vpsignb has no 512-bit form).
                var negative: (__mmask64, __mmask64, __mmask64, __mmask64) = (0, 0, 0, 0)
                if signed {
                    negative = (_mm512_movepi8_mask(q.0), _mm512_movepi8_mask(q.1), _mm512_movepi8_mask(q.2), _mm512_movepi8_mask(q.3))
                    q = (_mm512_abs_epi8(q.0), _mm512_abs_epi8(q.1), _mm512_abs_epi8(q.2), _mm512_abs_epi8(q.3))
                }
                let wd = weightHalves8(x, stride: wSize, field: 0)
                let wm = affine ? weightHalves8(x, stride: wSize, field: 2) : _mm256_setzero_ps()
                for t in 0..<count {
                    let (aScales, aSecond, aq) = ActivationTail.parts(a + t * stride, blocks: blocks, size: aSize)
                    let y = aq + b * 32
                    @inline(__always) func product(_ q: __m512i, _ negative: __mmask64, _ y: UnsafeRawPointer) -> __m512i {
                        var v = _mm512_load_si512(y)
                        if signed { v = _mm512_mask_sub_epi8(v, negative, zero, v) }
                        return _mm512_dpbusd_epi32(zero, q, v)
                    }
                    var sums = reduceWide(product(q.0, negative.0, y), product(q.1, negative.1, y + 64),
                                          product(q.2, negative.2, y + 128), product(q.3, negative.3, y + 192),
                                          highShift: highShift)
                    if offset != 0 {
                        let aSums = unsafeBitCast((aSecond + 4 * b).loadUnaligned(as: SIMD8<Int32>.self), to: __m256i.self)
                        sums = _mm256_sub_epi32(sums, _mm256_sll_epi32(aSums, _mm_cvtsi32_si128(shift)))
                    }
                    let ad = (aScales + 4 * b).loadUnaligned(as: SIMD8<Float>.self)
                    let d = _mm256_mul_ps(wd, ad)
                    var v = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), d, acc[t])
                    if affine {
                        let s = (aSecond + 4 * b).loadUnaligned(as: SIMD8<Float>.self)
                        v = _mm256_fmadd_ps(wm, s, v)
                    }
                    acc[t] = v
                }
                b += 8
            }
            rowsTail(w, a, stride: stride, count: count, blocks: blocks, from: grouped, acc: acc, out, outStride,
                     wSize: wSize, aSize: aSize, offset: offset, affine: affine, highShift: highShift, unpack: unpack, dot: dot)
        }
    }

    /// The blocks after the last group of eight (SmolLM2's 576 columns leave two), for all rows:
    /// each block's integer sums for eight rows at a time come from one `reduce8` (equal to
    /// `blockTail`'s lane sums, integers being exact), then each row adds its blocks in
    /// `blockTail`'s float steps and order.
    @inline(__always) static func rowsTail(
        _ w: UnsafeRawPointer, _ a: UnsafeRawPointer, stride: Int, count: Int, blocks: Int, from first: Int,
        acc: UnsafeMutablePointer<SIMD8<Float>>, _ out: UnsafeMutablePointer<Float>, _ outStride: Int,
        wSize: Int, aSize: Int, offset: Int32, affine: Bool, highShift: Int32,
        unpack: (_ x: UnsafeRawPointer) -> __m256i, dot: (_ q: __m256i, _ y: UnsafeRawPointer) -> __m256i
    ) {
        let tail = blocks - first
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: max(tail * count, 1)) { totals in
            withUnsafeTemporaryAllocation(of: __m256i.self, capacity: 8) { products in
                for k in 0..<tail {
                    let b = first + k
                    let q = unpack(w + b * wSize)
                    var t0 = 0
                    while t0 < count {
                        let rows = min(8, count - t0)
                        for r in 0..<8 {
                            products[r] = r < rows
                                ? dot(q, ActivationTail.parts(a + (t0 + r) * stride, blocks: blocks, size: aSize).quants + b * 32)
                                : _mm256_setzero_si256()
                        }
                        let sums = unsafeBitCast(reduce8(products[0], products[1], products[2], products[3], products[4],
                                                         products[5], products[6], products[7], highShift: highShift),
                                                 to: SIMD8<Int32>.self)
                        for r in 0..<rows { totals[k * count + t0 + r] = sums[r] }
                        t0 += 8
                    }
                }
            }
            for t in 0..<count {
                let (aScales, aSecond, _) = ActivationTail.parts(a + t * stride, blocks: blocks, size: aSize)
                var sum = hsum(acc[t])
                for k in 0..<tail {
                    let b = first + k, x = w + b * wSize
                    var total = totals[k * count + t]
                    if offset != 0 { total &-= offset &* aSecond.loadUnaligned(fromByteOffset: 4 * b, as: Int32.self) }
                    let ad = aScales.loadUnaligned(fromByteOffset: 4 * b, as: Float.self)
                    sum += Field.scale(x, 0) * ad * Float(total)
                    if affine { sum += Field.scale(x, 2) * aSecond.loadUnaligned(fromByteOffset: 4 * b, as: Float.self) }
                }
                out[t * outStride] = sum
            }
        }
    }
}
#endif
