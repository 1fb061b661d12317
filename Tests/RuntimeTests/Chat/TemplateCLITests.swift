import Foundation
import Testing
import TestSupport

@testable import Runtime

/// `swiftllm template render` end to end: its output must be jinja2's, byte for byte.
@Suite struct TemplateCLITests {
    static func writeJSON(_ value: JSONValue, _ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swiftllm-cli-\(UUID().uuidString)-\(name).json")
        try Data(value.compactText.utf8).write(to: url)
        return url
    }

    static func oracleCase(_ template: String, _ conversation: String) throws -> JSONValue {
        try #require(ChatTemplateOracleTests.oracleCases.first {
            $0["template"]?.stringValue == template && $0["conversation"]?.stringValue == conversation
        })
    }

    @Test(arguments: [
        ("Qwen-Qwen2.5-7B-Instruct.jinja", "tool_results"),
        ("Qwen-Qwen3-0.6B.jinja", "parallel_tool_calls"),
        ("mistralai-Mistral-Nemo-Instruct-2407.jinja", "tool_calls"),
        ("google-gemma-2-2b-it.jinja", "no_generation_prompt"),
        ("microsoft-Phi-3.5-mini-instruct.jinja", "multi_turn"),
    ])
    func renderWithTemplateFileMatchesJinja2(template: String, conversation: String) throws {
        let c = try Self.oracleCase(template, conversation)
        let expected = try #require(c["output"]?.stringValue)
        let messages = try Self.writeJSON(c["messages"] ?? [], "messages")
        defer { try? FileManager.default.removeItem(at: messages) }
        var arguments = ["template", "render", "--template", TestPaths.shared.appendingPathComponent("templates/\(template)").path,
                         "--messages", messages.path, "--bos-token", "<s>", "--eos-token", "</s>"]
        var toolsFile: URL?
        if let tools = c["tools"], tools != .null {
            toolsFile = try Self.writeJSON(tools, "tools")
            arguments += ["--tools", toolsFile?.path ?? ""]
        }
        defer { if let toolsFile { try? FileManager.default.removeItem(at: toolsFile) } }
        if c["add_generation_prompt"] == false { arguments.append("--no-generation-prompt") }
        let result = try CLI.run(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.text == expected)
    }

    @Test func modelTemplateAndSpecialTokensMatchJinja2() throws {
        let model = TestPaths.smolLM2
        try #require(FileManager.default.fileExists(atPath: model.path), "run scripts/fetch-models.sh")
        let messages = try Self.writeJSON([["role": "user", "content": "What is 2+2?"], ["role": "assistant", "content": "4"],
                                           ["role": "user", "content": "And 3+3?"]], "messages")
        defer { try? FileManager.default.removeItem(at: messages) }
        let expected = try Python.runOracle("render_templates.py", ["--gguf", model.path, messages.path])
        let result = try CLI.run(["template", "render", "-m", model.path, "--messages", messages.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == expected)
    }

    @Test func modelWithoutTemplateGetsBuiltinFormat() throws {
        let model = TestPaths.gemma3
        try #require(FileManager.default.fileExists(atPath: model.path), "run scripts/fetch-models.sh")
        let messages = try Self.writeJSON([["role": "user", "content": "Hi"]], "messages")
        defer { try? FileManager.default.removeItem(at: messages) }
        let result = try CLI.run(["template", "render", "-m", model.path, "--messages", messages.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.text == "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n")
    }

    @Test func failuresExitNonZeroWithAMessage() throws {
        let messages = try Self.writeJSON([["role": "system", "content": "s"], ["role": "user", "content": "u"]], "messages")
        let notArray = try Self.writeJSON(["role": "user"], "object")
        defer {
            try? FileManager.default.removeItem(at: messages)
            try? FileManager.default.removeItem(at: notArray)
        }
        let gemma = TestPaths.shared.appendingPathComponent("templates/google-gemma-2-2b-it.jinja").path
        let raised = try CLI.run(["template", "render", "--template", gemma, "--messages", messages.path])
        #expect(raised.status != 0)
        #expect(raised.stderr.contains("System role not supported"))
        #expect(raised.stdout.isEmpty)
        let bad = try CLI.run(["template", "render", "--template", gemma, "--messages", notArray.path])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("expected a JSON array"))
        let missing = try CLI.run(["template", "render", "--template", "/nonexistent.jinja", "--messages", messages.path])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("/nonexistent.jinja"))
        let both = try CLI.run(["template", "render", "-m", "x.gguf", "--template", gemma, "--messages", messages.path])
        #expect(both.status != 0)
    }
}
