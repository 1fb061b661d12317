import Foundation
import GGUF
import Runtime
import TestSupport
import Testing

/// `swiftllm inspect` end to end, against the Python `gguf` package's GGUFReader.
@Suite struct InspectCLITests {
    @Test func jsonMatchesGGUFReader() throws {
        let model = TestPaths.smolLM2
        try #require(FileManager.default.fileExists(atPath: model.path), "run scripts/fetch-models.sh")
        let result = try CLI.run(["inspect", model.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let ours = try JSONValue(parsing: Array(result.stdout))
        let dump = try JSONValue(parsing: Array(Python.runOracle("gguf_dump.py", [model.path])))

        #expect(ours["version"] == 3)
        #expect(ours["alignment"]?.intValue == dump["alignment"]?.intValue)
        let dumpTensors = dump["tensors"]?.arrayValue ?? []
        #expect(ours["tensor_count"]?.intValue == dumpTensors.count)

        let metadata = try #require(ours["metadata"]?.objectValue)
        let entries = dump["metadata"]?.arrayValue ?? []
        #expect(metadata.keys == entries.compactMap { $0["key"]?.stringValue })
        for entry in entries {
            let key = entry["key"]?.stringValue ?? ""
            let value = entry["value"] ?? .null
            if let array = value.arrayValue, array.count > 16 {
                #expect(metadata[key] == .object(JSONObject([("type", entry["element_type"] ?? .null), ("count", .int(array.count))])), "\(key)")
            } else if case .double(let expected) = value {
                // float32 metadata: ours prints the shortest float32 text; compare as float32.
                #expect(metadata[key]?.doubleValue.map { Float($0) } == Float(expected), "\(key)")
            } else {
                #expect(metadata[key] == value, "\(key)")
            }
        }

        let tensors = try #require(ours["tensors"]?.arrayValue)
        #expect(tensors.count == dumpTensors.count)
        for (ourTensor, theirs) in zip(tensors, dumpTensors) {
            #expect(ourTensor == theirs, "\(theirs["name"] ?? .null)")
        }
    }

    @Test func humanSummary() throws {
        let model = TestPaths.smolLM2
        try #require(FileManager.default.fileExists(atPath: model.path), "run scripts/fetch-models.sh")
        let result = try CLI.run(["inspect", model.path])
        #expect(result.status == 0)
        for line in ["architecture    llama", "layers          30", "heads           9 (kv 3)",
                     "vocabulary      49152 tokens, model gpt2", "chat template   yes", "file type       MOSTLY_Q4_1 (3)"] {
            #expect(result.text.contains(line), "missing '\(line)' in:\n\(result.text)")
        }
    }

    /// The newer architectures' layer kinds and RoPE, as the tiny models' README describes them.
    @Test func layerKindsAndRoPE() throws {
        let tiny = TestPaths.shared.appendingPathComponent("reference/tiny")
        let smol = try CLI.run(["inspect", tiny.appendingPathComponent("tiny-smollm3-f32.gguf").path])
        #expect(smol.text.contains("layer kinds     0-2 attention, 3 attention without RoPE"), "\(smol.text)")
        let mistral = try CLI.run(["inspect", tiny.appendingPathComponent("tiny-mistral3-f32.gguf").path])
        #expect(mistral.text.contains("RoPE            normal, 32 of 32 dims, base 1000000.0, YaRN ×8.0 from 32 positions; attention temperature 0.1 per 32 positions"),
                "\(mistral.text)")
        // The four families with per-layer mixers and shapes (README sections of each file).
        let expected = [
            "gemma4": ["layer kinds     0-1 sliding-window attention (16), 2 global attention, 3 sliding-window attention (16) reading layer 1's KV, 4 global attention reading layer 2's KV",
                       "(sliding-window layers 32 of 32 dims, base 10000.0)", "layer inputs    16 values per layer"],
            "qwen35": ["layer kinds     0-2 gated delta-net, 3 attention", "16 of 64 dims", "delta-net       2 q/k heads, 4 v heads of 32, conv 4"],
            "lfm2": ["layer kinds     0-1 short convolution, 2 attention, 3 short convolution, 4 attention", "short conv      3 taps"],
            "qwen3moe": ["experts         8, 2 used per token, FFN width 32"],
        ]
        for (arch, lines) in expected {
            let text = try CLI.run(["inspect", tiny.appendingPathComponent("tiny-\(arch)-f32.gguf").path]).text
            for line in lines { #expect(text.contains(line), "\(arch): missing '\(line)' in:\n\(text)") }
        }
    }

    /// A file with a tensor the architecture does not read: `inspect` marks it, `run` refuses the file.
    @Test func marksUnusedTensors() throws {
        let source = try GGUFFile(path: TestPaths.shared.appendingPathComponent("reference/tiny/tiny-qwen3-f32.gguf").path)
        var writer = GGUFWriter(version: source.version)
        writer.metadata = source.metadata
        for info in source.tensors {
            try writer.addTensor(name: info.name, shape: info.shape, type: info.type, data: Array(source.data(of: info)))
        }
        try writer.addTensor(name: "blk.0.ffn_down.bias", shape: [128], type: .f32, data: [UInt8](repeating: 0, count: 512))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swiftllm-unused-\(UUID()).gguf").path
        try writer.write(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }

        let json = try CLI.run(["inspect", path, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(try JSONValue(parsing: Array(json.stdout))["unused_tensors"] == ["blk.0.ffn_down.bias"])
        let table = try CLI.run(["inspect", path, "--tensors"])
        #expect(table.text.contains("tensors used    1 not used"))
        #expect(table.text.contains("* blk.0.ffn_down.bias"))
        #expect(table.text.contains("  blk.0.ffn_up.weight"))
        let run = try CLI.run(["run", "-m", path, "--raw", "-n", "1", "hi"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("does not use tensor 'blk.0.ffn_down.bias'"), "\(run.stderr)")

        let clean = try CLI.run(["inspect", TestPaths.smolLM2.path, "--json"])
        #expect(try JSONValue(parsing: Array(clean.stdout))["unused_tensors"] == [])
    }

    @Test func badFileFailsClearly() throws {
        let result = try CLI.run(["inspect", "/etc/passwd"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("not a GGUF file"))
        #expect(result.stdout.isEmpty)
        let missing = try CLI.run(["inspect", "/nonexistent.gguf"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("cannot open /nonexistent.gguf"))
    }
}
