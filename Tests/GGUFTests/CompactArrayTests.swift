import GGUF
import Testing

/// Arrays parsed from a file are read in place; their elements must decode exactly as values
/// written into the bytes by hand.
@Suite struct CompactArrayTests {
    /// One key holding `arrayBytes` (element type, count and elements already encoded).
    private func file(key: String, elementType: UInt32, count: UInt64, elements: (inout GGUFBytes) -> Void) throws -> GGUFFile {
        var b = GGUFBytes.header(tensors: 0, keys: 1)
        b.string(key)
        b.u32(9)
        b.u32(elementType)
        b.u64(count)
        elements(&b)
        return try GGUFFile(bytes: b.bytes)
    }

    @Test func numbersDecodeInPlace() throws {
        let f = try file(key: "n", elementType: 4, count: 3) { b in  // uint32
            b.u32(7); b.u32(0xFFFF_FFFF); b.u32(300)
        }
        let array = try f.metadata.array("n")
        #expect(array.count == 3)
        #expect(array[1] == .uint32(0xFFFF_FFFF))
        #expect(array == GGUFArray(elementType: .uint32, values: [.uint32(7), .uint32(0xFFFF_FFFF), .uint32(300)]))
        #expect(try f.metadata.ints("n") == [7, 4_294_967_295, 300])
        #expect(!array.isStringArray)
    }

    @Test func floatsAndBools() throws {
        let floats = try file(key: "f", elementType: 6, count: 2) { b in
            b.u32((-1.5 as Float).bitPattern); b.u32((0.25 as Float).bitPattern)
        }
        #expect(try floats.metadata.floats("f") == [-1.5, 0.25])
        let bools = try file(key: "b", elementType: 7, count: 3) { b in b.bytes += [0, 1, 2] }
        #expect(Array(try bools.metadata.array("b")) == [.bool(false), .bool(true), .bool(true)])
    }

    @Test func stringsAreRepairedLikeString() throws {
        let raw: [[UInt8]] = [Array("ab".utf8), [0x61, 0xFF, 0x62], Array("é▁x".utf8), []]
        let f = try file(key: "s", elementType: 8, count: UInt64(raw.count)) { b in
            for bytes in raw { b.u64(UInt64(bytes.count)); b.bytes += bytes }
        }
        let expected = raw.map { String(decoding: $0, as: UTF8.self) }
        let array = try f.metadata.stringArray("s")
        #expect(array.isStringArray)
        #expect(try f.metadata.strings("s") == expected)
        for (index, text) in expected.enumerated() {
            #expect(array[index] == .string(text))
            #expect(array.withUTF8(at: index) { Array($0) } == Array(text.utf8))
        }
        #expect(array[1] == .string("a\u{FFFD}b"))
    }

    @Test func validStringsAreReadInPlace() throws {
        let f = try file(key: "s", elementType: 8, count: 2) { b in b.string("<bos>"); b.string("日本") }
        let array = try f.metadata.stringArray("s")
        #expect(array.withUTF8(at: 1) { Array($0) } == Array("日本".utf8))
        #expect(array == GGUFArray(elementType: .string, values: [.string("<bos>"), .string("日本")]))
        #expect(throws: GGUFError.typeMismatch(key: "n", expected: "array[string]", found: "array[int32]")) {
            let numbers = try file(key: "n", elementType: 5, count: 1) { b in b.u32(1) }
            _ = try numbers.metadata.stringArray("n")
        }
    }
}
