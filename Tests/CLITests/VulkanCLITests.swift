import Foundation
import GGUF
import Runtime
import TestSupport
import Testing

/// `swiftllm devices` and `--backend vulkan` end to end: on lavapipe (CI installs
/// mesa-vulkan-drivers), and with the loader pointed at no driver, where every command must
/// fail with a one-line message and exit status 1.
@Suite(.serialized) struct VulkanCLITests {
    static let noDriver = ["VK_ICD_FILENAMES": "/nonexistent/icd.json", "VK_DRIVER_FILES": "/nonexistent/icd.json"]

    @Test func devicesListsWhatTheLoaderSees() throws {
        let result = try CLI.run(["devices", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [[String: Any]])
        #expect(!rows.isEmpty)
        #expect(rows.contains { ($0["compute"] as? Bool) == true && !(($0["name"] as? String) ?? "").isEmpty })
        let text = try CLI.run(["devices"])
        #expect(text.status == 0)
        #expect(text.text.hasPrefix("0: "))
    }

    @Test func noDriverIsAOneLineError() throws {
        for arguments in [["devices"], ["run", "-m", TestPaths.smolLM2.path, "--backend", "vulkan", "-n", "2", "hi"]] {
            let result = try CLI.run(arguments, environment: Self.noDriver)
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            let message = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(message.contains("Vulkan found no device"), "\(message)")
            #expect(!message.contains("\n"), "\(message)")
        }
        // Every command with --backend reaches the device choice (agent and eval through the
        // local model's options).
        for command in [["run", "-n", "2", "hi"], ["agent", "--builtin", "clock", "What time is it?"],
                        ["perplexity", "-f", TestPaths.repoRoot.appendingPathComponent("README.md").path]] {
            let badIndex = try CLI.run([command[0], "-m", TestPaths.smolLM2.path, "--backend", "vulkan", "--device", "99"] + command.dropFirst())
            #expect(badIndex.status == 1, "\(command[0]): \(badIndex.stderr)")
            #expect(badIndex.stderr.contains("no Vulkan device 99"), "\(command[0]): \(badIndex.stderr)")
        }
        let mistyped = try CLI.run(["run", "-m", TestPaths.smolLM2.path, "--backend", "cuda", "hi"])
        #expect(mistyped.status != 0)
        #expect(mistyped.stderr.contains("--backend must be cpu or vulkan"))
    }

    /// `run --backend vulkan` greedy on SmolLM2 prints llama.cpp's text up to its first step with
    /// a top-1/top-2 margin of at most 0.4 (the fidelity rule), and `bench` reports the backend.
    @Test func runOnVulkanFollowsLlamaCpp() throws {
        try #require(FileManager.default.fileExists(atPath: TestPaths.smolLM2.path), "run scripts/fetch-models.sh")
        let reference = "smollm2-135m-instruct-q4_1.jsonl"
        let first = try ReferencePrompt.load(TestPaths.shared.appendingPathComponent("reference/\(reference)"))[0]
        let margins = try GreedyTopK.load(reference: reference)[0]
        let decisive = (0..<first.greedy.count).first { margins.margin($0) <= 0.4 } ?? first.greedy.count
        #expect(decisive >= 5)
        let result = try CLI.run(["run", "-m", TestPaths.smolLM2.path, "--backend", "vulkan", "--temp", "0", "--raw",
                                  "-n", "\(decisive)", first.prompt])
        #expect(result.status == 0, "\(result.stderr)")
        let tokenizer = try Tokenizer(file: GGUFFile(path: TestPaths.smolLM2.path))
        let expected = first.greedy.prefix(decisive).flatMap { tokenizer.textBytes(of: $0) }
        #expect(Array(result.stdout) == expected, "got: \(result.text)")

        let bench = try CLI.run(["bench", "-m", TestPaths.smolLM2.path, "--backend", "vulkan", "-p", "8", "-n", "4", "-r", "1", "--json", "--profile"])
        #expect(bench.status == 0, "\(bench.stderr)")
        #expect(bench.text.contains("\"backend\""), "\(bench.text)")
        // --profile: one JSON line of device time per shader. SmolLM2 (llama, 30 layers) runs two
        // RMS norms per layer and the output norm, and one attention per layer, in every pass.
        let line = try #require(bench.text.split(separator: "\n").first { $0.hasPrefix("{\"profile\"") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let rows = try #require(object["profile"] as? [[String: Any]])
        let calls = Dictionary(uniqueKeysWithValues: rows.compactMap { row in
            (row["shader"] as? String).flatMap { name in (row["calls"] as? Int).map { (name, $0) } }
        })
        let passes = (calls["attention"] ?? 0) / 30
        #expect(passes >= 2 && calls["attention"] == 30 * passes, "\(calls)")
        #expect(calls["rms_norm"] == 61 * passes, "\(calls)")
        #expect(calls.keys.contains { $0.hasPrefix("matvec_") }, "\(calls)")
        #expect(rows.allSatisfy { ($0["seconds"] as? Double ?? 0) > 0 }, "\(rows)")

        let cpu = try CLI.run(["run", "-m", TestPaths.smolLM2.path, "--profile", "-n", "2", "hi"])
        #expect(cpu.status == 1)
        #expect(cpu.stderr.contains("needs the Vulkan backend"), "\(cpu.stderr)")
    }

    /// `serve --backend vulkan` with the `openai` client: three concurrent greedy requests get
    /// exactly their one-at-a-time answers, and the decode steps carried several sequences each
    /// (one device pass per step).
    @Test func serveOnVulkanBatchesConcurrentRequests() throws {
        try #require(FileManager.default.fileExists(atPath: TestPaths.smolLM2.path), "run scripts/fetch-models.sh")
        let result = try Python.runTestingScript("openai_client_check.py", ["serve-vulkan", CLI.executable.path, TestPaths.smolLM2.path])
        #expect(result.status == 0, "\(result.text)\n\(result.stderr)")
        #expect(result.text.split(separator: "\n").filter { $0.hasPrefix("ok   vulkan:") }.count == 2, "\(result.text)")
        #expect(!result.text.contains("FAIL"), "\(result.text)")
    }
}
