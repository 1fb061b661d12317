import Foundation
import Tensor

/// Builds a GGUF v2/v3 file: metadata in insertion order, then tensors laid out at the alignment.
///
/// ```swift
/// var writer = GGUFWriter()
/// writer.metadata.append("general.architecture", .string("llama"))
/// try writer.addTensor(name: "w", shape: [32, 2], type: .f32, data: bytes)
/// try writer.write(to: "out.gguf")
/// ```
public struct GGUFWriter: Sendable {
    public enum WriterError: Error, CustomStringConvertible {
        case sizeMismatch(tensor: String, expected: Int?, got: Int)
        case duplicateTensor(String)
        case badShape(tensor: String)
        case writeFailed(path: String, reason: String)

        public var description: String {
            switch self {
            case .sizeMismatch(let tensor, let expected, let got):
                "tensor '\(tensor)': \(got) data bytes given, its shape and type need \(expected.map(String.init) ?? "a whole number of blocks")"
            case .duplicateTensor(let name): "duplicate tensor name '\(name)'"
            case .badShape(let tensor): "tensor '\(tensor)': shape must have 1 to 4 positive dimensions"
            case .writeFailed(let path, let reason): "cannot write \(path): \(reason)"
            }
        }
    }

    private struct PendingTensor: Sendable {
        var name: String
        var shape: [Int]
        var type: GGMLType
        var data: [UInt8]
    }

    public var version: UInt32
    public var metadata = GGUFMetadata()
    private var tensors: [PendingTensor] = []

    public init(version: UInt32 = 3) {
        self.version = version
    }

    /// The alignment the file will use: `general.alignment` when set, else 32.
    public var alignment: Int {
        metadata["general.alignment"]?.intValue ?? GGUFParser.defaultAlignment
    }

    public mutating func addTensor(name: String, shape: [Int], type: GGMLType, data: [UInt8]) throws(WriterError) {
        guard !tensors.contains(where: { $0.name == name }) else { throw .duplicateTensor(name) }
        guard (1...4).contains(shape.count), shape.allSatisfy({ $0 > 0 }) else { throw .badShape(tensor: name) }
        let expected = shape[0] % type.blockSize == 0 ? type.rowBytes(elements: shape.reduce(1, *)) : nil
        guard expected == data.count else { throw .sizeMismatch(tensor: name, expected: expected, got: data.count) }
        tensors.append(PendingTensor(name: name, shape: shape, type: type, data: data))
    }

    /// The whole file as bytes.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = Array("GGUF".utf8)
        Self.append(version, to: &out)
        Self.append(UInt64(tensors.count), to: &out)
        Self.append(UInt64(metadata.count), to: &out)
        for (key, value) in metadata.entries {
            Self.appendString(key, to: &out)
            Self.append(value.type.rawValue, to: &out)
            Self.appendValue(value, to: &out)
        }
        let align = alignment
        var offset = 0
        var offsets: [Int] = []
        for tensor in tensors {
            offsets.append(offset)
            offset = Self.padded(offset + tensor.data.count, to: align)
        }
        for (tensor, tensorOffset) in zip(tensors, offsets) {
            Self.appendString(tensor.name, to: &out)
            Self.append(UInt32(tensor.shape.count), to: &out)
            for dim in tensor.shape { Self.append(UInt64(dim), to: &out) }
            Self.append(tensor.type.rawValue, to: &out)
            Self.append(UInt64(tensorOffset), to: &out)
        }
        out.append(contentsOf: repeatElement(0, count: Self.padded(out.count, to: align) - out.count))
        let dataStart = out.count
        for (tensor, tensorOffset) in zip(tensors, offsets) {
            out.append(contentsOf: repeatElement(0, count: dataStart + tensorOffset - out.count))
            out.append(contentsOf: tensor.data)
        }
        return out
    }

    public func write(to path: String) throws(WriterError) {
        do {
            try Data(serialized()).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .writeFailed(path: path, reason: "\(error)")
        }
    }

    private static func padded(_ value: Int, to alignment: Int) -> Int {
        (value + alignment - 1) / alignment * alignment
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    private static func appendString(_ string: String, to out: inout [UInt8]) {
        append(UInt64(string.utf8.count), to: &out)
        out.append(contentsOf: string.utf8)
    }

    private static func appendValue(_ value: GGUFValue, to out: inout [UInt8]) {
        switch value {
        case .uint8(let v): append(v, to: &out)
        case .int8(let v): append(v, to: &out)
        case .uint16(let v): append(v, to: &out)
        case .int16(let v): append(v, to: &out)
        case .uint32(let v): append(v, to: &out)
        case .int32(let v): append(v, to: &out)
        case .uint64(let v): append(v, to: &out)
        case .int64(let v): append(v, to: &out)
        case .float32(let v): append(v.bitPattern, to: &out)
        case .float64(let v): append(v.bitPattern, to: &out)
        case .bool(let v): out.append(v ? 1 : 0)
        case .string(let s): appendString(s, to: &out)
        case .array(let array):
            append(array.elementType.rawValue, to: &out)
            append(UInt64(array.count), to: &out)
            for element in array { appendValue(element, to: &out) }
        }
    }
}
