import Foundation
import GGUF
import Tensor
import Testing

/// Hand-built malformed files: one test per validation error, asserting the error and its message.
struct GGUFBytes {
    var bytes: [UInt8] = Array("GGUF".utf8)

    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func string(_ s: String) {
        u64(UInt64(s.utf8.count))
        bytes += Array(s.utf8)
    }
    mutating func tensor(_ name: String, dims: [UInt64], type: UInt32, offset: UInt64) {
        string(name)
        u32(UInt32(dims.count))
        for d in dims { u64(d) }
        u32(type)
        u64(offset)
    }
    mutating func padData(alignment: Int = 32, dataBytes: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
        bytes += [UInt8](repeating: 0, count: dataBytes)
    }

    /// A v3 header with the given counts.
    static func header(tensors: UInt64, keys: UInt64, version: UInt32 = 3) -> GGUFBytes {
        var b = GGUFBytes()
        b.u32(version)
        b.u64(tensors)
        b.u64(keys)
        return b
    }
}

@Suite struct ValidationTests {
    func expectError(_ bytes: GGUFBytes, _ expected: GGUFError, message: String,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try GGUFFile(bytes: bytes.bytes)
            Issue.record("expected \(expected), the file loaded", sourceLocation: sourceLocation)
        } catch {
            #expect(error == expected, sourceLocation: sourceLocation)
            #expect(error.description.contains(message), "\(error.description)", sourceLocation: sourceLocation)
        }
    }

    @Test func notGGUF() {
        var b = GGUFBytes()
        b.bytes = Array("GGML".utf8) + [3, 0, 0, 0]
        expectError(b, .notGGUF(magic: Array("GGML".utf8)), message: "not a GGUF file")
    }

    @Test func unsupportedVersion() {
        expectError(.header(tensors: 0, keys: 0, version: 1), .unsupportedVersion(1), message: "unsupported GGUF version 1")
        expectError(.header(tensors: 0, keys: 0, version: 7), .unsupportedVersion(7), message: "supported: 2, 3")
    }

    @Test func bigEndianHeader() {
        var b = GGUFBytes()
        b.u32(UInt32(2).byteSwapped)
        b.u64(0)
        b.u64(0)
        expectError(b, .bigEndian(version: 2), message: "big-endian")
    }

    @Test func truncatedHeader() {
        var b = GGUFBytes.header(tensors: 0, keys: 0)
        b.bytes.removeLast(3)
        expectError(b, .truncated(what: "metadata count", offset: 16, needed: 8, available: 5), message: "file truncated")
    }

    @Test func implausibleCounts() {
        expectError(.header(tensors: 1 << 40, keys: 0), .implausibleCount(what: "tensor count", count: 1 << 40, offset: 8),
                    message: "implausible tensor count")
        expectError(.header(tensors: 0, keys: UInt64.max), .implausibleCount(what: "metadata count", count: UInt64.max, offset: 16),
                    message: "implausible metadata count")
    }

    @Test func truncatedString() {
        var b = GGUFBytes.header(tensors: 0, keys: 1)
        b.string("general.name")
        b.u32(8)  // string
        b.u64(100)
        b.bytes += Array("short".utf8)
        expectError(b, .truncated(what: "value of 'general.name'", offset: 56, needed: 100, available: 5),
                    message: "value of 'general.name' at byte 56 needs 100 bytes, only 5 remain")
    }

    @Test func unknownValueType() {
        var b = GGUFBytes.header(tensors: 0, keys: 1)
        b.string("k")
        b.u32(13)
        b.u32(0)
        expectError(b, .unknownValueType(key: "k", typeID: 13, offset: 33), message: "unknown value type 13")
    }

    @Test func implausibleArrayLength() {
        var b = GGUFBytes.header(tensors: 0, keys: 1)
        b.string("tokens")
        b.u32(9)
        b.u32(8)
        b.u64(1 << 50)
        expectError(b, .implausibleCount(what: "array length of 'tokens'", count: 1 << 50, offset: 46),
                    message: "implausible array length of 'tokens'")
    }

    @Test func nestingTooDeep() {
        var b = GGUFBytes.header(tensors: 0, keys: 1)
        b.string("deep")
        b.u32(9)
        for _ in 0..<20 {
            b.u32(9)
            b.u64(1)
        }
        b.bytes += [UInt8](repeating: 0, count: 64)
        do {
            _ = try GGUFFile(bytes: b.bytes)
            Issue.record("loaded")
        } catch {
            guard case .nestingTooDeep(let key, _) = error else { Issue.record("\(error)"); return }
            #expect(key == "deep")
            #expect(error.description.contains("nested too deeply"))
        }
    }

    @Test func duplicateKey() {
        var b = GGUFBytes.header(tensors: 0, keys: 2)
        for _ in 0..<2 {
            b.string("a")
            b.u32(4)
            b.u32(1)
        }
        expectError(b, .duplicateKey(key: "a", offset: 41), message: "duplicate metadata key 'a' at byte 41")
    }

    @Test func badAlignment() {
        var b = GGUFBytes.header(tensors: 0, keys: 1)
        b.string("general.alignment")
        b.u32(4)
        b.u32(24)
        expectError(b, .badAlignment(value: "uint32(24)"), message: "power of two")
    }

    @Test func dimensionErrors() {
        var b = GGUFBytes.header(tensors: 1, keys: 0)
        b.tensor("w", dims: [32, 0], type: 0, offset: 0)
        b.padData(dataBytes: 256)
        expectError(b, .badDimension(tensor: "w", index: 1, value: 0, offset: 45), message: "dimension 1 is 0")

        var negative = GGUFBytes.header(tensors: 1, keys: 0)
        negative.tensor("w", dims: [UInt64(bitPattern: -4)], type: 0, offset: 0)
        negative.padData(dataBytes: 256)
        expectError(negative, .badDimension(tensor: "w", index: 0, value: UInt64(bitPattern: -4), offset: 37),
                    message: "dimension 0 is -4")

        var five = GGUFBytes.header(tensors: 1, keys: 0)
        five.tensor("w", dims: [1, 1, 1, 1, 1], type: 0, offset: 0)
        five.padData(dataBytes: 64)
        expectError(five, .badDimensionCount(tensor: "w", count: 5, offset: 33), message: "5 dimensions")
    }

    @Test func overflowingShape() {
        var b = GGUFBytes.header(tensors: 1, keys: 0)
        b.tensor("big", dims: [1 << 32, 1 << 32, 1 << 32], type: 0, offset: 0)
        b.padData(dataBytes: 64)
        expectError(b, .tensorTooLarge(tensor: "big", offset: 47), message: "overflows")
    }

    @Test func unknownTensorType() {
        var b = GGUFBytes.header(tensors: 1, keys: 0)
        b.tensor("w", dims: [32], type: 4, offset: 0)
        b.padData(dataBytes: 64)
        expectError(b, .unknownTensorType(tensor: "w", typeID: 4, offset: 45), message: "unknown ggml type id 4")
    }

    @Test func rowNotBlockMultiple() {
        var b = GGUFBytes.header(tensors: 1, keys: 0)
        b.tensor("w", dims: [33, 2], type: GGMLType.q4_0.rawValue, offset: 0)
        b.padData(dataBytes: 256)
        expectError(b, .rowNotBlockMultiple(tensor: "w", type: "Q4_0", rowLength: 33, blockSize: 32, offset: 33),
                    message: "row length 33 is not a multiple of Q4_0's block size 32")
    }

    @Test func duplicateTensor() {
        var b = GGUFBytes.header(tensors: 2, keys: 0)
        b.tensor("w", dims: [8], type: 0, offset: 0)
        b.tensor("w", dims: [8], type: 0, offset: 32)
        b.padData(dataBytes: 64)
        expectError(b, .duplicateTensor(tensor: "w", offset: 57), message: "duplicate tensor name 'w'")
    }

    @Test func misalignedTensor() {
        var b = GGUFBytes.header(tensors: 1, keys: 0)
        b.tensor("w", dims: [8], type: 0, offset: 4)
        b.padData(dataBytes: 64)
        expectError(b, .misalignedTensor(tensor: "w", dataOffset: 4, alignment: 32), message: "not a multiple of the alignment 32")
    }

    @Test func tensorOutOfBounds() {
        var b = GGUFBytes.header(tensors: 1, keys: 0)
        b.tensor("w", dims: [64], type: 0, offset: 0)
        b.padData(dataBytes: 100)
        expectError(b, .tensorOutOfBounds(tensor: "w", start: 64, end: 320, fileSize: 164), message: "lie outside the file")
    }

    @Test func overlappingTensors() {
        var b = GGUFBytes.header(tensors: 2, keys: 0)
        b.tensor("a", dims: [16], type: 0, offset: 0)
        b.tensor("b", dims: [16], type: 0, offset: 32)
        b.padData(dataBytes: 128)
        expectError(b, .overlappingTensors(first: "a", second: "b", offset: 96 + 32), message: "'b' overlaps tensor 'a'")
    }

    @Test func missingFile() {
        #expect(throws: GGUFError.cannotOpen(path: "/nonexistent/x.gguf", reason: "No such file or directory")) {
            try GGUFFile(path: "/nonexistent/x.gguf")
        }
    }

    @Test func validMinimalFileLoads() throws {
        var b = GGUFBytes.header(tensors: 2, keys: 0)
        b.tensor("a", dims: [8], type: 0, offset: 0)
        b.tensor("b", dims: [32, 2], type: GGMLType.q8_0.rawValue, offset: 32)
        b.padData(dataBytes: 32 + 68)
        let file = try GGUFFile(bytes: b.bytes)
        #expect(file.tensors.map(\.byteCount) == [32, 68])
        #expect(file.tensor(named: "b")?.rowCount == 2)
        #expect(file.parameterCount == 72)
    }
}
