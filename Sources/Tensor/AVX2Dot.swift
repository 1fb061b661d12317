#if SWIFTLLM_AVX2
import _Builtin_intrinsics.intel

/// The AVX2 tier: dot products for x86-64 CPUs with AVX2 but without the AVX-512 set the
/// `X86Dot` kernels need (built with `-DSWIFTLLM_AVX2 -target-cpu native`, see scripts/flags.sh).
///
/// The kernels take the avx512 tier's float steps, in its order (see `legacyBand` and `q4_K`); the
/// integer sums are exact in any order, so the two tiers should give the same bits (one build has
/// one tier, so no test compares them). Against `PortableDot` only the float additions' order
/// differs. Every kernel gives a row computed in a batch the bits it has alone.
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

    /// The band form (several weight rows per call) of the kernels of `type`, where this tier has one.
    static func bandKernels(for type: GGMLType) -> RowsBandDot? {
        switch type {
        case .q4_0: q4_0Band
        case .q4_1: q4_1Band
        case .q5_0: q5_0Band
        case .q5_1: q5_1Band
        case .q8_0: q8_0Band
        case .q4_K: q4_KBand
        case .q6_K: q6_KBand
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

    /// The sum of the eight int32 lanes of `v` (wrapping, as the portable loops add).
    @inline(__always) static func hsum(_ v: __m256i) -> Int32 {
        unsafeBitCast(v, to: SIMD8<Int32>.self).wrappedSum()
    }

    @inline(__always) static func loadFloats(_ p: UnsafeRawPointer) -> __m256 {
        p.loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Activation rows of a K-quant call in groups of at most this many: each super-block is
    /// unpacked once per group, and the group's accumulators fit a small stack buffer.
    static let rowGroup = 8
}
#endif
