/// Per-block values that Q8_0 and Q8_1 activation rows carry after their blocks, so that a dot
/// product over many weight rows reads them ready-made instead of converting them per row.
///
/// For `B = cols / 32` blocks the tail is `B` F32 scales `d` followed by `B` 32-bit values: the
/// block's Σq as Int32 for Q8_0 (the legacy kernels apply Q4_0's −8 and Q5_0's −16 offsets as
/// `offset·Σq`, exact in integers) and the F32 value of the stored f16 `s` for Q8_1. Every value
/// is an exact conversion of what the blocks hold, so kernels that read the tail compute the same
/// results as kernels that read the blocks. `KernelTable.quantizeActivations` writes it;
/// `TypeTraits.activationRowBytes` counts it.
public enum ActivationTail {
    /// Tail bytes of a row of `blocks` blocks in activation format `type` (0 for other formats).
    public static func bytes(_ type: GGMLType, blocks: Int) -> Int {
        hasTail(type) ? 8 * blocks : 0
    }

    static func hasTail(_ type: GGMLType) -> Bool { type == .q8_0 || type == .q8_1 }

    /// Fills the tail of the row of `blocks` blocks at `row` from the blocks.
    static func fill(_ type: GGMLType, row: UnsafeMutableRawPointer, blocks: Int) {
        guard hasTail(type) else { return }
        let size = type.typeSize
        let scales = row + blocks * size, second = scales + 4 * blocks
        for b in 0..<blocks {
            let block = UnsafeRawPointer(row + b * size)
            scales.storeBytes(of: Field.half(block, 0), toByteOffset: 4 * b, as: Float.self)
            if type == .q8_1 {
                second.storeBytes(of: Field.half(block, BlockLayout.Q8_1.s), toByteOffset: 4 * b, as: Float.self)
            } else {
                let q = block.loadUnaligned(fromByteOffset: BlockLayout.Q8_0.qs, as: SIMD32<Int8>.self)
                second.storeBytes(of: Int32(truncatingIfNeeded: SIMD32<Int32>(truncatingIfNeeded: q).wrappedSum()),
                                  toByteOffset: 4 * b, as: Int32.self)
            }
        }
    }
}
