import Foundation
import Runtime
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `swiftllm agent` and `swiftllm eval bfcl` with a remote: the scripted server of
/// `scripts/testing/scripted_remote.py` (scripted answers, failures, or BFCL's ground truth) behind
/// the OpenAI API, the local model SmolLM2, end to end over HTTP.
@Suite(.serialized) struct EscalationCLITests {
    /// The CLI run on a thread of its own: `CLI.run` waits for the process, which would hold one of
    /// the concurrency pool's few threads.
    static func run(_ arguments: [String]) async throws -> Subprocess.Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try CLI.run(arguments) }) }.start()
        }
    }

    static func lines(_ text: String) throws -> [JSONValue] {
        try text.split(separator: "\n").map { try JSONValue(parsing: String($0)) }
    }

    static let key = "sk-test-\(UUID().uuidString)"

    @Test func evalEscalatesTheUnsureQuestionsToTheOracle() async throws {
        try #require(FileManager.default.fileExists(atPath: TestPaths.smolLM2.path), "run scripts/fetch-models.sh")
        let bfcl = TestPaths.shared.appendingPathComponent("bfcl")
        let trace = FileManager.default.temporaryDirectory.appendingPathComponent("bfcl-trace-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let result = try await ScriptedRemote.with([], arguments: ["--oracle", bfcl.path]) { server in
            try await Self.run(["eval", "bfcl", "-m", TestPaths.smolLM2.path, "--limit", "16", "--json",
                                "--questions", bfcl.appendingPathComponent("BFCL_v4_simple_python.json").path,
                                "--answers", bfcl.appendingPathComponent("possible_answer/BFCL_v4_simple_python.json").path,
                                "--remote", server.baseURL, "--remote-model", "oracle", "--policy", "confidence", "--threshold=-0.5",
                                "--price-in", "2.5", "--price-out", "10", "--trace", trace])
        }
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try Self.lines(result.text)
        let questions = lines.dropLast(), summary = try #require(lines.last)
        #expect(questions.count == 16)
        let escalated = questions.filter { $0["taker"] == "remote:oracle" }
        // The policy's own rule, checked from what it printed: below the threshold goes, the rest stays.
        for question in questions {
            let confidence = question["confidence"]?.doubleValue ?? -.infinity
            #expect((question["taker"] == "remote:oracle") == (confidence < -0.5), "\(question)")
        }
        #expect(escalated.allSatisfy { $0["passed"] == true }, "the oracle answers with the ground truth")
        #expect(summary["escalated"]?.intValue == escalated.count)
        #expect(summary["ast_correct_escalated"]?.intValue == escalated.count)
        #expect(summary["ast_correct"]?.intValue == (summary["ast_correct_kept"]?.intValue ?? -1) + escalated.count)
        // Cost: the oracle's usage of each escalated question at $2.50 / $10 per million.
        let cost = escalated.reduce(0.0) { $0 + Double($1["tokens_in"]?.intValue ?? 0) * 2.5e-6 + Double($1["tokens_out"]?.intValue ?? 0) * 1e-5 }
        #expect(abs((summary["cost_usd"]?.doubleValue ?? -1) - cost) < 1e-12)
        #expect((summary["all_remote_cost_usd"]?.doubleValue ?? 0) > cost)
        let traced = try Self.lines(try String(contentsOfFile: trace, encoding: .utf8))
        #expect(traced.count == 16)
        #expect(traced.filter { $0["escalated"] == true }.allSatisfy { $0["local_output"] != nil && $0["reason"]?.stringValue?.hasPrefix("confidence") == true })
    }

    @Test func agentStepsGoToTheRemoteWithTheKeyKeptOutOfEverything() async throws {
        try #require(FileManager.default.fileExists(atPath: TestPaths.smolLM2.path), "run scripts/fetch-models.sh")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("escalation-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = folder.appendingPathComponent("script.json"), trace = folder.appendingPathComponent("trace.jsonl")
        try Data(#"[{"behaviour": "ok", "arguments": {"expression": "17*23"}}, {"behaviour": "text", "text": "17 * 23 = 391"}]"#.utf8)
            .write(to: script)
        setenv("SWIFTLLM_TEST_REMOTE_KEY", Self.key, 1)
        let (result, requests) = try await ScriptedRemote.with([], arguments: ["--script", script.path]) { server in
            (try await Self.run(["agent", "-m", TestPaths.smolLM2.path, "--builtin", "calculator", "--json",
                                 "--remote", server.baseURL, "--remote-model", "scripted", "--remote-key-env", "SWIFTLLM_TEST_REMOTE_KEY",
                                 "--policy", "always", "--price-in", "2.5", "--price-out", "10", "--trace", trace.path,
                                 "What is 17 times 23?"]), server.requests())
        }
        #expect(result.status == 0, "\(result.stderr)")
        let events = try Self.lines(result.text)
        let finished = try #require(events.last)
        #expect(finished["event"] == "finished" && finished["answer"] == "17 * 23 = 391")
        #expect(events.contains { $0["event"] == "tool_result" && $0["output"]?.stringValue == #"{"result":391}"# })
        #expect(finished["accounting"]?["remote_steps"] == 2 && finished["accounting"]?["local_share"]?.doubleValue == 0)
        let traced = try Self.lines(try String(contentsOfFile: trace.path, encoding: .utf8))
        #expect(traced.map { $0["taker"]?.stringValue ?? "" } == ["remote:scripted", "remote:scripted"])
        #expect(traced.last?["messages"]?.arrayValue?.contains { $0["role"] == "tool" } == true)
        #expect(requests.count == 2)
        #expect(requests.first?["headers"]?["Authorization"]?.stringValue == "Bearer \(Self.key)")
        let traceText = try String(contentsOfFile: trace.path, encoding: .utf8)
        for text in [result.text, result.stderr, traceText] { #expect(!text.contains(Self.key)) }
    }

    /// Two real models and no scripted peer (`scripts/testing/hybrid_check.py`): `swiftllm agent`
    /// with Gemma3 sends every step to a second process, `swiftllm serve` with SmolLM2 (greedy, so
    /// the run is reproducible), through its API key. The forwarded `tool_choice: required` gives
    /// a call on the first step, every remote call validates (`jsonschema`) and runs, and the
    /// agent's remote request and token counts equal the server's own metrics.
    @Test func aSecondSwiftllmServeIsTheRemote() async throws {
        for model in [TestPaths.smolLM2, TestPaths.gemma3] {
            try #require(FileManager.default.fileExists(atPath: model.path), "run scripts/fetch-models.sh")
        }
        let result = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Subprocess.Result, Error>) in
            Thread {
                continuation.resume(with: Result {
                    try Python.runTestingScript("hybrid_check.py", [CLI.executable.path, TestPaths.gemma3.path, TestPaths.smolLM2.path])
                })
            }.start()
        }
        #expect(result.status == 0, "\(result.text)\n\(result.stderr)")
        #expect(result.text.components(separatedBy: "ok   ").count > 9, "\(result.text)")
        #expect(!result.text.contains("FAIL"), "\(result.text)")
    }

    @Test func aFailingRemoteLeavesTheStepToTheLocalModel() async throws {
        try #require(FileManager.default.fileExists(atPath: TestPaths.smolLM2.path), "run scripts/fetch-models.sh")
        let result = try await ScriptedRemote.with(["500"]) { server in
            try await Self.run(["agent", "-m", TestPaths.smolLM2.path, "--builtin", "calculator", "--json", "--max-steps", "2",
                                "--remote", server.baseURL, "--remote-model", "scripted", "--remote-timeout", "3",
                                "--policy", "always", "What is 2 + 2?"])
        }
        let events = try Self.lines(result.text)
        let decisions = events.filter { $0["event"] == "decision" }
        #expect(!decisions.isEmpty)
        #expect(decisions.allSatisfy { $0["action"] == "fallback" && $0["taker"] == "local" }, "\(decisions)")
        #expect(decisions.first?["reason"]?.stringValue?.contains("500") == true, "\(decisions)")
        #expect(events.last?["event"] == "finished")
    }
}
