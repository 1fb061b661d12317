import Tensor

/// One entry of the tensor table.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    /// Dimensions innermost first, as ggml stores them: `shape[0]` is the row length.
    public let shape: [Int]
    public let type: GGMLType
    /// Offset of the data relative to the start of the data section.
    public let offset: Int
    /// Bytes of data, from the type's block and type size.
    public let byteCount: Int
    /// Where the tensor info itself starts in the file (for error messages).
    public let infoOffset: Int

    public var elementCount: Int { shape.reduce(1, *) }
    /// Elements per row (`shape[0]`).
    public var rowLength: Int { shape[0] }
    /// Number of rows (product of the outer dimensions).
    public var rowCount: Int { shape.dropFirst().reduce(1, *) }
}
