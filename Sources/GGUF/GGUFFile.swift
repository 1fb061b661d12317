import Tensor

/// A GGUF file (v2 or v3, little-endian), memory-mapped and fully validated on open.
///
/// Every count, length, dimension product and offset in the file is checked against the file size
/// with overflow-safe arithmetic before it is used, so a hostile or damaged file gives a
/// `GGUFError` that names the key or tensor and the byte offset — never a crash.
///
/// ```swift
/// let file = try GGUFFile(path: "model.gguf")
/// let layers = try file.metadata.int(file.metadata.archKey("block_count"))
/// let bytes = try file.data(named: "token_embd.weight")   // a view into the mmap, no copy
/// ```
public final class GGUFFile: Sendable {
    public let version: UInt32
    /// `general.alignment`, or 32 when absent.
    public let alignment: Int
    public let metadata: GGUFMetadata
    /// The tensor table in file order.
    public let tensors: [GGUFTensorInfo]
    /// Absolute file offset where tensor data starts.
    public let dataOffset: Int
    public let fileSize: Int

    private let storage: MappedFile
    private let tensorIndex: [String: Int]

    /// Maps and parses the file at `path`.
    public convenience init(path: String) throws(GGUFError) {
        try self.init(storage: MappedFile(path: path))
    }

    /// Parses a GGUF image held in memory (copied once into an owned buffer).
    public convenience init(bytes: [UInt8]) throws(GGUFError) {
        try self.init(storage: MappedFile(bytes: bytes))
    }

    private init(storage: MappedFile) throws(GGUFError) {
        self.storage = storage
        var parser = GGUFParser(file: storage)
        let parsed = try parser.parse()
        version = parsed.version
        alignment = parsed.alignment
        metadata = parsed.metadata
        tensors = parsed.tensors
        dataOffset = parsed.dataOffset
        fileSize = storage.count
        var index: [String: Int] = [:]
        for (i, tensor) in tensors.enumerated() { index[tensor.name] = i }
        tensorIndex = index
    }

    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The tensor's bytes: a read-only view into the mapped file, valid while this object lives.
    public func data(of tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: storage.base + dataOffset + tensor.offset, count: tensor.byteCount)
    }

    public func data(named name: String) throws(GGUFError) -> UnsafeRawBufferPointer {
        guard let info = tensor(named: name) else { throw GGUFError.missingTensor(name) }
        return data(of: info)
    }

    /// Total number of weights over all tensors.
    public var parameterCount: Int {
        tensors.reduce(0) { $0 &+ $1.elementCount }
    }
}
