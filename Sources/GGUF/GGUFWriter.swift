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

    /// A tensor's name, shape (ggml order, innermost first) and type, without its data.
    public struct TensorEntry: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var type: GGMLType

        public init(name: String, shape: [Int], type: GGMLType) {
            self.name = name
            self.shape = shape
            self.type = type
        }

        /// The data bytes the shape and type need, or nil if the rows are not whole blocks.
        public var byteCount: Int? {
            guard let first = shape.first, shape.allSatisfy({ $0 > 0 }), first % type.blockSize == 0 else { return nil }
            return type.rowBytes(elements: shape.reduce(1, *))
        }
    }

    private struct PendingTensor: Sendable {
        var entry: TensorEntry
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
        guard !tensors.contains(where: { $0.entry.name == name }) else { throw .duplicateTensor(name) }
        let entry = TensorEntry(name: name, shape: shape, type: type)
        try Self.check(entry, dataBytes: data.count)
        tensors.append(PendingTensor(entry: entry, data: data))
    }

    private static func check(_ entry: TensorEntry, dataBytes: Int) throws(WriterError) {
        guard (1...4).contains(entry.shape.count), entry.shape.allSatisfy({ $0 > 0 }) else {
            throw .badShape(tensor: entry.name)
        }
        guard entry.byteCount == dataBytes else {
            throw .sizeMismatch(tensor: entry.name, expected: entry.byteCount, got: dataBytes)
        }
    }

    /// The whole file as bytes.
    public func serialized() -> [UInt8] {
        var (out, offsets) = Self.header(version: version, metadata: metadata, alignment: alignment,
                                         entries: tensors.map(\.entry), sizes: tensors.map(\.data.count))
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

    /// Writes a file whose tensor data arrive one tensor at a time, in `entries` order, from
    /// `data(i)`: a model larger than memory streams through. The file appears at `path` only when
    /// complete (written beside it, then renamed); on any error nothing is left behind.
    public func stream(
        to path: String, entries: [TensorEntry], data: (Int) throws -> [UInt8]
    ) throws {
        var names = Set<String>()
        for entry in entries {
            guard names.insert(entry.name).inserted else { throw WriterError.duplicateTensor(entry.name) }
            try Self.check(entry, dataBytes: entry.byteCount ?? 0)
        }
        let sizes = entries.map { $0.byteCount ?? 0 }
        let (header, offsets) = Self.header(version: version, metadata: metadata, alignment: alignment,
                                            entries: entries, sizes: sizes)
        let partial = path + ".partial"
        guard FileManager.default.createFile(atPath: partial, contents: nil) else {
            throw WriterError.writeFailed(path: partial, reason: "cannot create the file")
        }
        var done = false
        defer { if !done { try? FileManager.default.removeItem(atPath: partial) } }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: partial))
            defer { try? handle.close() }
            try handle.write(contentsOf: header)
            var written = 0
            for i in entries.indices {
                if offsets[i] > written { try handle.write(contentsOf: [UInt8](repeating: 0, count: offsets[i] - written)) }
                let bytes = try data(i)
                guard bytes.count == sizes[i] else {
                    throw WriterError.sizeMismatch(tensor: entries[i].name, expected: sizes[i], got: bytes.count)
                }
                try handle.write(contentsOf: bytes)
                written = offsets[i] + bytes.count
            }
            try handle.synchronize()
        }
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: partial, toPath: path)
        done = true
    }

    /// Header, metadata and tensor table, padded to the alignment; and each tensor's offset from
    /// the start of the data section.
    private static func header(
        version: UInt32, metadata: GGUFMetadata, alignment align: Int, entries: [TensorEntry], sizes: [Int]
    ) -> (bytes: [UInt8], offsets: [Int]) {
        var out: [UInt8] = Array("GGUF".utf8)
        append(version, to: &out)
        append(UInt64(entries.count), to: &out)
        append(UInt64(metadata.count), to: &out)
        for (key, value) in metadata.entries {
            appendString(key, to: &out)
            append(value.type.rawValue, to: &out)
            appendValue(value, to: &out)
        }
        var offset = 0
        var offsets: [Int] = []
        for size in sizes {
            offsets.append(offset)
            offset = padded(offset + size, to: align)
        }
        for (entry, entryOffset) in zip(entries, offsets) {
            appendString(entry.name, to: &out)
            append(UInt32(entry.shape.count), to: &out)
            for dim in entry.shape { append(UInt64(dim), to: &out) }
            append(entry.type.rawValue, to: &out)
            append(UInt64(entryOffset), to: &out)
        }
        out.append(contentsOf: repeatElement(0, count: padded(out.count, to: align) - out.count))
        return (out, offsets)
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
