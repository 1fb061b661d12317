import Foundation

/// Everything that can be wrong with a GGUF file or a metadata lookup. Each case names the key or
/// tensor involved and, for file problems, the byte offset where the reader found it.
public enum GGUFError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case notGGUF(magic: [UInt8])
    case bigEndian(version: UInt32)
    case unsupportedVersion(UInt32)
    case truncated(what: String, offset: Int, needed: Int, available: Int)
    case implausibleCount(what: String, count: UInt64, offset: Int)
    case unknownValueType(key: String, typeID: UInt32, offset: Int)
    case nestingTooDeep(key: String, offset: Int)
    case duplicateKey(key: String, offset: Int)
    case badAlignment(value: String)
    case badDimensionCount(tensor: String, count: UInt32, offset: Int)
    case badDimension(tensor: String, index: Int, value: UInt64, offset: Int)
    case unknownTensorType(tensor: String, typeID: UInt32, offset: Int)
    case rowNotBlockMultiple(tensor: String, type: String, rowLength: Int, blockSize: Int, offset: Int)
    case tensorTooLarge(tensor: String, offset: Int)
    case duplicateTensor(tensor: String, offset: Int)
    case misalignedTensor(tensor: String, dataOffset: UInt64, alignment: Int)
    case tensorOutOfBounds(tensor: String, start: Int, end: Int, fileSize: Int)
    case overlappingTensors(first: String, second: String, offset: Int)
    case missingKey(String)
    case typeMismatch(key: String, expected: String, found: String)
    case valueOutOfRange(key: String, value: String)
    case missingTensor(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            "cannot open \(path): \(reason)"
        case .notGGUF(let magic):
            "not a GGUF file: the first bytes are \(magic.map { String(format: "%02x", $0) }.joined(separator: " ")), expected 47 47 55 46 (\"GGUF\")"
        case .bigEndian(let version):
            "big-endian GGUF files are not supported (version \(version) stored big-endian at byte 4); convert the file to little-endian"
        case .unsupportedVersion(let version):
            "unsupported GGUF version \(version) at byte 4 (supported: 2, 3)"
        case .truncated(let what, let offset, let needed, let available):
            "file truncated: \(what) at byte \(offset) needs \(needed) bytes, only \(available) remain"
        case .implausibleCount(let what, let count, let offset):
            "implausible \(what) \(count) at byte \(offset): larger than the file could hold"
        case .unknownValueType(let key, let typeID, let offset):
            "metadata key '\(key)': unknown value type \(typeID) at byte \(offset)"
        case .nestingTooDeep(let key, let offset):
            "metadata key '\(key)': arrays nested too deeply at byte \(offset)"
        case .duplicateKey(let key, let offset):
            "duplicate metadata key '\(key)' at byte \(offset)"
        case .badAlignment(let value):
            "general.alignment must be a power of two between 1 and 2^30, found \(value)"
        case .badDimensionCount(let tensor, let count, let offset):
            "tensor '\(tensor)': \(count) dimensions at byte \(offset) (must be 1 to 4)"
        case .badDimension(let tensor, let index, let value, let offset):
            "tensor '\(tensor)': dimension \(index) is \(Int64(bitPattern: value)) at byte \(offset) (must be positive)"
        case .unknownTensorType(let tensor, let typeID, let offset):
            "tensor '\(tensor)': unknown ggml type id \(typeID) at byte \(offset)"
        case .rowNotBlockMultiple(let tensor, let type, let rowLength, let blockSize, let offset):
            "tensor '\(tensor)': row length \(rowLength) is not a multiple of \(type)'s block size \(blockSize) (byte \(offset))"
        case .tensorTooLarge(let tensor, let offset):
            "tensor '\(tensor)': element count or byte size overflows (byte \(offset))"
        case .duplicateTensor(let tensor, let offset):
            "duplicate tensor name '\(tensor)' at byte \(offset)"
        case .misalignedTensor(let tensor, let dataOffset, let alignment):
            "tensor '\(tensor)': data offset \(dataOffset) is not a multiple of the alignment \(alignment)"
        case .tensorOutOfBounds(let tensor, let start, let end, let fileSize):
            "tensor '\(tensor)': data bytes \(start)..<\(end) lie outside the file (\(fileSize) bytes)"
        case .overlappingTensors(let first, let second, let offset):
            "tensor '\(second)' overlaps tensor '\(first)' (its data starts at byte \(offset))"
        case .missingKey(let key):
            "metadata key '\(key)' is missing"
        case .typeMismatch(let key, let expected, let found):
            "metadata key '\(key)': expected \(expected), found \(found)"
        case .valueOutOfRange(let key, let value):
            "metadata key '\(key)': value \(value) is out of range"
        case .missingTensor(let name):
            "tensor '\(name)' is missing"
        }
    }
}
