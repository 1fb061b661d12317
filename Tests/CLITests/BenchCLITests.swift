import Foundation
import Runtime
import TestSupport
import Testing

/// `swiftllm bench` (whole model) end to end: the documented JSON fields, the model facts checked
/// against the Python `gguf` package's reading of the file, and the memory ceiling.
@Suite struct BenchCLITests {
    @Test func jsonFieldsModelFactsAndMemoryCeiling() throws {
        let model = TestPaths.smolLM2
        try #require(FileManager.default.fileExists(atPath: model.path), "run scripts/fetch-models.sh")
        let result = try CLI.run(["bench", "-m", model.path, "-p", "64", "-n", "8", "-r", "2", "--threads", "2", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n")
        let tests = try lines.map { try JSONValue(parsing: Array($0.utf8)) }
        #expect(tests.map { $0["test"]?.stringValue } == ["pp64", "tg8"])

        let dump = try JSONValue(parsing: Array(Python.runOracle("gguf_dump.py", [model.path])))
        let tensors = dump["tensors"]?.arrayValue ?? []
        let parameters = tensors.reduce(0) { $0 + ($1["shape"]?.arrayValue ?? []).reduce(1) { $0 * ($1.intValue ?? 0) } }
        let layerBytes = tensors.filter { $0["name"]?.stringValue?.hasPrefix("blk.") == true }.reduce(0) { $0 + ($1["bytes"]?.intValue ?? 0) }
        func meta(_ key: String) -> Int {
            (dump["metadata"]?.arrayValue ?? []).first { $0["key"]?.stringValue == key }?["value"]?.intValue ?? -1
        }
        let headDim = meta("llama.embedding_length") / meta("llama.attention.head_count")
        // F16 K and V for every layer, for the 64 positions the largest test needs.
        let cacheBytes = meta("llama.block_count") * 64 * 2 * meta("llama.attention.head_count_kv") * headDim * 2
        let fileSize = try #require(try FileManager.default.attributesOfItem(atPath: model.path)[.size] as? Int)

        for test in tests {
            #expect((test["tokens_per_second"]?.doubleValue ?? 0) > 0)
            #expect(test["samples_ts"]?.arrayValue?.count == 2)
            #expect(test["model_n_params"]?.intValue == parameters)
            #expect(test["model_size"]?.intValue == fileSize)
            #expect(test["threads"]?.intValue == 2)
            #expect(test["kv_cache_bytes"]?.intValue == cacheBytes)
            // A decode step reads every layer's weights, the output matrix (the tied embedding)
            // and a few vectors: more than the layers, less than the file.
            let perToken = test["weight_bytes_per_token"]?.intValue ?? 0
            #expect(perToken > layerBytes && perToken < fileSize)
            let rss = test["peak_rss_bytes"]?.intValue ?? .max
            #expect(rss < fileSize + cacheBytes + 64 << 20, "peak RSS \(rss) bytes")
        }
        #expect(tests[0]["weight_gb_per_s"] == .null)
        #expect((tests[1]["read_bw_gb_per_s"]?.doubleValue ?? 0) > 0)
    }

    @Test func rejectsBadArguments() throws {
        let result = try CLI.run(["bench", "-m", TestPaths.smolLM2.path, "-p", "x"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("-p takes non-negative integers"))
        let batch = try CLI.run(["bench", "-m", TestPaths.smolLM2.path, "--batch", "2,y"])
        #expect(batch.status != 0)
        #expect(batch.stderr.contains("--batch takes non-negative integers"))
    }

    /// `--batch`: one decode-batch test per size, named bB, each counting 32 steps of B tokens.
    @Test func decodeBatches() throws {
        let model = TestPaths.smolLM2
        try #require(FileManager.default.fileExists(atPath: model.path), "run scripts/fetch-models.sh")
        let result = try CLI.run(["bench", "-m", model.path, "-p", "0", "-n", "0", "--batch", "1,3", "-r", "1", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let tests = try String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").map { try JSONValue(parsing: Array($0.utf8)) }
        #expect(tests.map { $0["test"]?.stringValue } == ["b1", "b3"])
        #expect(tests.map { $0["n_tokens"]?.intValue } == [32, 96])
        #expect(tests.allSatisfy { ($0["tokens_per_second"]?.doubleValue ?? 0) > 0 && $0["samples_ts"]?.arrayValue?.count == 1 })
    }
}
