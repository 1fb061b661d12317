import Foundation
import Runtime
import TestSupport
import Testing

/// `swiftllm agent` and `swiftllm eval bfcl` end to end on SmolLM2.
@Suite struct AgentCLITests {
    static func lines(_ result: Subprocess.Result) throws -> [JSONValue] {
        try String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").map { try JSONValue(parsing: String($0)) }
    }

    @Test func agentCallsTheCalculatorAndStreamsJSONEvents() throws {
        let result = try CLI.run(["agent", "--builtin", "calculator", "--tool-choice", "required", "--max-steps", "2",
                                  "--json", "What is 12 times 7?"])
        let events = try Self.lines(result)
        let kinds = events.compactMap { $0["event"]?.stringValue }
        #expect(kinds.first == "step" && kinds.last == "finished", "\(kinds)")
        let call = try #require(events.first { $0["event"] == "tool_call" })
        #expect(call["name"] == "calculator")
        #expect(call["arguments"]?["expression"]?.stringValue != nil)
        // One tool: the name is forced (a token carrying the optional blank before it aside).
        #expect((call["confidence"]?["name_logprob"]?.doubleValue ?? -1) > -0.7)
        let output = try #require(events.first { $0["event"] == "tool_result" })
        #expect(output["id"] == call["id"])
        let finished = try #require(events.last)
        #expect(["answered", "step_budget", "loop_detected"].contains(finished["reason"]?.stringValue ?? ""))
        #expect(result.status == (finished["reason"] == "answered" ? 0 : 2))
    }

    @Test func declaredToolsEndWithThePendingCall() throws {
        let tools = FileManager.default.temporaryDirectory.appendingPathComponent("swiftllm-tools-\(UUID()).json")
        try Data(#"[{"type":"function","function":{"name":"get_weather","description":"Current weather in a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}}}]"#.utf8).write(to: tools)
        defer { try? FileManager.default.removeItem(at: tools) }
        let result = try CLI.run(["agent", "--tools", tools.path, "--tool-choice", "get_weather", "--json", "Weather in Paris?"])
        #expect(result.status == 0, "\(result.stderr)")
        let finished = try #require(try Self.lines(result).last)
        #expect(finished["reason"] == "tool_calls")
        let pending = try #require(finished["pending_calls"]?.arrayValue?.first)
        #expect(pending["function"]?["name"] == "get_weather")
        let arguments = try JSONValue(parsing: pending["function"]?["arguments"]?.stringValue ?? "")
        #expect(arguments["city"]?.stringValue != nil)
    }

    @Test func badToolSetupFailsClearly() throws {
        let unknown = try CLI.run(["agent", "--builtin", "teleport", "hi"])
        #expect(unknown.status != 0 && unknown.stderr.contains("teleport"), "\(unknown.stderr)")
        let noRoot = try CLI.run(["agent", "--builtin", "files", "hi"])
        #expect(noRoot.status != 0 && noRoot.stderr.contains("root"), "\(noRoot.stderr)")
        let missing = try CLI.run(["agent", "--tools", "/nonexistent/tools.json", "hi"])
        #expect(missing.status != 0 && missing.stderr.contains("/nonexistent/tools.json"), "\(missing.stderr)")
        let deadServer = try CLI.run(["agent", "--mcp", "no-such-mcp-server-binary", "hi"])
        #expect(deadServer.status != 0 && deadServer.stderr.contains("no-such-mcp-server-binary"), "\(deadServer.stderr)")
    }

    @Test func evalBFCLPrintsScoredQuestionsAndASummary() throws {
        let bfcl = TestPaths.shared.appendingPathComponent("bfcl")
        let result = try CLI.run(["eval", "bfcl", "--questions", bfcl.appendingPathComponent("BFCL_v4_simple_python.json").path,
                                  "--answers", bfcl.appendingPathComponent("possible_answer/BFCL_v4_simple_python.json").path,
                                  "--limit", "3", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try Self.lines(result)
        #expect(lines.count == 4)
        let summary = try #require(lines.last)
        for key in ["questions", "valid_calls", "ast_correct", "no_call", "mean_latency_ms", "tokens_in", "tokens_out"] {
            #expect(summary[key] != nil, "missing \(key)")
        }
        #expect(summary["questions"] == 3)
        #expect(summary["valid_calls"] == 3)
        #expect(lines.prefix(3).map { $0["id"]?.stringValue ?? "" } == ["simple_python_0", "simple_python_1", "simple_python_2"])
        let passes = lines.prefix(3).filter { $0["passed"] == true }.count
        #expect(summary["ast_correct"]?.intValue == passes)
    }
}
