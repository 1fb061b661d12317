#if SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel

/// AVX2 / AVX-512 (VL, BW, VNNI) dot products for the 32-element block types.
///
/// One block is one 256-bit vector; `vpdpbusd` multiplies unsigned weights by signed
/// activations. Offsets (−8, −16) are applied as a `vpdpbusd` of the offset with −a that the
/// block's dot starts from. Eight blocks' int32 lanes are summed into one vector (`reduce8`) and
/// scaled by eight scale products at once; the f16 scales are gathered in integer registers.
/// Q4_0 and Q4_1 keep the high nibbles in place (a byte mask instead of a shift): those lanes
/// come out 16× too large, exactly, and are divided back before the halves are added. Each row
/// is read front to back on its own: a four-row kernel that interleaved the rows block by block
/// (to share the activation work) ran at a third of the memory bandwidth — the hardware
/// prefetcher does not follow four interleaved streams. Loads go through `loadUnaligned`
/// (blocks are 18, 20, 22… bytes apart, see ARCHITECTURE.md).
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

    @inline(__always) static func hsum(_ v: __m256) -> Float {
        v.sum()
    }

    /// The 32 nibbles of 16 packed bytes as bytes: low nibbles first, then high nibbles.
    @inline(__always) static func nibbles(_ p: UnsafeRawPointer) -> __m256i {
        let both = _mm256_broadcastsi128_si256(load128(p))
        return _mm256_and_si256(_mm256_srlv_epi64(both, _mm256_set_epi64x(4, 4, 0, 0)), _mm256_set1_epi8(0x0F))
    }

    /// The fifth bits of a Q5 block (u32, bit j for element j) as bytes 0x10 / 0x00.
    @inline(__always) static func fifthBits(_ qh: UInt32) -> __m256i {
        _mm256_maskz_mov_epi8(qh, _mm256_set1_epi8(0x10))
    }

    /// Low nibbles in the low 128 bits, high nibbles (×16, unshifted) in the high 128 bits.
    /// (Computed, not stored: a stored static is initialised lazily through `swift_once`, which
    /// the hot loop would call.)
    @inline(__always) static var nibbleMask: __m256i {
        unsafeBitCast(SIMD32<UInt8>(lowHalf: SIMD16(repeating: 0x0F), highHalf: SIMD16(repeating: 0xF0)), to: __m256i.self)
    }
    /// The Q4_0 offset 8 in the same layout: 8 for low nibbles, 8·16 for the unshifted high ones.
    @inline(__always) static var nibbleOffset: __m256i {
        unsafeBitCast(SIMD32<UInt8>(lowHalf: SIMD16(repeating: 8), highHalf: SIMD16(repeating: 128)), to: __m256i.self)
    }
    /// Undoes the ×16 of the high-nibble lanes (4…7): exact, a power of two.
    @inline(__always) static var nibbleLanes: __m256 { _mm256_setr_ps(1, 1, 1, 1, 1.0 / 16, 1.0 / 16, 1.0 / 16, 1.0 / 16) }

    /// Eight f16 fields `stride` bytes apart as F32, packed in integer registers (two 64-bit
    /// words) so that only two vector inserts are needed instead of eight.
    @inline(__always) static func halves8Packed(_ p: UnsafeRawPointer, stride: Int) -> __m256 {
        @inline(__always) func h(_ i: Int) -> UInt64 { UInt64(p.loadUnaligned(fromByteOffset: i * stride, as: UInt16.self)) }
        let low = h(0) | h(1) << 16 | h(2) << 32 | h(3) << 48
        let high = h(4) | h(5) << 16 | h(6) << 32 | h(7) << 48
        return _mm256_cvtph_ps(_mm_set_epi64x(Int64(bitPattern: high), Int64(bitPattern: low)))
    }

    /// Horizontal sums of eight int32×8 vectors, as one vector [Σt0, …, Σt7]. With `highScaled`
    /// the lanes of each vector's high 128 bits hold 16× their value (unshifted high nibbles) and
    /// are divided back exactly (they are multiples of 16) before the halves are added.
    @inline(__always) static func reduce8(
        _ t0: __m256i, _ t1: __m256i, _ t2: __m256i, _ t3: __m256i,
        _ t4: __m256i, _ t5: __m256i, _ t6: __m256i, _ t7: __m256i, highScaled: Bool
    ) -> __m256i {
        // `vphaddd` adds within 128-bit halves, so low and high halves stay apart until the end.
        let h0123 = _mm256_hadd_epi32(_mm256_hadd_epi32(t0, t1), _mm256_hadd_epi32(t2, t3))
        let h4567 = _mm256_hadd_epi32(_mm256_hadd_epi32(t4, t5), _mm256_hadd_epi32(t6, t7))
        let low = _mm256_permutex2var_epi32(h0123, _mm256_setr_epi32(0, 1, 2, 3, 8, 9, 10, 11), h4567)
        let high = _mm256_permutex2var_epi32(h0123, _mm256_setr_epi32(4, 5, 6, 7, 12, 13, 14, 15), h4567)
        return _mm256_add_epi32(low, highScaled ? _mm256_srai_epi32(high, 4) : high)
    }

    /// The dot product of one weight row with Q8_0/Q8_1 activations, eight blocks per step.
    ///
    /// - `start(aq)`: the int32 lanes a block's dot starts from (the offset term −offset·Σa of
    ///   Q4_0/Q5_0).
    /// - `dot(x, start, aq)`: one weight block's int32 lanes (`x` is the block).
    /// - `affine`: add m_w·s_a per block (Q4_1/Q5_1 with Q8_1 activations).
    /// - `highScaled`: the high 128 bits of `dot`'s lanes are 16× (see `nibbleMask`).
    @inline(__always) static func legacyRow(
        _ x: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int,
        wSize: Int, aSize: Int, affine: Bool, highScaled: Bool,
        start: (_ aq: __m256i) -> __m256i,
        dot: (_ x: UnsafeRawPointer, _ start: __m256i, _ aq: __m256i) -> __m256i
    ) -> Float {
        let aQs = affine ? BlockLayout.Q8_1.qs : BlockLayout.Q8_0.qs
        let blocks = n / 32
        var acc = _mm256_setzero_ps(), tailAcc = _mm256_setzero_ps()
        var b = 0
        while b + 8 <= blocks {
            let xb = x + b * wSize, ya = a + b * aSize
            @inline(__always) func t(_ k: Int) -> __m256i {
                let aq = load256(ya + k * aSize + aQs)
                return dot(xb + k * wSize, start(aq), aq)
            }
            let sums = reduce8(t(0), t(1), t(2), t(3), t(4), t(5), t(6), t(7), highScaled: highScaled)
            let d = _mm256_mul_ps(halves8Packed(xb, stride: wSize), halves8Packed(ya, stride: aSize))
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), d, acc)
            if affine {
                acc = _mm256_fmadd_ps(halves8Packed(xb + 2, stride: wSize), halves8Packed(ya + BlockLayout.Q8_1.s, stride: aSize), acc)
            }
            b += 8
        }
        var tail: Float = 0
        while b < blocks {
            let xb = x + b * wSize, ya = a + b * aSize
            let aq = load256(ya + aQs)
            let lanes = _mm256_cvtepi32_ps(dot(xb, start(aq), aq))
            tailAcc = _mm256_fmadd_ps(lanes, _mm256_set1_ps(Field.scale(xb, 0) * Field.scale(ya, 0)), tailAcc)
            if affine { tail += Field.scale(xb, 2) * Field.scale(ya, BlockLayout.Q8_1.s) }
            b += 1
        }
        if highScaled { tailAcc = _mm256_mul_ps(tailAcc, nibbleLanes) }
        return hsum(_mm256_add_ps(acc, tailAcc)) + tail
    }

    static func q4_0(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        let zero = _mm256_setzero_si256()
        return legacyRow(w, a, n, wSize: 18, aSize: 34, affine: false, highScaled: true,
                         start: { aq in _mm256_dpbusd_avx_epi32(zero, nibbleOffset, _mm256_sub_epi8(zero, aq)) },
                         dot: { x, s, aq in
                             _mm256_dpbusd_avx_epi32(s, _mm256_and_si256(_mm256_broadcastsi128_si256(load128(x + 2)), nibbleMask), aq)
                         })
    }

    static func q4_1(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        legacyRow(w, a, n, wSize: 20, aSize: 36, affine: true, highScaled: true,
                  start: { _ in _mm256_setzero_si256() },
                  dot: { x, s, aq in
                      _mm256_dpbusd_avx_epi32(s, _mm256_and_si256(_mm256_broadcastsi128_si256(load128(x + 4)), nibbleMask), aq)
                  })
    }

    static func q5_0(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        let zero = _mm256_setzero_si256()
        return legacyRow(w, a, n, wSize: 22, aSize: 34, affine: false, highScaled: false,
                         start: { aq in _mm256_dpbusd_avx_epi32(zero, _mm256_set1_epi8(16), _mm256_sub_epi8(zero, aq)) },
                         dot: { x, s, aq in
                             _mm256_dpbusd_avx_epi32(s, _mm256_or_si256(nibbles(x + 6), fifthBits(Field.u32(x, 2))), aq)
                         })
    }

    static func q5_1(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        legacyRow(w, a, n, wSize: 24, aSize: 36, affine: true, highScaled: false,
                  start: { _ in _mm256_setzero_si256() },
                  dot: { x, s, aq in
                      _mm256_dpbusd_avx_epi32(s, _mm256_or_si256(nibbles(x + 8), fifthBits(Field.u32(x, 4))), aq)
                  })
    }

    static func q8_0(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        // Sign trick: |w| · (a with w's sign), exact because activations avoid −128.
        legacyRow(w, a, n, wSize: 34, aSize: 34, affine: false, highScaled: false,
                  start: { _ in _mm256_setzero_si256() },
                  dot: { x, s, aq in
                      let q = load256(x + 2)
                      return _mm256_dpbusd_avx_epi32(s, _mm256_abs_epi8(q), _mm256_sign_epi8(aq, q))
                  })
    }
}
#endif
