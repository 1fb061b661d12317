/// A metadata array: all elements share one type (arrays of arrays may differ inside).
///
/// Arrays parsed from a file do not hold one `GGUFValue` per element: a vocabulary of 262,144
/// tokens would cost 24 bytes of enum plus a heap string per token, on top of the file's own
/// bytes. Numbers and bools stay where they are in the file; strings keep only the offset of
/// each element's length prefix. Elements are decoded on access, and the array keeps the mapped
/// file alive. Arrays built in memory (`init(elementType:values:)`) and arrays of arrays keep
/// their values.
public struct GGUFArray: Sendable, Equatable, RandomAccessCollection {
    public let elementType: GGUFValueType
    private let storage: Storage

    private enum Storage: Sendable {
        case values([GGUFValue])
        /// `count` little-endian values of `elementType.fixedSize` bytes from `start` in `bytes`.
        case fixed(bytes: MappedFile, start: Int, count: Int)
        /// GGUF strings: element i's uint64 length, then its bytes, at `offsets[i]` in `bytes`.
        /// `validUTF8` is false when some element needs repair (then decoded through `String`).
        case strings(bytes: MappedFile, offsets: [Int], validUTF8: Bool)
    }

    public init(elementType: GGUFValueType, values: [GGUFValue]) {
        self.elementType = elementType
        storage = .values(values)
    }

    /// Fixed-size elements stored back to back in the file (bounds checked by the parser).
    init(fixed elementType: GGUFValueType, bytes: MappedFile, start: Int, count: Int) {
        self.elementType = elementType
        storage = .fixed(bytes: bytes, start: start, count: count)
    }

    /// String elements whose length prefixes are at `offsets` (bounds checked by the parser).
    init(strings bytes: MappedFile, offsets: [Int], validUTF8: Bool) {
        elementType = .string
        storage = .strings(bytes: bytes, offsets: offsets, validUTF8: validUTF8)
    }

    public var startIndex: Int { 0 }

    public var endIndex: Int {
        switch storage {
        case .values(let values): values.count
        case .fixed(_, _, let count): count
        case .strings(_, let offsets, _): offsets.count
        }
    }

    public subscript(index: Int) -> GGUFValue {
        switch storage {
        case .values(let values):
            return values[index]
        case .fixed(let bytes, let start, let count):
            precondition(index >= 0 && index < count, "GGUFArray index \(index) out of range 0..<\(count)")
            return Self.decode(elementType, at: bytes.base + start + index * (elementType.fixedSize ?? 0))
        case .strings(let bytes, let offsets, _):
            return .string(String(decoding: Self.stringBytes(bytes, offsets[index]), as: UTF8.self))
        }
    }

    /// Element `index`'s UTF-8 bytes (invalid sequences repaired as `String` does), or nil when
    /// that element is not a string. Reads the file in place when the array's strings are valid.
    public func withUTF8<R>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        if case .strings(let bytes, let offsets, true) = storage {
            return body(Self.stringBytes(bytes, offsets[index]).assumingMemoryBound(to: UInt8.self))
        }
        guard case .string(var text) = self[index] else { return nil }
        return text.withUTF8(body)
    }

    /// Whether every element is a string (an array built in memory may mix types; an empty array
    /// of any type has no element that is not).
    public var isStringArray: Bool {
        switch storage {
        case .values(let values):
            values.allSatisfy { if case .string = $0 { true } else { false } }
        case .fixed(_, _, let count):
            count == 0
        case .strings:
            true
        }
    }

    public static func == (lhs: GGUFArray, rhs: GGUFArray) -> Bool {
        lhs.elementType == rhs.elementType && lhs.count == rhs.count && lhs.elementsEqual(rhs)
    }

    private static func stringBytes(_ bytes: MappedFile, _ offset: Int) -> UnsafeRawBufferPointer {
        let length = Int(UInt64(littleEndian: bytes.base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
        return UnsafeRawBufferPointer(start: bytes.base + offset + 8, count: length)
    }

    private static func decode(_ type: GGUFValueType, at pointer: UnsafeRawPointer) -> GGUFValue {
        func load<T: FixedWidthInteger>(_: T.Type) -> T { T(littleEndian: pointer.loadUnaligned(as: T.self)) }
        switch type {
        case .uint8: return .uint8(load(UInt8.self))
        case .int8: return .int8(load(Int8.self))
        case .uint16: return .uint16(load(UInt16.self))
        case .int16: return .int16(load(Int16.self))
        case .uint32: return .uint32(load(UInt32.self))
        case .int32: return .int32(load(Int32.self))
        case .uint64: return .uint64(load(UInt64.self))
        case .int64: return .int64(load(Int64.self))
        case .float32: return .float32(Float(bitPattern: load(UInt32.self)))
        case .float64: return .float64(Double(bitPattern: load(UInt64.self)))
        case .bool: return .bool(load(UInt8.self) != 0)
        case .string, .array: preconditionFailure("GGUFArray: \(type) elements are not stored as fixed-size")
        }
    }
}
