#if SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel
import CPrefetch

/// AVX2 / AVX-512 (VL, BW, VNNI) dot products for the 32-element block types.
///
/// One block is one 256-bit vector: nibbles are expanded by broadcasting the 16 packed bytes to
/// both halves and shifting the upper half by 4; `vpdpbusd` multiplies unsigned weights by signed
/// activations. Offsets (−8, −16) are applied once per block from the activation sums.
/// Loads go through `loadUnaligned` (blocks are 18, 20, 22… bytes apart, see ARCHITECTURE.md).
extension X86Dot {
    static func intrinsicsKernel(for type: GGMLType) -> VecDot? {
        switch type {
        case .bf16: bf16
        case .q4_0: q4_0
        case .q4_1: q4_1
        case .q5_0: q5_0
        case .q5_1: q5_1
        case .q8_0: q8_0
        case .q2_K: q2_K
        case .q3_K: q3_K
        case .q4_K: q4_K
        case .q5_K: q5_K
        case .q6_K: q6_K
        default: nil
        }
    }

    @inline(__always) static func load128(_ p: UnsafeRawPointer) -> __m128i {
        unsafeBitCast(p.loadUnaligned(as: SIMD16<UInt8>.self), to: __m128i.self)
    }

    @inline(__always) static func load256(_ p: UnsafeRawPointer) -> __m256i {
        unsafeBitCast(p.loadUnaligned(as: SIMD32<UInt8>.self), to: __m256i.self)
    }

    @inline(__always) static func load512(_ p: UnsafeRawPointer) -> __m512i {
        unsafeBitCast(p.loadUnaligned(as: SIMD64<UInt8>.self), to: __m512i.self)
    }

    @inline(__always) static func hsum(_ v: __m256) -> Float {
        v.sum()
    }

    /// The 32 nibbles of 16 packed bytes as bytes: low nibbles first, then high nibbles.
    @inline(__always) static func nibbles(_ p: UnsafeRawPointer) -> __m256i {
        let both = _mm256_broadcastsi128_si256(load128(p))
        return _mm256_and_si256(_mm256_srlv_epi64(both, _mm256_set_epi64x(4, 4, 0, 0)), _mm256_set1_epi8(0x0F))
    }

    /// The 16 packed bytes of a Q4 block as 32 bytes: low nibbles, then the high nibbles still in
    /// place (16 times their value). One `vpand` instead of a shift and a `vpand`; `vpdpbusd`
    /// products stay within int32 (240·127·4), and the upper lanes' sums are exact multiples of
    /// 16, so `reduce8(highShift: 4)` recovers the same integers as `nibbles` would give.
    @inline(__always) static func packedNibbles(_ p: UnsafeRawPointer) -> __m256i {
        _mm256_and_si256(_mm256_broadcastsi128_si256(load128(p)), _mm256_set_epi64x(
            Int64(bitPattern: 0xF0F0_F0F0_F0F0_F0F0), Int64(bitPattern: 0xF0F0_F0F0_F0F0_F0F0),
            0x0F0F_0F0F_0F0F_0F0F, 0x0F0F_0F0F_0F0F_0F0F))
    }

    /// The fifth bits of a Q5 block (u32, bit j for element j) as bytes 0x10 / 0x00.
    @inline(__always) static func fifthBits(_ qh: UInt32) -> __m256i {
        _mm256_maskz_mov_epi8(qh, _mm256_set1_epi8(0x10))
    }

    /// Horizontal sums of eight int32×8 vectors, as one vector [Σt0, …, Σt7]. With
    /// `highShift`, the upper four lanes of each vector are shifted right by it before they are
    /// added to the lower four (see `packedNibbles`).
    @inline(__always) static func reduce8(
        _ t0: __m256i, _ t1: __m256i, _ t2: __m256i, _ t3: __m256i,
        _ t4: __m256i, _ t5: __m256i, _ t6: __m256i, _ t7: __m256i, highShift: Int32 = 0
    ) -> __m256i {
        let h0123 = _mm256_hadd_epi32(_mm256_hadd_epi32(t0, t1), _mm256_hadd_epi32(t2, t3))
        let h4567 = _mm256_hadd_epi32(_mm256_hadd_epi32(t4, t5), _mm256_hadd_epi32(t6, t7))
        let low = _mm256_permutex2var_epi32(h0123, _mm256_setr_epi32(0, 1, 2, 3, 8, 9, 10, 11), h4567)
        let high = _mm256_permutex2var_epi32(h0123, _mm256_setr_epi32(4, 5, 6, 7, 12, 13, 14, 15), h4567)
        return _mm256_add_epi32(low, highShift == 0 ? high : _mm256_srai_epi32(high, highShift))
    }

    /// Eight f16 fields `stride` bytes apart, as F32.
    @inline(__always) static func halves8(_ p: UnsafeRawPointer, stride: Int) -> __m256 {
        @inline(__always) func h(_ i: Int) -> Int16 { p.loadUnaligned(fromByteOffset: i * stride, as: Int16.self) }
        return _mm256_cvtph_ps(_mm_set_epi16(h(7), h(6), h(5), h(4), h(3), h(2), h(1), h(0)))
    }

    /// Eight f16 fields of eight consecutive blocks as F32, for blocks whose fields in each group of
    /// four lie within 64 bytes (stride ≤ 20): two 64-byte loads and one word permute instead of
    /// eight scalar loads. `field` is the byte offset in the block (even). The loads are masked to
    /// the four fields: LLVM would otherwise rebuild the nibble loads of the same bytes out of
    /// these registers with a chain of shuffles.
    @inline(__always) static func packedHalves8(_ x: UnsafeRawPointer, stride: Int, field: Int) -> __m256 {
        var words = SIMD32<Int16>()
        var mask: UInt32 = 0
        for k in 0..<4 {
            let word = (k * stride + field) / 2
            words[k] = Int16(word)
            words[4 + k] = 32 + Int16(word)
            mask |= 1 << UInt32(word)
        }
        let first = _mm512_maskz_loadu_epi16(mask, x)
        let second = _mm512_maskz_loadu_epi16(mask, x + 4 * stride)
        let index = unsafeBitCast(words, to: __m512i.self)
        return _mm256_cvtph_ps(_mm512_castsi512_si128(_mm512_permutex2var_epi16(first, index, second)))
    }

    /// Eight f16 weight fields of eight consecutive `stride`-byte blocks as F32.
    @inline(__always) static func weightHalves8(_ x: UnsafeRawPointer, stride: Int, field: Int) -> __m256 {
        stride <= 20 ? packedHalves8(x, stride: stride, field: field) : halves8(x + field, stride: stride)
    }

    /// Bytes ahead of the weights being read that `prefetch` requests. The hardware prefetcher
    /// alone left Q4_0/Q4_1 matvecs at 0.7–0.9 of the read bandwidth on Zen 4; 4 KiB ahead brings
    /// them to ~1.0 (`swiftllm bench kernels`, 2 threads; 1 and 2 KiB helped less, 8 and 16 KiB
    /// not more). The K-quant, float and Q8_0 kernels measured no faster with it.
    static var prefetchDistance: Int { 4096 }

    /// Prefetches the cache lines `prefetchDistance` bytes ahead of the `bytes` bytes at `x`.
    @inline(__always) static func prefetch(_ x: UnsafeRawPointer, bytes: Int) {
        prefetchLines(x + prefetchDistance, bytes: bytes)
    }

    /// Prefetches the 64-byte cache lines of the `bytes` bytes from `start`, one request per line.
    @inline(__always) static func prefetchLines(_ start: UnsafeRawPointer, bytes: Int) {
        var line = 0
        while line < bytes {
            swiftllm_prefetch(start + line)
            line += 64
        }
    }

    /// Σ over blocks of d_w·d_a·Σ(q − offset)·a (+ m_w·s_a when `affine`), eight blocks per step
    /// so that the scales are converted and applied eight at a time. `dot(x, y)` gives one block's
    /// Σq·a as int32 lanes from the weight block `x` and the block's 32 activation quants `y`
    /// (the aligned copy in the activations' `ActivationTail`, which also supplies d_a, s_a as F32
    /// and Σa); the offset is applied after the lanes are summed, as offset·Σa.
    @inline(__always) static func blockSum(
        _ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int, wSize: Int, aSize: Int, offset: Int32, affine: Bool,
        highShift: Int32 = 0, prefetching: Bool = true, _ dot: (_ x: UnsafeRawPointer, _ y: UnsafeRawPointer) -> __m256i
    ) -> Float {
        let blocks = n / 32
        let (aScales, aSecond, aq) = ActivationTail.parts(a, blocks: blocks, size: aSize)
        let shift = Int32(offset.trailingZeroBitCount)
        var acc = _mm256_setzero_ps()
        typealias Dots = (__m256i, __m256i, __m256i, __m256i, __m256i, __m256i, __m256i, __m256i)
        @inline(__always) func dots(_ b: Int) -> Dots {
            let x = w + b * wSize, y = aq + b * 32
            if prefetching { prefetch(x, bytes: 8 * wSize) }
            return (dot(x, y), dot(x + wSize, y + 32), dot(x + 2 * wSize, y + 64), dot(x + 3 * wSize, y + 96),
                    dot(x + 4 * wSize, y + 128), dot(x + 5 * wSize, y + 160), dot(x + 6 * wSize, y + 192),
                    dot(x + 7 * wSize, y + 224))
        }
        @inline(__always) func finish(_ b: Int, _ t: Dots) {
            let x = w + b * wSize
            var sums = reduce8(t.0, t.1, t.2, t.3, t.4, t.5, t.6, t.7, highShift: highShift)
            if offset != 0 {
                let aSums = unsafeBitCast((aSecond + 4 * b).loadUnaligned(as: SIMD8<Int32>.self), to: __m256i.self)
                sums = _mm256_sub_epi32(sums, _mm256_sll_epi32(aSums, _mm_cvtsi32_si128(shift)))
            }
            let ad = (aScales + 4 * b).loadUnaligned(as: SIMD8<Float>.self)
            let d = _mm256_mul_ps(weightHalves8(x, stride: wSize, field: 0), ad)
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), d, acc)
            if affine {
                let s = (aSecond + 4 * b).loadUnaligned(as: SIMD8<Float>.self)
                acc = _mm256_fmadd_ps(weightHalves8(x, stride: wSize, field: 2), s, acc)
            }
        }
        // Software-pipelined: the next eight blocks' loads and products are issued before this
        // group's reduction, whose dependency chain would otherwise fill the scheduler (+4–10%
        // cache-resident, bench kernels).
        var b = 0
        if blocks >= 8 {
            var current = dots(0)
            while b + 16 <= blocks {
                let upcoming = dots(b + 8)
                finish(b, current)
                current = upcoming
                b += 8
            }
            finish(b, current)
            b += 8
        }
        return blockTail(w, a, from: b, blocks: blocks, sum: hsum(acc), wSize: wSize, aSize: aSize, offset: offset,
                         affine: affine, highShift: highShift, dot)
    }

    /// `blockSum`'s blocks from `first` on (fewer than eight), one at a time, added to `sum`.
    @inline(__always) static func blockTail(
        _ w: UnsafeRawPointer, _ a: UnsafeRawPointer, from first: Int, blocks: Int, sum start: Float,
        wSize: Int, aSize: Int, offset: Int32, affine: Bool, highShift: Int32,
        _ dot: (_ x: UnsafeRawPointer, _ y: UnsafeRawPointer) -> __m256i
    ) -> Float {
        let (aScales, aSecond, aq) = ActivationTail.parts(a, blocks: blocks, size: aSize)
        var sum = start
        var b = first
        while b < blocks {
            let x = w + b * wSize, y = aq + b * 32
            let lanes = unsafeBitCast(dot(x, y), to: SIMD8<Int32>.self)
            var total = lanes.lowHalf.wrappedSum() &+ (lanes.highHalf.wrappedSum() >> highShift)
            if offset != 0 { total &-= offset &* aSecond.loadUnaligned(fromByteOffset: 4 * b, as: Int32.self) }
            let ad = aScales.loadUnaligned(fromByteOffset: 4 * b, as: Float.self)
            sum += Field.scale(x, 0) * ad * Float(total)
            if affine { sum += Field.scale(x, 2) * aSecond.loadUnaligned(fromByteOffset: 4 * b, as: Float.self) }
            b += 1
        }
        return sum
    }

    @inline(__always) static func dotBytes(_ q: __m256i, _ a: UnsafeRawPointer) -> __m256i {
        _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), q, load256(a))
    }

    static func q4_0(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        blockSum(w, a, n, wSize: 18, aSize: 34, offset: 8, affine: false, highShift: 4) { x, y in
            dotBytes(packedNibbles(x + 2), y)
        }
    }

    static func q4_1(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        blockSum(w, a, n, wSize: 20, aSize: 36, offset: 0, affine: true, highShift: 4) { x, y in
            dotBytes(packedNibbles(x + 4), y)
        }
    }

    static func q5_0(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        blockSum(w, a, n, wSize: 22, aSize: 34, offset: 16, affine: false) { x, y in
            dotBytes(_mm256_or_si256(nibbles(x + 6), fifthBits(Field.u32(x, 2))), y)
        }
    }

    static func q5_1(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        blockSum(w, a, n, wSize: 24, aSize: 36, offset: 0, affine: true) { x, y in
            dotBytes(_mm256_or_si256(nibbles(x + 8), fifthBits(Field.u32(x, 4))), y)
        }
    }

    static func q8_0(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        // Sign trick: |w| · (a with w's sign) — exact because activations avoid −128. No software
        // prefetch: Q8_0 reads twice the bytes per product, and the hardware prefetcher keeps up
        // (with it, 10% slower from cache and no faster from memory).
        blockSum(w, a, n, wSize: 34, aSize: 34, offset: 0, affine: false, prefetching: false) { x, y in
            let q = load256(x + 2)
            return _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(q), _mm256_sign_epi8(load256(y), q))
        }
    }
}
#endif
