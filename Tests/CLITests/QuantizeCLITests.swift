import Foundation
import GGUF
import Runtime
import TestSupport
import Testing

/// `swiftllm quantize` and `ModelQuantizer` against llama.cpp's `llama-quantize`: for every mix,
/// the type it chose for each tensor and the sha256 of each tensor's bytes
/// (`Tests/Reference/quantize-mixes.json`, written by scripts/oracles/llamacpp/quantize_reference.py
/// from the models of scripts/oracles/make_quant_model.py; our files are read back with `gguf`).
@Suite struct QuantizeCLITests {
    struct Described: Decodable, Equatable {
        var tensors: [String: [String]]
        var fileType: Int
        var quantizationVersion: Int

        enum CodingKeys: String, CodingKey {
            case tensors
            case fileType = "general.file_type"
            case quantizationVersion = "general.quantization_version"
        }
    }

    static func reference() throws -> [String: Described] {
        let url = TestPaths.repoRoot.appendingPathComponent("Tests/Reference/quantize-mixes.json")
        return try JSONDecoder().decode([String: Described].self, from: Data(contentsOf: url))
    }

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swiftllm-quantize-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func describe(_ url: URL) throws -> Described {
        try JSONDecoder().decode(Described.self, from: Python.runOracle("gguf_tensor_hashes.py", [url.path]))
    }

    static func differences(_ got: Described, _ expected: Described) -> [String] {
        var out: [String] = []
        if got.fileType != expected.fileType { out.append("file_type \(got.fileType) vs \(expected.fileType)") }
        if got.quantizationVersion != expected.quantizationVersion { out.append("quantization_version") }
        for (name, want) in expected.tensors.sorted(by: { $0.key < $1.key }) {
            guard let have = got.tensors[name] else { out.append("\(name) missing"); continue }
            if have[0] != want[0] { out.append("\(name): \(have[0]) vs llama.cpp's \(want[0])") }
            else if have[1] != want[1] { out.append("\(name): \(have[0]) bytes differ") }
        }
        out += got.tensors.keys.filter { expected.tensors[$0] == nil }.map { "\($0) extra" }
        return out
    }

    @Test(arguments: ["untied", "tied"])
    func everyMixMatchesLlamaQuantize(variant: String) throws {
        let reference = try Self.reference()
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("\(variant).gguf")
        _ = try Python.runOracle("make_quant_model.py", [source.path] + (variant == "tied" ? ["--tied"] : []))
        let file = try GGUFFile(path: source.path)
        let mixes = reference.keys.filter { $0.hasPrefix("\(variant)/") }.sorted()
        #expect(mixes.count == 11)
        // The two mixes the reference leaves out, per llama.h's llama_ftype: ALL_F32 0, MOSTLY_BF16 32.
        #expect(QuantizationMix.f32.fileType == 0 && QuantizationMix.bf16.fileType == 32)
        for key in mixes {
            let name = String(key.dropFirst(variant.count + 1))
            let mix = try #require(QuantizationMix(name: name), "\(name)")
            let out = dir.appendingPathComponent("\(name).gguf")
            try ModelQuantizer(file: file, mix: mix).write(file, to: out.path)
            let problems = Self.differences(try Self.describe(out), try #require(reference[key]))
            #expect(problems.isEmpty, "\(key): \(problems.prefix(8))")
        }
    }

    @Test func commandWritesTheMixAndRefusesBadInput() throws {
        let reference = try Self.reference()
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("m.gguf"), out = dir.appendingPathComponent("out.gguf")
        _ = try Python.runOracle("make_quant_model.py", [source.path])
        let run = try CLI.run(["quantize", source.path, out.path, "q4_k_m", "--threads", "2"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.text.contains("-> "), "\(run.text)")
        #expect(Self.differences(try Self.describe(out), try #require(reference["untied/Q4_K_M"])).isEmpty)

        let dry = try CLI.run(["quantize", source.path, dir.appendingPathComponent("dry.gguf").path, "Q6_K", "--dry-run"])
        #expect(dry.status == 0)
        #expect(dry.text.contains("blk.0.ffn_down.weight [384, 256] F32 -> Q8_0"), "\(dry.text)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("dry.gguf").path))

        let unknown = try CLI.run(["quantize", source.path, out.path, "Q3_X"])
        #expect(unknown.status != 0 && unknown.stderr.contains("unknown type 'Q3_X'"), "\(unknown.stderr)")
        let missing = try CLI.run(["quantize", dir.appendingPathComponent("none.gguf").path, out.path, "Q8_0"])
        #expect(missing.status != 0 && missing.stderr.contains("none.gguf"), "\(missing.stderr)")
        let noFolder = dir.appendingPathComponent("no/such/folder/x.gguf")
        let unwritable = try CLI.run(["quantize", source.path, noFolder.path, "Q8_0"])
        #expect(unwritable.status != 0 && unwritable.stderr.contains("cannot write"), "\(unwritable.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(left == ["m.gguf", "out.gguf"], "\(left)")
    }
}
