#if SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel

/// Several-rows forms of the AVX-512 kernels of the 32-element block types (`RowsDot`): each group
/// of eight weight blocks is unpacked once (quants and scales) for all the activation rows of a
/// batch (`blockSumRowsInterleaved`), and each row's arithmetic is `blockSum`'s — the same integer
/// block sums, the same float steps in the same order and the same scalar tail — so every result
/// is bit-identical to the one-row kernel on that row alone (`RowsDotTests`).
extension X86Dot {
    static func rowsKernel(for type: GGMLType) -> RowsDot? {
        guard let band = rowsBandKernel(for: type) else { return kRowsKernel(for: type) }
        return { w, a, stride, count, n, out, outStride in band(w, 0, 1, a, stride, count, n, out, outStride) }
    }

    static func rowsBandKernel(for type: GGMLType) -> RowsBandDot? {
        switch type {
        case .q4_0: interleavedBand(InterleavedQ4_0.self)
        case .q4_1: interleavedBand(InterleavedQ4_1.self)
        case .q5_0: interleavedBand(InterleavedQ5_0.self)
        case .q5_1: interleavedBand(InterleavedQ5_1.self)
        case .q8_0: interleavedBand(InterleavedQ8_0.self)
        default: nil
        }
    }

    /// `blockSumRowsInterleaved` for format `F` as a `RowsBandDot`.
    @inline(__always) static func interleavedBand<F: InterleavedFormat>(_: F.Type) -> RowsBandDot {
        { w, rowBytes, weightRows, a, stride, count, n, out, outStride in
            blockSumRowsInterleaved(F.self, w, rowBytes: rowBytes, weightRows: weightRows, a, stride: stride, count: count,
                                    n, out, outStride)
        }
    }
}
#endif
