/// Per-block values that Q8_0 and Q8_1 activation rows carry after their blocks, so that a dot
/// product over many weight rows reads them ready-made instead of converting them per row.
///
/// For `B = cols / 32` blocks the tail is `B` F32 scales `d` followed by `B` 32-bit values: the
/// block's Σq as Int32 for Q8_0 (the legacy kernels apply Q4_0's −8 and Q5_0's −16 offsets as
/// `offset·Σq`, exact in integers) and the F32 value of the stored f16 `s` for Q8_1; then, from
/// the next 64-byte boundary in memory, the blocks' 32 quants each, so that the kernels' 32-byte
/// loads never straddle a cache line (blocks are 34 or 36 bytes); in the SSE2 tier, widened to
/// Int16 (`quantBytes`). Every value is an exact copy or
/// conversion of what the blocks hold, so kernels that read the tail compute the same results as
/// kernels that read the blocks. In the avx512 and avx2 tiers the copy is followed, from the next 64-byte
/// boundary, by the quants once more, interleaved in groups of eight blocks
/// (`interleaved(_:blocks:)`), for their kernels of the 32-element types. `KernelTable.quantizeActivations`
/// writes it; `TypeTraits.activationRowBytes` counts it.
public enum ActivationTail {
    /// Tail bytes of a row of `blocks` blocks in activation format `type` (0 for other formats).
    public static func bytes(_ type: GGMLType, blocks: Int) -> Int {
        hasTail(type) ? 8 * blocks + 63 + quantBytes * blocks + interleavedBytes(blocks: blocks) : 0
    }

    /// Bytes the interleaved copy takes after the aligned copy, padding included.
    static func interleavedBytes(blocks: Int) -> Int {
        #if SWIFTLLM_X86_SIMD || SWIFTLLM_AVX2
        (blocks + 7) / 8 * 256 + 32
        #else
        0
        #endif
    }

    /// Where the interleaved copy of a row's quants starts, given the aligned copy `quants` (a
    /// 64-byte aligned address): group g's 256 bytes at 256·g hold, at 32·k + 4·j, quants
    /// 4k…4k+3 of the group's block j (blocks 8g…8g+7; a last group of fewer blocks is padded
    /// with zeros). So one 64-byte load at
    /// 64·m holds quants 8m…8m+3 and then 8m+4…8m+7 of all eight blocks, and eight blocks' sums
    /// come out of four `vpdpbusd` against weights laid out alike, lane j for block j, with no
    /// horizontal reduction (`X86Dot.blockSumRowsInterleaved`).
    @inline(__always)
    static func interleaved(_ quants: UnsafeRawPointer, blocks: Int) -> UnsafeRawPointer {
        quants + ((32 * blocks + 63) & ~63)
    }

    /// Writes block `b`'s 32 quants (`block`) into the interleaved copy at `base` (from
    /// `interleaved(_:blocks:)`); the first block of a last, partial group clears the group first.
    @inline(__always)
    static func interleave(_ block: UnsafeRawPointer, b: Int, blocks: Int, into base: UnsafeMutableRawPointer) {
        guard interleavedBytes(blocks: blocks) > 0 else { return }
        if b == blocks / 8 * 8 { (base + 32 * b).initializeMemory(as: UInt8.self, repeating: 0, count: 256) }
        let group = base + 256 * (b / 8) + 4 * (b % 8)
        for k in 0..<8 {
            group.storeBytes(of: block.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self), toByteOffset: 32 * k,
                             as: UInt32.self)
        }
    }

    /// Bytes of a block's quants in the aligned copy: 32 Int8, or in the SSE2 tier 32 Int16 (the
    /// quants widened once per row, so that the kernels multiply them without widening them for
    /// every weight row; SSE2 has no byte multiply).
    #if arch(x86_64) && !SWIFTLLM_AVX2 && !SWIFTLLM_X86_SIMD
    static var quantBytes: Int { 64 }
    #else
    static var quantBytes: Int { 32 }
    #endif
    static var widened: Bool { quantBytes == 64 }

    /// Where the parts of the tail of the row at `row` (`blocks` blocks of `size` bytes) start:
    /// the F32 scales, the Σq / s values, and the 64-byte aligned copy of the quants (32 bytes per
    /// block, after the scales and sums, rounded up to a multiple of 64 in memory).
    @inline(__always)
    static func parts(_ row: UnsafeRawPointer, blocks: Int, size: Int)
        -> (scales: UnsafeRawPointer, second: UnsafeRawPointer, quants: UnsafeRawPointer) {
        let scales = row + blocks * size, second = scales + 4 * blocks
        let end = UInt(bitPattern: second + 4 * blocks)
        return (scales, second, UnsafeRawPointer(bitPattern: (end + 63) & ~63) ?? row)
    }

    static func hasTail(_ type: GGMLType) -> Bool { type == .q8_0 || type == .q8_1 }

    /// Fills the tail of the row of `blocks` blocks at `row` from the blocks (the x86 quantizer
    /// writes it as it goes instead: `X86Quantize.legacy`).
    static func fill(_ type: GGMLType, row: UnsafeMutableRawPointer, blocks: Int) {
        guard hasTail(type) else { return }
        let size = type.typeSize
        let tail = parts(row, blocks: blocks, size: size)
        let scales = UnsafeMutableRawPointer(mutating: tail.scales), second = UnsafeMutableRawPointer(mutating: tail.second)
        let copy = UnsafeMutableRawPointer(mutating: tail.quants)
        let interleavedCopy = UnsafeMutableRawPointer(mutating: interleaved(tail.quants, blocks: blocks))
        let qs = type == .q8_1 ? BlockLayout.Q8_1.qs : BlockLayout.Q8_0.qs
        for b in 0..<blocks {
            let block = UnsafeRawPointer(row + b * size)
            if widened {
                for i in 0..<32 {
                    (copy + 64 * b).storeBytes(of: Int16(block.load(fromByteOffset: qs + i, as: Int8.self)),
                                               toByteOffset: 2 * i, as: Int16.self)
                }
            } else {
                (copy + 32 * b).copyMemory(from: block + qs, byteCount: 32)
                interleave(block + qs, b: b, blocks: blocks, into: interleavedCopy)
            }
            scales.storeBytes(of: Field.half(block, 0), toByteOffset: 4 * b, as: Float.self)
            if type == .q8_1 {
                second.storeBytes(of: Field.half(block, BlockLayout.Q8_1.s), toByteOffset: 4 * b, as: Float.self)
            } else {
                var sum: Int32 = 0
                for i in 0..<32 { sum &+= Int32(block.load(fromByteOffset: BlockLayout.Q8_0.qs + i, as: Int8.self)) }
                second.storeBytes(of: sum, toByteOffset: 4 * b, as: Int32.self)
            }
        }
    }
}
