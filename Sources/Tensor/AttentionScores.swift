#if SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel
#endif

extension Attention {
    /// `scores[k] = scale · (q · key k)` for the keys `first...last` of one head, each sum exactly
    /// `dotKey`'s: per key, a SIMD16 accumulator over the head's 16-float chunks, then its lanes
    /// added in order. With AVX-512 and `headDim` a multiple of 16, sixteen keys at a time: their
    /// accumulators are transposed in registers so that the in-order lane sums become sixteen
    /// vector adds, instead of a chain of fifteen scalar adds (and the shuffles to reach each
    /// lane) per key, which took most of a decode step's attention. Bit-identical either way.
    @inline(__always)
    static func keyScores(
        q: UnsafePointer<Float>, cache: Cache, kvStride: Int, kvOffset: Int, headDim: Int,
        first: Int, last: Int, scale: Float, scores: UnsafeMutablePointer<Float>
    ) {
        var k = first
        #if SWIFTLLM_X86_SIMD
        if headDim % 16 == 0 {
            let half = cache.type == .f16
            withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 16) { buffer in
                guard let accumulators = buffer.baseAddress else { return }
                while k + 16 <= last + 1 {
                    for j in 0..<16 {
                        let base = (k + j) * kvStride + kvOffset
                        // The key sixteen positions on: a cache's rows are kvHeads apart, a stride
                        // the hardware prefetcher follows late (decode batches read every
                        // sequence's cache from memory).
                        if k + j + 16 <= last { prefetchRow(cache, values: false, base + 16 * kvStride, headDim) }
                        var acc = SIMD16<Float>()
                        var i = 0
                        while i < headDim {
                            acc += UnsafeRawPointer(q + i).loadUnaligned(as: SIMD16<Float>.self)
                                * row16(cache.keys, half: half, base + i)
                            i += 16
                        }
                        accumulators[j] = acc
                    }
                    let sums = laneSumsInOrder(accumulators)
                    UnsafeMutableRawPointer(scores + k).storeBytes(of: scale * sums, as: SIMD16<Float>.self)
                    k += 16
                }
            }
        }
        #endif
        while k <= last {
            scores[k] = scale * dotKey(q, cache, k * kvStride + kvOffset, headDim)
            k += 1
        }
    }

    /// Sixteen cache elements from `element` on (of keys or values at `base`), as F32.
    @inline(__always)
    static func row16(_ base: UnsafeRawPointer, half: Bool, _ element: Int) -> SIMD16<Float> {
        half ? HalfConversion.float16(base + 2 * element) : base.loadUnaligned(fromByteOffset: 4 * element, as: SIMD16<Float>.self)
    }

    /// Asks for the cache lines of the `count` elements of the keys (or values) at `element`
    /// (AVX-512 builds; a no-op elsewhere).
    @inline(__always)
    static func prefetchRow(_ cache: Cache, values: Bool, _ element: Int, _ count: Int) {
        #if SWIFTLLM_X86_SIMD
        let size = cache.type == .f16 ? 2 : 4
        X86Dot.prefetchLines((values ? cache.values : cache.keys) + element * size, bytes: count * size)
        #endif
    }

    #if SWIFTLLM_X86_SIMD
    /// Lane j of the result is `v[j].sum()` — lanes 0…15 of `v[j]` added in order, as
    /// `SIMD.sum()` does — for sixteen vectors: a 16 × 16 transpose (four rounds of two-source
    /// permutes swapping blocks of 8, 4, 2 and 1 lanes), then the transposed rows added in order.
    @inline(__always)
    static func laneSumsInOrder(_ v: UnsafeMutablePointer<SIMD16<Float>>) -> SIMD16<Float> {
        // Round `block`: for each pair of rows (i, i + block), i's lanes with the `block` bit set
        // take the partner's lanes `block` lower, and the partner's lanes without it take i's
        // lanes `block` higher (`low` / `high` index the pair as lanes 0…15 and 16…31).
        @inline(__always) func round(_ block: Int, _ low: SIMD16<Int32>, _ high: SIMD16<Int32>) {
            let lowIndex = unsafeBitCast(low, to: __m512i.self), highIndex = unsafeBitCast(high, to: __m512i.self)
            var i = 0
            while i < 16 {
                if i & block == 0 {
                    let x = v[i], y = v[i + block]
                    v[i] = _mm512_permutex2var_ps(x, lowIndex, y)
                    v[i + block] = _mm512_permutex2var_ps(x, highIndex, y)
                }
                i += 1
            }
        }
        round(8, SIMD16(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23),
              SIMD16(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31))
        round(4, SIMD16(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27),
              SIMD16(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31))
        round(2, SIMD16(0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29),
              SIMD16(2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31))
        round(1, SIMD16(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30),
              SIMD16(1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31))
        var sum = v[0]
        for i in 1..<16 { sum += v[i] }
        return sum
    }
    #endif
}
