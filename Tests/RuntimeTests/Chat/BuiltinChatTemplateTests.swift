import Foundation
import GGUF
import Testing
import TestSupport

@testable import Runtime

/// The fallback formats, checked against the official templates they imitate (rendered by jinja2).
@Suite struct BuiltinChatTemplateTests {
    static func render(_ family: ChatTemplate.BuiltinFamily, _ conversation: String, tools: [JSONValue]? = nil) throws -> String {
        let addPrompt = conversation != "no_generation_prompt"
        return try ChatTemplate.builtin(family).render(
            messages: ChatTemplateOracleTests.oracleMessages(conversation), tools: tools,
            addGenerationPrompt: addPrompt, bosToken: "<s>", eosToken: "</s>")
    }

    /// Without tools, ChatML is Qwen 2.5's layout whenever the conversation has a system message.
    @Test(arguments: ["system", "multi_turn", "tool_history_no_tools"])
    func chatMLMatchesQwenTemplate(conversation: String) throws {
        let expected = try #require(ChatTemplateOracleTests.expectedOutput(template: "Qwen-Qwen2.5-7B-Instruct.jinja", conversation: conversation))
        #expect(try Self.render(.chatML, conversation) == expected)
    }

    /// Gemma turns match Gemma 2's official template where that template accepts the conversation.
    @Test(arguments: ["plain", "no_generation_prompt"])
    func gemmaMatchesGemma2Template(conversation: String) throws {
        let expected = try #require(ChatTemplateOracleTests.expectedOutput(template: "google-gemma-2-2b-it.jinja", conversation: conversation))
        #expect(try Self.render(.gemma, conversation) == expected)
    }

    @Test func gemmaFoldsSystemAndToolsIntoFirstUserTurn() throws {
        let text = try Self.render(.gemma, "system", tools: [ToolCallFormatTests.weatherTool])
        #expect(text.hasPrefix("<s><start_of_turn>user\nYou are a helpful assistant. Answer in one sentence.\n\nYou can call functions."))
        #expect(text.hasSuffix("What is the capital of France?<end_of_turn>\n<start_of_turn>model\n"))
        #expect(ChatTemplate.builtin(.gemma).toolCallFormat.family == .gemma)
    }

    @Test func chatMLPresentsToolsAndRendersCallsTheWayItsFormatParses() throws {
        let template = ChatTemplate.builtin(.chatML)
        #expect(template.toolCallFormat.family == .hermes)
        let text = try Self.render(.chatML, "tool_calls", tools: [ToolCallFormatTests.weatherTool])
        #expect(text.hasPrefix("<|im_start|>system\nYou can call tools.\n\nYou can call functions."))
        let calls = template.toolCallFormat.parse(text).calls
        #expect(calls == [ToolCall(name: "get_weather", arguments: ["city": "Paris", "unit": "celsius"])])
    }

    @Test func familyFollowsArchitecture() {
        #expect(ChatTemplate.builtinFamily(architecture: "gemma3") == .gemma)
        #expect(ChatTemplate.builtinFamily(architecture: "llama") == .chatML)
    }

    @Test func rendersToolsReflectsTheTemplate() throws {
        #expect(try ChatTemplate(source: "{{ messages[0].content }}").rendersTools == false)
        #expect(try ChatTemplate(source: "{% if tools %}x{% endif %}").rendersTools)
        #expect(ChatTemplate.builtin(.chatML).rendersTools)
    }
}

/// `ChatTemplate.ModelFormat` on the two real models.
@Suite struct ModelChatFormatTests {
    @Test func smolLM2CarriesItsTemplateAndTokens() throws {
        let model = TestPaths.smolLM2
        try #require(FileManager.default.fileExists(atPath: model.path), "run scripts/fetch-models.sh")
        let format = try ChatTemplate.ModelFormat(metadata: GGUFFile(path: model.path).metadata)
        #expect(!format.isBuiltin)
        #expect(format.bosToken == "<|im_start|>")
        #expect(format.eosToken == "<|im_end|>")
        #expect(format.template.toolCallFormat.family == .generic)
        #expect(!format.template.rendersTools)
        // The template has no tool section; the model's own call syntax comes from its name.
        #expect(format.toolCallFormat.family == .smollm2)
    }

    @Test func gemma3FallsBackToGemmaTurns() throws {
        let model = TestPaths.gemma3
        try #require(FileManager.default.fileExists(atPath: model.path), "run scripts/fetch-models.sh")
        let format = try ChatTemplate.ModelFormat(metadata: GGUFFile(path: model.path).metadata)
        #expect(format.isBuiltin)
        #expect(format.bosToken == "<bos>")
        #expect(format.eosToken == "<eos>")
        #expect(format.template.toolCallFormat.family == .gemma)
        #expect(format.toolCallFormat.family == .gemma)
    }
}
