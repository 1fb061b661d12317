import GGUF
import Tensor

/// A 2-D weight in the mapped file: `rows` output features, each a row of `cols` values stored as
/// `type` blocks (`type.rowBytes(elements: cols)` bytes a row). ggml's shape is [cols, rows].
public struct WeightMatrix: @unchecked Sendable {
    // The pointer targets read-only mapped memory owned by the model's GGUFFile.
    public let name: String
    public let data: UnsafeRawPointer
    public let type: GGMLType
    public let rows: Int
    public let cols: Int
    public var rowBytes: Int { (cols / type.blockSize) * type.typeSize }

    /// A view of `count` consecutive rows starting at `first` (for fused tensors).
    func rows(_ first: Int, _ count: Int) -> WeightMatrix {
        WeightMatrix(name: name, data: data + first * rowBytes, type: type, rows: count, cols: cols)
    }
}

/// A 1-D F32 vector (norm gains, biases): the mapped data when stored as F32, else converted once.
public struct WeightVector: @unchecked Sendable {
    // Points into the mapped file, or into `owned` for non-F32 storage; never written.
    public let pointer: UnsafePointer<Float>
    public let count: Int
    private let owned: FloatStorage?

    init(pointer: UnsafePointer<Float>, count: Int) {
        self.pointer = pointer
        self.count = count
        owned = nil
    }

    init(storage: FloatStorage) {
        owned = storage
        pointer = UnsafePointer(storage.pointer)
        count = storage.count
    }

    private init(pointer: UnsafePointer<Float>, count: Int, owned: FloatStorage?) {
        self.pointer = pointer
        self.count = count
        self.owned = owned
    }

    /// `count` values from `first` (a part of a fused bias), sharing this vector's storage.
    func slice(_ first: Int, _ count: Int) -> WeightVector {
        WeightVector(pointer: pointer + first, count: count, owned: owned)
    }
}

/// An owned, fixed-size Float buffer (64-byte aligned), freed with its last reference.
final class FloatStorage: @unchecked Sendable {
    // Shared read-only once filled, or used by one owner at a time (scratch buffers).
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        pointer = raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }
}

/// Looks tensors up by name and checks their shapes, with errors that name them, and remembers
/// which tensors it bound so that the model can refuse a file with tensors nobody reads.
final class WeightBinder {
    let file: GGUFFile
    private(set) var bound: Set<String> = []

    init(file: GGUFFile) { self.file = file }

    func has(_ name: String) -> Bool { file.tensor(named: name) != nil }

    /// The file's tensors that were never bound, in file order.
    var unbound: [String] { file.tensors.map(\.name).filter { !bound.contains($0) } }

    func matrix(_ name: String, cols: Int, rows: Int) throws(ModelError) -> WeightMatrix {
        guard let info = file.tensor(named: name) else { throw .missingTensor(name) }
        bound.insert(name)
        guard info.shape == [cols, rows] else { throw .tensorShape(name: name, expected: [cols, rows], found: info.shape) }
        guard Kernels.supports(info.type) else { throw .unsupportedTensorType(name: name, type: info.type.name) }
        guard let base = file.data(of: info).baseAddress else { throw .missingTensor(name) }
        return WeightMatrix(name: name, data: base, type: info.type, rows: rows, cols: cols)
    }

    /// A 3-D stack of `count` matrices of `rows` × `cols` (ggml shape [cols, rows, count]), as one
    /// matrix of `count · rows` rows.
    func stacked(_ name: String, cols: Int, rows: Int, count: Int) throws(ModelError) -> WeightMatrix {
        guard let info = file.tensor(named: name) else { throw .missingTensor(name) }
        bound.insert(name)
        guard info.shape == [cols, rows, count] else {
            throw .tensorShape(name: name, expected: [cols, rows, count], found: info.shape)
        }
        guard Kernels.supports(info.type) else { throw .unsupportedTensorType(name: name, type: info.type.name) }
        guard let base = file.data(of: info).baseAddress else { throw .missingTensor(name) }
        return WeightMatrix(name: name, data: base, type: info.type, rows: rows * count, cols: cols)
    }

    /// Every value of a small tensor of exactly `shape` (ggml order) as F32, converted once.
    func floats(_ name: String, shape: [Int]) throws(ModelError) -> WeightVector {
        guard let info = file.tensor(named: name) else { throw .missingTensor(name) }
        bound.insert(name)
        guard info.shape == shape, let cols = shape.first, cols > 0 else {
            throw .tensorShape(name: name, expected: shape, found: info.shape)
        }
        guard Kernels.supports(info.type) else { throw .unsupportedTensorType(name: name, type: info.type.name) }
        guard let base = file.data(of: info).baseAddress else { throw .missingTensor(name) }
        let rows = info.elementCount / cols
        let matrix = WeightMatrix(name: name, data: base, type: info.type, rows: rows, cols: cols)
        let storage = FloatStorage(count: rows * cols)
        for r in 0..<rows { try Kernels.dequantizeRow(matrix, row: r, into: storage.pointer + r * cols) }
        return WeightVector(storage: storage)
    }

    func optionalMatrix(_ name: String, cols: Int, rows: Int) throws(ModelError) -> WeightMatrix? {
        file.tensor(named: name) == nil ? nil : try matrix(name, cols: cols, rows: rows)
    }

    func vector(_ name: String, count: Int) throws(ModelError) -> WeightVector {
        guard let info = file.tensor(named: name) else { throw .missingTensor(name) }
        bound.insert(name)
        guard info.elementCount == count, info.shape.count == 1 || info.shape.dropFirst().allSatisfy({ $0 == 1 }) else {
            throw .tensorShape(name: name, expected: [count], found: info.shape)
        }
        guard let base = file.data(of: info).baseAddress else { throw .missingTensor(name) }
        if info.type == .f32 {
            return WeightVector(pointer: base.assumingMemoryBound(to: Float.self), count: count)
        }
        guard Kernels.supports(info.type) else { throw .unsupportedTensorType(name: name, type: info.type.name) }
        let storage = FloatStorage(count: count)
        try Kernels.dequantizeRow(WeightMatrix(name: name, data: base, type: info.type, rows: 1, cols: count),
                                  row: 0, into: storage.pointer)
        return WeightVector(storage: storage)
    }

    func optionalVector(_ name: String, count: Int) throws(ModelError) -> WeightVector? {
        file.tensor(named: name) == nil ? nil : try vector(name, count: count)
    }
}
