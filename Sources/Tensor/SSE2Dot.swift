#if arch(x86_64) && !SWIFTLLM_AVX2 && !SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel

/// The SSE2 tier: dot products for a build without speed flags on x86-64.
///
/// SSE2 is part of every x86-64 CPU, so its intrinsics compile under the baseline target that
/// SwiftPM uses for a dependency built without `-Xswiftc` flags. The portable loops, compiled for
/// that baseline, run scalar (SSE2 has no byte or 32-bit lane multiply for LLVM to vectorise them
/// with); these kernels widen bytes to 16 bits and multiply-add pairs (`pmaddwd`) instead.
///
/// Every result is **bit for bit** the portable dot's: the integer block sums are
/// exact in any order, and each block's float product (d·d′·s, plus m·s′) is formed with the same
/// operations and added to the running sum in block order. Each kernel takes several activation
/// rows (`RowsDot`), unpacking a weight block once for all of them.
enum SSE2Dot {
    /// The kernels of `type`, or nil where this tier has none (the portable dot is used).
    static func kernels(for type: GGMLType) -> RowsDot? {
        switch type {
        case .q4_0: q4_0
        case .q4_1: q4_1
        case .q5_0: q5_0
        case .q5_1: q5_1
        case .q8_0: q8_0
        case .q4_K: q4_K
        case .q5_K: q5_K
        case .q6_K: q6_K
        default: nil
        }
    }

    /// A block's 32 weights as bytes: elements 0–15 and 16–31.
    typealias Block = (low: __m128i, high: __m128i)

    @inline(__always) static func load(_ p: UnsafeRawPointer) -> __m128i {
        unsafeBitCast(p.loadUnaligned(as: SIMD16<UInt8>.self), to: __m128i.self)
    }

    /// The 32 nibbles of 16 packed bytes: low nibbles (elements 0–15), then high nibbles.
    @inline(__always) static func nibbles(_ p: UnsafeRawPointer) -> Block {
        let q = load(p), mask = _mm_set1_epi8(0x0F)
        return (_mm_and_si128(q, mask), _mm_and_si128(_mm_srli_epi16(q, 4), mask))
    }

    /// Bit j of `qh` (the fifth bits of a Q5 block) as byte j: 0x10 where set, 0 where not.
    @inline(__always) static func fifthBits(_ qh: UInt32) -> Block {
        let bit = _mm_set1_epi64x(Int64(bitPattern: 0x8040_2010_0804_0201)), five = _mm_set1_epi8(0x10)
        @inline(__always) func spread(_ shift: UInt32) -> Int64 {
            Int64(bitPattern: UInt64((qh >> shift) & 0xFF) &* 0x0101_0101_0101_0101)
        }
        @inline(__always) func select(_ v: __m128i) -> __m128i {
            _mm_and_si128(_mm_cmpeq_epi8(_mm_and_si128(v, bit), bit), five)
        }
        return (select(_mm_set_epi64x(spread(8), spread(0))), select(_mm_set_epi64x(spread(24), spread(16))))
    }

    /// Eight activation quants (Int16, widened by `ActivationTail`; 16-byte aligned there).
    @inline(__always) static func quants(_ y: UnsafeRawPointer) -> __m128i {
        unsafeBitCast(y.load(as: SIMD8<Int16>.self), to: __m128i.self)
    }

    /// Σ w·y of one block with the 32 widened activation quants at `y`, as four int32 partial
    /// sums: the weight bytes are widened (with zeros, or their signs for Q8_0) and multiplied
    /// in pairs (`pmaddwd`). Exact: the products are at most 128·128.
    @inline(__always) static func blockDot(_ w: Block, _ y: UnsafeRawPointer, signed: Bool) -> __m128i {
        let zero = _mm_setzero_si128()
        let highLow = signed ? _mm_cmpgt_epi8(zero, w.low) : zero, highHigh = signed ? _mm_cmpgt_epi8(zero, w.high) : zero
        let s0 = _mm_madd_epi16(_mm_unpacklo_epi8(w.low, highLow), quants(y))
        let s1 = _mm_madd_epi16(_mm_unpackhi_epi8(w.low, highLow), quants(y + 16))
        let s2 = _mm_madd_epi16(_mm_unpacklo_epi8(w.high, highHigh), quants(y + 32))
        let s3 = _mm_madd_epi16(_mm_unpackhi_epi8(w.high, highHigh), quants(y + 48))
        return _mm_add_epi32(_mm_add_epi32(s0, s1), _mm_add_epi32(s2, s3))
    }

    /// The horizontal sums of four int32×4 vectors, as [Σa, Σb, Σc, Σd].
    @inline(__always) static func reduce4(_ a: __m128i, _ b: __m128i, _ c: __m128i, _ d: __m128i) -> __m128i {
        let ab = _mm_add_epi32(_mm_unpacklo_epi32(a, b), _mm_unpackhi_epi32(a, b))   // a0+a2, b0+b2, a1+a3, b1+b3
        let cd = _mm_add_epi32(_mm_unpacklo_epi32(c, d), _mm_unpackhi_epi32(c, d))
        return _mm_add_epi32(_mm_unpacklo_epi64(ab, cd), _mm_unpackhi_epi64(ab, cd))
    }

    /// The sum of the four int32 lanes of `v` (wrapping, as the portable loops add).
    @inline(__always) static func sum(_ v: __m128i) -> Int32 { unsafeBitCast(v, to: SIMD4<Int32>.self).wrappedSum() }

    /// Rows of a `RowsDot` call taken together: each row's running sum is one lane of a vector.
    static let rowGroup = 4
}
#endif
