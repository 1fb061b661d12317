#if SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel

/// Several-rows forms of the AVX-512 kernels of the 32-element block types (`RowsDot`): each group
/// of eight weight blocks is unpacked once (quants and scales) for all the activation rows of a
/// batch (`blockSumRowsInterleaved`), and each row's arithmetic is `blockSum`'s — the same integer
/// block sums, the same float steps in the same order and the same scalar tail — so every result
/// is bit-identical to the one-row kernel on that row alone (`RowsDotTests`).
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

    static func rowsBandKernel(for type: GGMLType) -> RowsBandDot? {
        switch type {
        case .q4_0: { w, rb, wr, a, s, c, n, o, os in
            blockSumRowsInterleaved(InterleavedQ4_0.self, w, rowBytes: rb, weightRows: wr, a, stride: s, count: c, n, o, os) }
        case .q4_1: { w, rb, wr, a, s, c, n, o, os in
            blockSumRowsInterleaved(InterleavedQ4_1.self, w, rowBytes: rb, weightRows: wr, a, stride: s, count: c, n, o, os) }
        case .q5_0: { w, rb, wr, a, s, c, n, o, os in
            blockSumRowsInterleaved(InterleavedQ5_0.self, w, rowBytes: rb, weightRows: wr, a, stride: s, count: c, n, o, os) }
        case .q5_1: { w, rb, wr, a, s, c, n, o, os in
            blockSumRowsInterleaved(InterleavedQ5_1.self, w, rowBytes: rb, weightRows: wr, a, stride: s, count: c, n, o, os) }
        case .q8_0: { w, rb, wr, a, s, c, n, o, os in
            blockSumRowsInterleaved(InterleavedQ8_0.self, w, rowBytes: rb, weightRows: wr, a, stride: s, count: c, n, o, os) }
        default: nil
        }
    }

    static func q4_0Rows(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                         _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        blockSumRowsInterleaved(InterleavedQ4_0.self, w, a, stride: stride, count: count, n, out, outStride)
    }

    static func q4_1Rows(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                         _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        blockSumRowsInterleaved(InterleavedQ4_1.self, w, a, stride: stride, count: count, n, out, outStride)
    }

    static func q5_0Rows(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                         _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        blockSumRowsInterleaved(InterleavedQ5_0.self, w, a, stride: stride, count: count, n, out, outStride)
    }

    static func q5_1Rows(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                         _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        blockSumRowsInterleaved(InterleavedQ5_1.self, w, a, stride: stride, count: count, n, out, outStride)
    }

    static func q8_0Rows(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                         _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        blockSumRowsInterleaved(InterleavedQ8_0.self, w, a, stride: stride, count: count, n, out, outStride)
    }
}
#endif
