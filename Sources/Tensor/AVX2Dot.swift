#if SWIFTLLM_AVX2
import _Builtin_intrinsics.intel

/// The AVX2 tier: dot products for x86-64 CPUs with AVX2 but without the AVX-512 set the
/// `X86Dot` kernels need (built with `-DSWIFTLLM_AVX2 -target-cpu native`, see scripts/flags.sh).
///
/// Every kernel here computes **bit for bit** what `PortableDot` computes: the integer sums are
/// exact in any order, and the float steps (per block for the 32-element types, per super-block
/// for the K-quants) are the same operations in the same order, eight blocks' products side by
/// side in one vector and then added to the running sum one lane at a time. So switching tiers
/// moves no logit, and a row computed in a batch equals the row computed alone.
///
/// Each kernel takes several activation rows (`RowsDot`): a weight block is unpacked once and
/// multiplied with every row, which is what makes a decode batch of several sequences cheaper
/// than the same sequences one by one.
enum AVX2Dot {
    /// The kernels of `type`, or nil where this tier has none (the portable dot is used).
    static func kernels(for type: GGMLType) -> RowsDot? {
        switch type {
        case .q4_0: q4_0
        case .q4_1: q4_1
        case .q5_0: q5_0
        case .q5_1: q5_1
        case .q8_0: q8_0
        case .q4_K: q4_K
        case .q6_K: q6_K
        default: nil
        }
    }

    // MARK: helpers

    @inline(__always) static func load128(_ p: UnsafeRawPointer) -> __m128i {
        unsafeBitCast(p.loadUnaligned(as: SIMD16<UInt8>.self), to: __m128i.self)
    }

    @inline(__always) static func load256(_ p: UnsafeRawPointer) -> __m256i {
        unsafeBitCast(p.loadUnaligned(as: SIMD32<UInt8>.self), to: __m256i.self)
    }

    /// The 32 nibbles of 16 packed bytes as bytes: low nibbles first, then high nibbles.
    @inline(__always) static func nibbles(_ p: UnsafeRawPointer) -> __m256i {
        let both = _mm256_broadcastsi128_si256(load128(p))
        return _mm256_and_si256(_mm256_srlv_epi64(both, _mm256_set_epi64x(4, 4, 0, 0)), _mm256_set1_epi8(0x0F))
    }

    /// Bit j of `qh` (the fifth bits of a Q5 block) as byte j: 0x10 where set, 0 where not.
    @inline(__always) static func fifthBits(_ qh: UInt32) -> __m256i {
        let spread = _mm256_shuffle_epi8(_mm256_set1_epi32(Int32(bitPattern: qh)), _mm256_set_epi64x(
            0x0303_0303_0303_0303, 0x0202_0202_0202_0202, 0x0101_0101_0101_0101, 0))
        let bit = _mm256_set1_epi64x(Int64(bitPattern: 0x8040_2010_0804_0201))
        return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit), _mm256_set1_epi8(0x10))
    }

    /// Σ of unsigned bytes `u` times signed bytes `s` by groups of four, as eight int32. Exact
    /// while `u` ≤ 128 and |s| ≤ 127 (the 16-bit pair sums then stay within 2·128·127), which
    /// holds for every caller: weights are at most 6-bit, or |Q8_0| ≤ 128; activations are
    /// quantized to ±127.
    @inline(__always) static func dotBytes(_ u: __m256i, _ s: __m256i) -> __m256i {
        _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1))
    }

    /// Horizontal sums of eight int32×8 vectors, as one vector [Σt0, …, Σt7].
    @inline(__always) static func reduce8(
        _ t0: __m256i, _ t1: __m256i, _ t2: __m256i, _ t3: __m256i,
        _ t4: __m256i, _ t5: __m256i, _ t6: __m256i, _ t7: __m256i
    ) -> __m256i {
        let h0123 = unsafeBitCast(_mm256_hadd_epi32(_mm256_hadd_epi32(t0, t1), _mm256_hadd_epi32(t2, t3)), to: SIMD8<Int32>.self)
        let h4567 = unsafeBitCast(_mm256_hadd_epi32(_mm256_hadd_epi32(t4, t5), _mm256_hadd_epi32(t6, t7)), to: SIMD8<Int32>.self)
        return unsafeBitCast(SIMD8(lowHalf: h0123.lowHalf &+ h0123.highHalf, highHalf: h4567.lowHalf &+ h4567.highHalf),
                             to: __m256i.self)
    }

    /// The sum of the eight int32 lanes of `v` (wrapping, as the portable loops add).
    @inline(__always) static func hsum(_ v: __m256i) -> Int32 {
        unsafeBitCast(v, to: SIMD8<Int32>.self).wrappedSum()
    }

    /// `sum` plus the eight lanes of `p`, added one after another as the portable loop adds them.
    @inline(__always) static func addLanes(_ sum: Float, _ p: __m256) -> Float {
        let v = p
        var s = sum
        s += v[0]; s += v[1]; s += v[2]; s += v[3]; s += v[4]; s += v[5]; s += v[6]; s += v[7]
        return s
    }

    @inline(__always) static func loadFloats(_ p: UnsafeRawPointer) -> __m256 {
        p.loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Rows of a `RowsDot` call in groups of at most this many: each group's running sums stay in
    /// one vector.
    static let rowGroup = 8
}
#endif
