/// Scalar reference dequantizers: the specification every faster kernel is tested against.
///
/// Each function reads whole blocks and writes `blocks × blockSize` floats, computing exactly what
/// ggml's reference code (and the Python `gguf.quants` package) computes, in the same F32
/// operation order, so results are bit-identical.
public enum Quants {
    /// Dequantizes `count` elements of `type` at `src` into `dst` (F32, F16 and BF16 are converted).
    ///
    /// `count` must be a whole number of blocks. Supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0,
    /// Q5_1, Q8_0, Q8_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K.
    ///
    /// ```swift
    /// try Quants.dequantize(.q4_0, from: rowPointer, into: floats, count: 4096)
    /// ```
    public static func dequantize(
        _ type: GGMLType, from src: UnsafeRawPointer, into dst: UnsafeMutablePointer<Float>, count: Int
    ) throws(KernelError) {
        guard count >= 0, count % type.blockSize == 0 else { throw .notWholeBlocks(type, count: count) }
        guard let block = blockDequantizer(type) else {
            throw .unsupportedType(type, operation: "dequantize")
        }
        switch type {
        case .f32:
            UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: count * 4)
        case .f16:
            for i in 0..<count { dst[i] = Float(Float16(bitPattern: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
        case .bf16:
            for i in 0..<count { dst[i] = Float(bitPattern: UInt32(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16) }
        default:
            for b in 0..<(count / type.blockSize) { block(src + b * type.typeSize, dst + b * type.blockSize) }
        }
    }

    /// Whether `dequantize` supports `type`.
    public static func canDequantize(_ type: GGMLType) -> Bool { blockDequantizer(type) != nil }

    typealias BlockDequantizer = (UnsafeRawPointer, UnsafeMutablePointer<Float>) -> Void

    static func blockDequantizer(_ type: GGMLType) -> BlockDequantizer? {
        switch type {
        case .f32: { p, y in y[0] = Field.float(p, 0) }
        case .f16: { p, y in y[0] = Field.half(p, 0) }
        case .bf16: { p, y in y[0] = Float(bitPattern: UInt32(p.loadUnaligned(as: UInt16.self)) << 16) }
        case .q4_0: dequantizeQ4_0
        case .q4_1: dequantizeQ4_1
        case .q5_0: dequantizeQ5_0
        case .q5_1: dequantizeQ5_1
        case .q8_0: dequantizeQ8_0
        case .q8_1: dequantizeQ8_1
        case .q2_K: dequantizeQ2_K
        case .q3_K: dequantizeQ3_K
        case .q4_K: dequantizeQ4_K
        case .q5_K: dequantizeQ5_K
        case .q6_K: dequantizeQ6_K
        case .q8_K: dequantizeQ8_K
        default: nil
        }
    }

    static func dequantizeQ4_0(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        typealias L = BlockLayout.Q4_0
        let d = Field.half(p, L.d)
        let qs = (p + L.qs).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            y[j] = d * Float(Int32(qs[j] & 0xF) - 8)
            y[j + 16] = d * Float(Int32(qs[j] >> 4) - 8)
        }
    }

    static func dequantizeQ4_1(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        typealias L = BlockLayout.Q4_1
        let d = Field.half(p, L.d), m = Field.half(p, L.m)
        let qs = (p + L.qs).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            y[j] = d * Float(qs[j] & 0xF) + m
            y[j + 16] = d * Float(qs[j] >> 4) + m
        }
    }

    static func dequantizeQ5_0(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        typealias L = BlockLayout.Q5_0
        let d = Field.half(p, L.d), qh = Field.u32(p, L.qh)
        let qs = (p + L.qs).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            let h0 = Int32((qh >> UInt32(j)) & 1) << 4
            let h1 = Int32((qh >> UInt32(j + 16)) & 1) << 4
            y[j] = d * Float((Int32(qs[j] & 0xF) | h0) - 16)
            y[j + 16] = d * Float((Int32(qs[j] >> 4) | h1) - 16)
        }
    }

    static func dequantizeQ5_1(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        typealias L = BlockLayout.Q5_1
        let d = Field.half(p, L.d), m = Field.half(p, L.m), qh = Field.u32(p, L.qh)
        let qs = (p + L.qs).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            let h0 = Int32((qh >> UInt32(j)) & 1) << 4
            let h1 = Int32((qh >> UInt32(j + 16)) & 1) << 4
            y[j] = d * Float(Int32(qs[j] & 0xF) | h0) + m
            y[j + 16] = d * Float(Int32(qs[j] >> 4) | h1) + m
        }
    }

    static func dequantizeQ8_0(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Field.half(p, BlockLayout.Q8_0.d)
        let qs = (p + BlockLayout.Q8_0.qs).assumingMemoryBound(to: Int8.self)
        for j in 0..<32 { y[j] = Float(qs[j]) * d }
    }

    static func dequantizeQ8_1(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = Field.half(p, BlockLayout.Q8_1.d)
        let qs = (p + BlockLayout.Q8_1.qs).assumingMemoryBound(to: Int8.self)
        for j in 0..<32 { y[j] = Float(qs[j]) * d }
    }
}
