/// Why a kernel call was refused.
public enum KernelError: Error, Equatable, CustomStringConvertible {
    /// `type` has no kernel for `operation` (for example `dequantize` of IQ2_XXS).
    case unsupportedType(GGMLType, operation: String)
    /// `count` elements are not a whole number of `type`'s blocks.
    case notWholeBlocks(GGMLType, count: Int)

    public var description: String {
        switch self {
        case let .unsupportedType(type, operation):
            "\(operation) is not implemented for tensor type \(type.name)"
        case let .notWholeBlocks(type, count):
            "\(count) elements are not a whole number of \(type.name) blocks of \(type.blockSize)"
        }
    }
}
