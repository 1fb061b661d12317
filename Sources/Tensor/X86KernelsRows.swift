#if SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel

/// Several-rows forms of the AVX-512 kernels of the 32-element block types (`RowsDot`): each group
/// of eight weight blocks is unpacked once (quants and scales) for all the activation rows of a
/// batch, and each row's arithmetic is `blockSum`'s step for step — the same products, the same
/// `reduce8`, the same accumulation order and scalar tail — so every result is bit-identical to
/// the one-row kernel on that row alone (`RowsDotTests`).
extension X86Dot {
    static func rowsKernel(for type: GGMLType) -> RowsDot? {
        switch type {
        case .q4_0: q4_0Rows
        case .q4_1: q4_1Rows
        case .q5_0: q5_0Rows
        case .q5_1: q5_1Rows
        case .q8_0: q8_0Rows
        default: kRowsKernel(for: type)
        }
    }

    typealias Unpacked8 = (__m256i, __m256i, __m256i, __m256i, __m256i, __m256i, __m256i, __m256i)

    /// `blockSum` for `count` activation rows `stride` bytes apart, results to `out[t · outStride]`.
    /// `unpack(x)` gives a weight block's bytes as used by `dot(q, y)`, which multiplies them with
    /// the 32 activation quants at `y`.
    @inline(__always) static func blockSumRows(
        _ w: UnsafeRawPointer, _ a: UnsafeRawPointer, stride: Int, count: Int, _ n: Int,
        _ out: UnsafeMutablePointer<Float>, _ outStride: Int,
        wSize: Int, aSize: Int, offset: Int32, affine: Bool, highShift: Int32 = 0, prefetching: Bool = true,
        unpack: (_ x: UnsafeRawPointer) -> __m256i, dot: (_ q: __m256i, _ y: UnsafeRawPointer) -> __m256i
    ) {
        let blocks = n / 32
        let shift = Int32(offset.trailingZeroBitCount)
        let grouped = blocks / 8 * 8
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: max(count, 1)) { accs in
            let acc = accs.baseAddress.unsafelyUnwrapped
            acc.initialize(repeating: SIMD8<Float>(), count: count)
            var b = 0
            while b < grouped {
                let x = w + b * wSize
                if prefetching { prefetch(x, bytes: 8 * wSize) }
                let q: Unpacked8 = (unpack(x), unpack(x + wSize), unpack(x + 2 * wSize), unpack(x + 3 * wSize),
                                    unpack(x + 4 * wSize), unpack(x + 5 * wSize), unpack(x + 6 * wSize),
                                    unpack(x + 7 * wSize))
                let wd = weightHalves8(x, stride: wSize, field: 0)
                let wm = affine ? weightHalves8(x, stride: wSize, field: 2) : _mm256_setzero_ps()
                for t in 0..<count {
                    let (aScales, aSecond, aq) = ActivationTail.parts(a + t * stride, blocks: blocks, size: aSize)
                    let y = aq + b * 32
                    var sums = reduce8(dot(q.0, y), dot(q.1, y + 32), dot(q.2, y + 64), dot(q.3, y + 96),
                                       dot(q.4, y + 128), dot(q.5, y + 160), dot(q.6, y + 192), dot(q.7, y + 224),
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
            for t in 0..<count {
                out[t * outStride] = blockTail(w, a + t * stride, from: grouped, blocks: blocks, sum: hsum(acc[t]),
                                               wSize: wSize, aSize: aSize, offset: offset, affine: affine,
                                               highShift: highShift) { x, y in dot(unpack(x), y) }
            }
        }
    }

    static func q4_0Rows(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                         _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        blockSumRows(w, a, stride: stride, count: count, n, out, outStride, wSize: 18, aSize: 34, offset: 8,
                     affine: false, highShift: 4, unpack: { packedNibbles($0 + 2) }, dot: dotBytes)
    }

    static func q4_1Rows(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                         _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        blockSumRows(w, a, stride: stride, count: count, n, out, outStride, wSize: 20, aSize: 36, offset: 0,
                     affine: true, highShift: 4, unpack: { packedNibbles($0 + 4) }, dot: dotBytes)
    }

    static func q5_0Rows(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                         _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        blockSumRows(w, a, stride: stride, count: count, n, out, outStride, wSize: 22, aSize: 34, offset: 16,
                     affine: false, unpack: { _mm256_or_si256(nibbles($0 + 6), fifthBits(Field.u32($0, 2))) },
                     dot: dotBytes)
    }

    static func q5_1Rows(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                         _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        blockSumRows(w, a, stride: stride, count: count, n, out, outStride, wSize: 24, aSize: 36, offset: 0,
                     affine: true, unpack: { _mm256_or_si256(nibbles($0 + 8), fifthBits(Field.u32($0, 4))) },
                     dot: dotBytes)
    }

    static func q8_0Rows(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                         _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        blockSumRows(w, a, stride: stride, count: count, n, out, outStride, wSize: 34, aSize: 34, offset: 0,
                     affine: false, prefetching: false, unpack: { load256($0 + 2) }) { q, y in
            _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(q), _mm256_sign_epi8(load256(y), q))
        }
    }
}
#endif
