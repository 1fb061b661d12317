#if SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel

/// Four-row dot products for the 32-element block types: four weight rows against one
/// activation row, so the activation loads, the activation scales and the shared part of the
/// offset arithmetic are paid once per four rows.
///
/// Each block's int32 lanes are converted to F32 and accumulated with that block's scale
/// product (weight × activation, eight blocks' worth converted at a time), so no horizontal sum
/// happens before the end of the row. Q4_0 and Q4_1 keep the high nibbles in place (a byte mask
/// instead of a shift): those lanes come out 16× too large, exactly, and are scaled once at the end.
extension X86Dot {
    static func fourRowKernel(for type: GGMLType) -> VecDot4? {
        switch type {
        case .q4_0: q4_0x4
        case .q4_1: q4_1x4
        case .q5_0: q5_0x4
        case .q5_1: q5_1x4
        case .q8_0: q8_0x4
        default: nil
        }
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

    /// Lane `k` of `v` in every lane.
    @inline(__always) static func lane(_ v: __m256, _ k: Int32) -> __m256 {
        _mm256_permutevar8x32_ps(v, _mm256_set1_epi32(k))
    }

    /// The four-row kernel of a 32-element block type whose activations are Q8_0 or Q8_1.
    ///
    /// - `start(aq)`: the int32 lanes a block's dot starts from, shared by the four rows (the
    ///   offset term −offset·Σa of Q4_0/Q5_0, zero otherwise).
    /// - `dot(x, start, aq)`: one weight block's int32 lanes (`x` is the block).
    /// - `affine`: add m_w·s_a per block (Q4_1/Q5_1 with Q8_1 activations).
    /// - `lanes`: per-lane factor applied to the F32 accumulators at the end.
    @inline(__always) static func legacyRows(
        _ w: UnsafeRawPointer, _ rowBytes: Int, _ a: UnsafeRawPointer, _ n: Int, _ y: UnsafeMutablePointer<Float>,
        wSize: Int, aSize: Int, affine: Bool, lanes: __m256?,
        start: (_ aq: __m256i) -> __m256i,
        dot: (_ x: UnsafeRawPointer, _ start: __m256i, _ aq: __m256i) -> __m256i
    ) {
        let aQs = affine ? BlockLayout.Q8_1.qs : BlockLayout.Q8_0.qs
        let blocks = n / 32
        var acc0 = _mm256_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0
        var min0 = acc0, min1 = acc0, min2 = acc0, min3 = acc0
        let w1 = w + rowBytes, w2 = w + 2 * rowBytes, w3 = w + 3 * rowBytes
        var b = 0
        while b + 8 <= blocks {
            let ya = a + b * aSize
            let a0 = load256(ya + aQs), a1 = load256(ya + aSize + aQs), a2 = load256(ya + 2 * aSize + aQs)
            let a3 = load256(ya + 3 * aSize + aQs), a4 = load256(ya + 4 * aSize + aQs)
            let a5 = load256(ya + 5 * aSize + aQs), a6 = load256(ya + 6 * aSize + aQs), a7 = load256(ya + 7 * aSize + aQs)
            let s0 = start(a0), s1 = start(a1), s2 = start(a2), s3 = start(a3)
            let s4 = start(a4), s5 = start(a5), s6 = start(a6), s7 = start(a7)
            let da = halves8Packed(ya, stride: aSize)
            let sa = affine ? halves8Packed(ya + BlockLayout.Q8_1.s, stride: aSize) : _mm256_setzero_ps()
            let offset = b * wSize
            @inline(__always) func row(_ x: UnsafeRawPointer, _ acc: inout __m256, _ minAcc: inout __m256) {
                let d = _mm256_mul_ps(halves8Packed(x, stride: wSize), da)
                @inline(__always) func step(_ k: Int32, _ s: __m256i, _ aq: __m256i) {
                    let t = dot(x + Int(k) * wSize, s, aq)
                    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(t), lane(d, k), acc)
                }
                step(0, s0, a0); step(1, s1, a1); step(2, s2, a2); step(3, s3, a3)
                step(4, s4, a4); step(5, s5, a5); step(6, s6, a6); step(7, s7, a7)
                if affine { minAcc = _mm256_fmadd_ps(halves8Packed(x + 2, stride: wSize), sa, minAcc) }
            }
            row(w + offset, &acc0, &min0)
            row(w1 + offset, &acc1, &min1)
            row(w2 + offset, &acc2, &min2)
            row(w3 + offset, &acc3, &min3)
            b += 8
        }
        var tail0: Float = 0, tail1: Float = 0, tail2: Float = 0, tail3: Float = 0
        while b < blocks {
            let ya = a + b * aSize
            let aq = load256(ya + aQs), s = start(aq)
            let da = Field.scale(ya, 0), sa = affine ? Field.scale(ya, BlockLayout.Q8_1.s) : 0
            let offset = b * wSize
            @inline(__always) func row(_ x: UnsafeRawPointer, _ acc: inout __m256, _ tail: inout Float) {
                let t = dot(x, s, aq)
                acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(t), _mm256_set1_ps(Field.scale(x, 0) * da), acc)
                if affine { tail += Field.scale(x, 2) * sa }
            }
            row(w + offset, &acc0, &tail0)
            row(w1 + offset, &acc1, &tail1)
            row(w2 + offset, &acc2, &tail2)
            row(w3 + offset, &acc3, &tail3)
            b += 1
        }
        @inline(__always) func total(_ acc: __m256, _ minAcc: __m256, _ tail: Float) -> Float {
            let scaled = lanes.map { _mm256_mul_ps(acc, $0) } ?? acc
            return hsum(affine ? _mm256_add_ps(scaled, minAcc) : scaled) + tail
        }
        y[0] = total(acc0, min0, tail0)
        y[1] = total(acc1, min1, tail1)
        y[2] = total(acc2, min2, tail2)
        y[3] = total(acc3, min3, tail3)
    }

    static func q4_0x4(_ w: UnsafeRawPointer, _ rowBytes: Int, _ a: UnsafeRawPointer, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        let zero = _mm256_setzero_si256()
        legacyRows(w, rowBytes, a, n, y, wSize: 18, aSize: 34, affine: false, lanes: nibbleLanes,
                   start: { aq in _mm256_dpbusd_avx_epi32(zero, nibbleOffset, _mm256_sub_epi8(zero, aq)) },
                   dot: { x, s, aq in
                       _mm256_dpbusd_avx_epi32(s, _mm256_and_si256(_mm256_broadcastsi128_si256(load128(x + 2)), nibbleMask), aq)
                   })
    }

    static func q4_1x4(_ w: UnsafeRawPointer, _ rowBytes: Int, _ a: UnsafeRawPointer, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        legacyRows(w, rowBytes, a, n, y, wSize: 20, aSize: 36, affine: true, lanes: nibbleLanes,
                   start: { _ in _mm256_setzero_si256() },
                   dot: { x, s, aq in
                       _mm256_dpbusd_avx_epi32(s, _mm256_and_si256(_mm256_broadcastsi128_si256(load128(x + 4)), nibbleMask), aq)
                   })
    }

    static func q5_0x4(_ w: UnsafeRawPointer, _ rowBytes: Int, _ a: UnsafeRawPointer, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        let zero = _mm256_setzero_si256()
        legacyRows(w, rowBytes, a, n, y, wSize: 22, aSize: 34, affine: false, lanes: nil,
                   start: { aq in _mm256_dpbusd_avx_epi32(zero, _mm256_set1_epi8(16), _mm256_sub_epi8(zero, aq)) },
                   dot: { x, s, aq in
                       _mm256_dpbusd_avx_epi32(s, _mm256_or_si256(nibbles(x + 6), fifthBits(Field.u32(x, 2))), aq)
                   })
    }

    static func q5_1x4(_ w: UnsafeRawPointer, _ rowBytes: Int, _ a: UnsafeRawPointer, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        legacyRows(w, rowBytes, a, n, y, wSize: 24, aSize: 36, affine: true, lanes: nil,
                   start: { _ in _mm256_setzero_si256() },
                   dot: { x, s, aq in
                       _mm256_dpbusd_avx_epi32(s, _mm256_or_si256(nibbles(x + 8), fifthBits(Field.u32(x, 4))), aq)
                   })
    }

    static func q8_0x4(_ w: UnsafeRawPointer, _ rowBytes: Int, _ a: UnsafeRawPointer, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        // Sign trick as in `q8_0`: |w| · (a with w's sign), exact because activations avoid −128.
        legacyRows(w, rowBytes, a, n, y, wSize: 34, aSize: 34, affine: false, lanes: nil,
                   start: { _ in _mm256_setzero_si256() },
                   dot: { x, s, aq in
                       let q = load256(x + 2)
                       return _mm256_dpbusd_avx_epi32(s, _mm256_abs_epi8(q), _mm256_sign_epi8(aq, q))
                   })
    }
}
#endif
