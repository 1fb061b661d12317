import Foundation
import GGUF
import Runtime
import TestSupport
import Testing

/// Our metadata and tensor table against the Python `gguf` package's GGUFReader on the real models.
@Suite struct RealModelTests {
    @Test(arguments: [TestPaths.smolLM2, TestPaths.gemma3])
    func matchesGGUFReader(_ model: URL) throws {
        try #require(FileManager.default.fileExists(atPath: model.path),
                     "model missing: run scripts/fetch-models.sh")
        let file = try GGUFFile(path: model.path)
        let dump = try JSONValue(parsing: Array(Python.runOracle("gguf_dump.py", [model.path])))
        #expect(file.alignment == dump["alignment"]?.intValue)
        #expect(file.dataOffset == dump["data_offset"]?.intValue)

        let entries = dump["metadata"]?.arrayValue ?? []
        #expect(file.metadata.keys == entries.compactMap { $0["key"]?.stringValue })
        for entry in entries {
            let key = entry["key"]?.stringValue ?? ""
            let value = try #require(file.metadata[key])
            #expect(value.type.description == entry["type"]?.stringValue, "type of \(key)")
            #expect(GGUFComparison.matches(value, entry["value"] ?? .null), "value of \(key)")
        }

        let tensors = dump["tensors"]?.arrayValue ?? []
        #expect(file.tensors.count == tensors.count)
        for (tensor, entry) in zip(file.tensors, tensors) {
            #expect(tensor.name == entry["name"]?.stringValue)
            #expect(tensor.type.name == entry["type"]?.stringValue, "type of \(tensor.name)")
            #expect(tensor.shape == entry["shape"]?.arrayValue?.compactMap(\.intValue), "shape of \(tensor.name)")
            #expect(file.dataOffset + tensor.offset == entry["offset"]?.intValue, "offset of \(tensor.name)")
            #expect(tensor.byteCount == entry["bytes"]?.intValue, "bytes of \(tensor.name)")
        }
    }
}
