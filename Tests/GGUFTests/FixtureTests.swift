import Foundation
import GGUF
import Runtime
import Tensor
import TestSupport
import Testing

/// Our reader against files written by the Python `gguf` package (scripts/oracles/make_gguf_fixtures.py,
/// run once per test process into a temporary folder), compared with what that script says it wrote.
@Suite struct FixtureTests {
    static let generated: Result<URL, any Error> = Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftllm-gguf-fixtures-\(UUID())")
        _ = try Python.runOracle("make_gguf_fixtures.py", [folder.path])
        return folder
    }

    static func fixture(_ name: String) throws -> URL {
        try generated.get().appendingPathComponent(name)
    }

    @Test(arguments: ["all-types-v3", "all-types-v2", "align-64"])
    func readsFixture(_ name: String) throws {
        let file = try GGUFFile(path: Self.fixture("\(name).gguf").path)
        let expectedText = try String(contentsOf: Self.fixture("\(name).json"), encoding: .utf8)
        let expected = try JSONValue(parsing: expectedText)
        #expect(file.version == UInt32(expected["version"]?.intValue ?? -1))
        #expect(file.alignment == expected["alignment"]?.intValue)
        #expect(file.dataOffset % file.alignment == 0)

        let expectedMetadata = expected["metadata"]?.arrayValue ?? []
        #expect(file.metadata.keys == expectedMetadata.compactMap { $0["key"]?.stringValue })
        for entry in expectedMetadata {
            let key = entry["key"]?.stringValue ?? ""
            let value = try #require(file.metadata[key], "missing \(key)")
            #expect(value.type.description == entry["type"]?.stringValue, "type of \(key)")
            if case .array(let array) = value {
                #expect(array.elementType.description == entry["element_type"]?.stringValue, "element type of \(key)")
            }
            #expect(GGUFComparison.matches(value, entry["value"] ?? .null), "value of \(key): \(value)")
        }

        let expectedTensors = expected["tensors"]?.arrayValue ?? []
        #expect(file.tensors.count == expectedTensors.count)
        for (tensor, entry) in zip(file.tensors, expectedTensors) {
            #expect(tensor.name == entry["name"]?.stringValue)
            #expect(tensor.type.name == entry["type"]?.stringValue)
            #expect(tensor.shape == entry["shape"]?.arrayValue?.compactMap(\.intValue))
            #expect(tensor.byteCount == entry["bytes"]?.intValue)
            #expect(tensor.offset % file.alignment == 0)
            let hex = file.data(of: tensor).map { String(format: "%02x", $0) }.joined()
            #expect(hex == entry["data_hex"]?.stringValue, "data of \(tensor.name)")
        }
    }

    @Test func fixturesCoverEveryComputableType() throws {
        let file = try GGUFFile(path: Self.fixture("all-types-v3.gguf").path)
        let written = Set(file.tensors.map(\.type))
        // Q8_1 is the one type whose block size the Python package disagrees with ggml on.
        #expect(written == Set(GGMLType.allCases).subtracting([.q8_1]))
    }

    @Test func rejectsBigEndian() throws {
        let path = try Self.fixture("big-endian.gguf").path
        #expect {
            try GGUFFile(path: path)
        } throws: { error in
            (error as? GGUFError) == .bigEndian(version: 3)
                && "\(error)".contains("big-endian GGUF files are not supported")
        }
    }

    @Test func typedAccessors() throws {
        let file = try GGUFFile(path: Self.fixture("all-types-v3.gguf").path)
        let meta = file.metadata
        #expect(try meta.int("test.int32") == -2_000_000_000)
        #expect(try meta.int("test.uint8") == 200)
        #expect(try meta.float("test.float32") == 0.15625)
        #expect(try meta.bool("test.bool_true"))
        #expect(try meta.strings("test.array.string") == ["a", "", "ü▁", "<|im_start|>"])
        #expect(try meta.ints("test.array.int16") == [-32768, 32767])
        #expect(try meta.floats("test.array.float32") == [0.5, -1.25, 3.0e10])
        #expect(try meta.archKey("block_count") == "testarch.block_count")
        #expect(try meta.intIfPresent("nope") == nil)
        #expect(throws: GGUFError.typeMismatch(key: "test.string", expected: "an integer", found: "string")) {
            try meta.int("test.string")
        }
        #expect(throws: GGUFError.typeMismatch(key: "test.array.int8", expected: "array[string]", found: "array[int8]")) {
            try meta.strings("test.array.int8")
        }
        #expect(throws: GGUFError.valueOutOfRange(key: "test.uint64", value: "uint64(18000000000000000000)")) {
            try meta.int("test.uint64")
        }
        #expect(throws: GGUFError.missingKey("absent.key")) { try meta.string("absent.key") }
        #expect("\(GGUFError.typeMismatch(key: "k", expected: "bool", found: "string"))"
            == "metadata key 'k': expected bool, found string")
    }
}

/// Compares a metadata value with the JSON the Python side wrote for it.
enum GGUFComparison {
    static func matches(_ value: GGUFValue, _ json: JSONValue) -> Bool {
        switch value {
        case .uint64(let v) where v > UInt64(Int.max): return json.doubleValue == Double(v)
        case .float32(let v): return json.doubleValue == Double(v)
        case .float64(let v): return json.doubleValue == v
        case .bool(let v): return json.boolValue == v
        case .string(let v): return json.stringValue == v
        case .array(let array):
            guard let elements = json.arrayValue, elements.count == array.count else { return false }
            return zip(array, elements).allSatisfy { matches($0, $1) }
        default: return value.intValue != nil && value.intValue == json.intValue
        }
    }
}
