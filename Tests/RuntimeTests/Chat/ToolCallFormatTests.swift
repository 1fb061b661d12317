import Foundation
import Testing
import TestSupport

@testable import Runtime

/// Tool-call formats: detection from real templates, and parsing the calls that jinja2 rendered with
/// those templates back into the calls of the conversation.
@Suite struct ToolCallFormatTests {
    static let expectedFamilies: [String: ToolCallFormat.Family] = [
        "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja": .hermes,
        "NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja": .hermes,
        "ibm-granite-granite-4.0.jinja": .hermes,
        "Qwen-Qwen2.5-7B-Instruct.jinja": .qwen,
        "Qwen-Qwen3-0.6B.jinja": .qwen,
        "Qwen-QwQ-32B.jinja": .qwen,
        "meta-llama-Llama-3.1-8B-Instruct.jinja": .llama3,
        "meta-llama-Llama-3.2-3B-Instruct.jinja": .llama3,
        "mistralai-Mistral-Nemo-Instruct-2407.jinja": .mistral,
        "Mistral-Small-3.2-24B-Instruct-2506.jinja": .mistralArgs,
        "unsloth-mistral-Devstral-Small-2507.jinja": .mistralArgs,
        "google-gemma-2-2b-it.jinja": .gemma,
        "Qwen3-Coder.jinja": .qwenXML,
        "google-gemma-4-31B-it.jinja": .gemma4,
        "LFM2-8B-A1B.jinja": .pythonic,
        "LFM2.5-Instruct.jinja": .pythonic,
        "LFM2.5-8B-A1B.jinja": .pythonic,
        "llama-cpp-rwkv-world.jinja": .generic,
    ]

    static func source(_ name: String) throws -> String {
        try String(contentsOf: TestPaths.shared.appendingPathComponent("templates/\(name)"), encoding: .utf8)
    }

    @Test(arguments: expectedFamilies.keys.sorted())
    func detectsFamilyFromTemplate(name: String) throws {
        #expect(ToolCallFormat.detect(templateSource: try Self.source(name)).family == Self.expectedFamilies[name])
        #expect(try ChatTemplate(source: try Self.source(name)).toolCallFormat.family == Self.expectedFamilies[name])
    }

    /// The calls of a conversation as `ToolCall`s (arguments objects as given).
    static func calls(in conversation: String) -> [ToolCall] {
        ChatTemplateOracleTests.oracleMessages(conversation).flatMap { message in
            (message["tool_calls"]?.arrayValue ?? []).compactMap { call -> ToolCall? in
                guard let name = call["function"]?["name"]?.stringValue, let arguments = call["function"]?["arguments"] else { return nil }
                return ToolCall(name: name, arguments: arguments, id: call["id"]?.stringValue)
            }
        }
    }

    /// The text the model generated for its tool-call turn, cut from jinja2's rendering.
    static func assistantTurn(_ rendered: String, family: ToolCallFormat.Family) -> String {
        switch family {
        case .llama3:
            let turns = rendered.components(separatedBy: "<|start_header_id|>assistant<|end_header_id|>\n\n")
            let turn = turns.count >= 2 ? turns[turns.count - 2] : rendered
            return turn.components(separatedBy: "<|eot_id|>")[0].components(separatedBy: "<|eom_id|>")[0]
        case .qwenXML:
            // The system prompt shows an example call; the model's calls are in the assistant turns.
            return rendered.components(separatedBy: "<|im_start|>assistant").dropFirst().joined()
        default:
            return rendered
        }
    }

    /// The tools of a conversation as the oracle passed them.
    static func tools(in conversation: String) -> [JSONValue] {
        ChatTemplateOracleTests.oracleCases.first { $0["conversation"]?.stringValue == conversation }?["tools"]?.arrayValue ?? []
    }

    /// The templates that render `tool_calls` in the family's syntax (Gemma 2 and the generic ones
    /// have none; two LFM2 templates write only the content, the model's own text).
    static let renderedCallTemplates = expectedFamilies.filter {
        ![.gemma, .generic].contains($0.value) && !["LFM2-8B-A1B.jinja", "LFM2.5-Instruct.jinja"].contains($0.key)
    }.keys.sorted()

    @Test(arguments: renderedCallTemplates)
    func parsesCallsRenderedByJinja2(name: String) throws {
        let family = try #require(Self.expectedFamilies[name])
        let format = ToolCallFormat(family: family)
        for conversation in ["tool_calls", "parallel_tool_calls"] {
            guard let rendered = ChatTemplateOracleTests.expectedOutput(template: name, conversation: conversation) else {
                // Llama 3.x refuses parallel calls; nothing to parse.
                #expect(family == .llama3 && conversation == "parallel_tool_calls", "jinja2 did not render \(conversation)")
                continue
            }
            let parsed = format.parse(Self.assistantTurn(rendered, family: family), tools: Self.tools(in: conversation))
            let expected = Self.calls(in: conversation)
            #expect(parsed.calls.map(\.name) == expected.map(\.name), "\(conversation)")
            #expect(parsed.calls.map(\.arguments) == expected.map(\.arguments), "\(conversation)")
            if family == .mistral || name.hasPrefix("Mistral-Small") { #expect(parsed.calls.map(\.id) == expected.map(\.id)) }
        }
    }

    @Test func parsesEachFamilysSyntax() {
        let args: JSONValue = ["city": "Paris"]
        let cases: [(ToolCallFormat.Family, String, String)] = [
            (.hermes, "Sure.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>", "Sure."),
            (.qwen, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Paris\\\"}\"}\n", ""),
            (.llama3, "<|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}", ""),
            (.mistral, "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]", ""),
            (.mistralArgs, "[TOOL_CALLS]get_weather[ARGS]{\"city\": \"Paris\"}", ""),
            (.gemma, "```tool_call\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n```", ""),
            (.generic, "{\"tool_call\": {\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}}", ""),
            (.qwenXML, "Checking.\n\n<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n</function>\n</tool_call>", "Checking."),
            (.pythonic, "<|tool_call_start|>[get_weather(city=\"Paris\")]<|tool_call_end|>", ""),
            (.pythonic, "<|tool_call_start|>[get_weather(city='Paris')]<|tool_call_end|>Done.", "Done."),
            (.gemma4, "<|tool_call>call:get_weather{city:<|\"|>Paris<|\"|>}<tool_call|>", ""),
        ]
        for (family, text, content) in cases {
            let parsed = ToolCallFormat(family: family).parse(text)
            #expect(parsed.calls == [ToolCall(name: "get_weather", arguments: args)], "\(family)")
            #expect(parsed.content == content, "\(family)")
        }
    }

    /// SmolLM2's list syntax: several calls in one block, a closing tag inside a string argument,
    /// text around the block, and a block that is not a call list.
    @Test func smolLM2ListsParse() {
        let format = ToolCallFormat(family: .smollm2)
        let two = format.parse("Sure.\n<tool_call>[\n{\"name\": \"f\", \"arguments\": {\"s\": \"a </tool_call> b\"}},\n{\"name\": \"g\", \"arguments\": {}}\n]</tool_call>")
        #expect(two.calls == [ToolCall(name: "f", arguments: ["s": "a </tool_call> b"]), ToolCall(name: "g", arguments: [:])])
        #expect(two.content == "Sure.")
        let notCalls = format.parse("<tool_call>[1, 2]</tool_call> done")
        #expect(notCalls.calls.isEmpty)
        #expect(notCalls.content == "<tool_call>[1, 2]</tool_call> done")
        // The same for the one-call tags of Hermes and Gemma.
        for family in [ToolCallFormat.Family.hermes, .gemma] {
            let format = ToolCallFormat(family: family)
            let call = ToolCall(name: "f", arguments: ["s": .string("x " + format.suffix + " y")])
            #expect(format.parse("Ok. " + format.text(for: [call])) == ParsedToolCalls(content: "Ok.", calls: [call]), "\(family)")
        }
        // Cut off by a stop string before the closing tag.
        #expect(format.parse("<tool_call>[{\"name\": \"f\", \"arguments\": {}}]").calls == [ToolCall(name: "f", arguments: [:])])
    }

    @Test func textWithoutValidCallsStaysContent() {
        for family in ToolCallFormat.Family.allCases {
            let format = ToolCallFormat(family: family)
            #expect(format.parse("Just an answer.") == ParsedToolCalls(content: "Just an answer.", calls: []), "\(family)")
            let broken = format.prefix + "{\"name\": \"f\", \"arguments\": {" + format.suffix
            #expect(format.parse(broken).calls.isEmpty, "\(family)")
        }
    }

    static let weatherTool: JSONValue = [
        "type": "function",
        "function": ["name": "get_weather", "description": "Weather.",
                     "parameters": ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]]],
    ]

    @Test func callShapesGiveLiteralTextAndSchema() throws {
        let parameters: JSONValue = ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]]
        let callObject: JSONValue = [
            "type": "object",
            "properties": ["name": ["const": "get_weather"], "arguments": parameters],
            "required": ["name", "arguments"],
            "additionalProperties": false,
        ]
        let hermes = try ToolCallFormat(family: .hermes).callShapes(tools: [Self.weatherTool])
        #expect(hermes == [ToolCallShape(toolName: "get_weather", prefix: "<tool_call>\n", schema: callObject, suffix: "\n</tool_call>")])
        let args = try ToolCallFormat(family: .mistralArgs).callShapes(tools: [Self.weatherTool])
        #expect(args == [ToolCallShape(toolName: "get_weather", prefix: "[TOOL_CALLS]get_weather[ARGS]", schema: parameters, suffix: "")])
        let llama = try ToolCallFormat(family: .llama3).callShapes(tools: [Self.weatherTool])
        #expect(llama[0].schema["properties"]?["parameters"] == parameters)
        let mistral = try ToolCallFormat(family: .mistral).callShapes(tools: [Self.weatherTool])
        #expect(mistral[0].schema == ["type": "array", "items": callObject, "minItems": 1, "maxItems": 1])
        let search: JSONValue = ["type": "function", "function": ["name": "search"]]
        let union = try ToolCallFormat(family: .qwen).callSchema(tools: [Self.weatherTool, search])
        #expect(union?["anyOf"]?.arrayValue?.count == 2)
        #expect(try ToolCallFormat(family: .mistralArgs).callSchema(tools: [Self.weatherTool]) == nil)
    }

    /// What a model writes under each shape (prefix, a JSON value valid for the schema, suffix) parses back.
    @Test func shapesRoundTripThroughTheParser() throws {
        let arguments: JSONValue = ["city": "Oslo"]
        // The syntaxes whose arguments are JSON (the others spell them their own way: see
        // ToolCallGrammarTests and nativeValuesRoundTrip).
        for family in ToolCallFormat.Family.allCases where !ToolCallFormat(family: family).writesNativeArguments {
            let format = ToolCallFormat(family: family)
            let shape = try #require(try format.callShapes(tools: [Self.weatherTool]).first)
            let call: JSONValue = .object(JSONObject([("name", "get_weather"), (format.argumentsKey, arguments)]))
            let json: JSONValue
            switch family {
            case .generic: json = ["tool_call": call]
            case .mistral: json = [call]
            case .mistralArgs: json = arguments
            default: json = call
            }
            let parsed = format.parse(shape.prefix + json.compactText + shape.suffix)
            #expect(parsed.calls == [ToolCall(name: "get_weather", arguments: arguments)], "\(family)")
        }
    }

    @Test func writtenCallsParseBack() {
        let calls = [ToolCall(name: "get_weather", arguments: ["city": "Oslo", "days": [1, 2]], id: "abcDEF123"),
                     ToolCall(name: "search", arguments: ["query": "ski \"resorts\""], id: "xyz987654")]
        for family in ToolCallFormat.Family.allCases {
            let format = ToolCallFormat(family: family)
            for subset in [[calls[0]], calls] {
                let parsed = format.parse(format.text(for: subset))
                let keepsID = family == .mistral || family == .mistralArgs
                #expect(parsed.calls == subset.map { ToolCall(name: $0.name, arguments: $0.arguments, id: keepsID ? $0.id : nil) }, "\(family)")
                #expect(parsed.content.isEmpty, "\(family)")
            }
        }
    }

    @Test func streamingHoldsBackPossibleCallStarts() {
        let hermes = ToolCallFormat(family: .hermes)
        #expect(hermes.mayBeginCall(""))
        #expect(hermes.mayBeginCall("\n<tool"))
        #expect(hermes.mayBeginCall("<tool_call>\n{\"na"))
        #expect(!hermes.mayBeginCall("Hello"))
        #expect(!hermes.mayBeginCall("<tools"))
        let llama = ToolCallFormat(family: .llama3)
        #expect(llama.mayBeginCall("<|python"))
        #expect(llama.mayBeginCall("{\"name\""))
        #expect(!llama.mayBeginCall("The answer"))
        #expect(ToolCallFormat(family: .mistralArgs).mayBeginCall("[TOOL_CALLS]get_"))
        #expect(!ToolCallFormat(family: .mistral).mayBeginCall("[INST]"))
        #expect(!ToolCallFormat(family: .generic).mayBeginCall("Sure"))
    }

    @Test func badToolDefinitionsAreReported() {
        #expect(throws: ToolDefinitionError.self) { try ToolCallFormat(family: .hermes).callShapes(tools: [["type": "function"]]) }
        #expect(throws: ToolDefinitionError.self) {
            try ToolCallFormat(family: .hermes).callShapes(tools: [Self.weatherTool, Self.weatherTool])
        }
        #expect(throws: ToolDefinitionError.self) {
            try ToolCallFormat(family: .hermes).callShapes(tools: [["function": ["name": "f", "parameters": "x"]]])
        }
    }

    @Test func instructionsPresentToolsAndSyntax() throws {
        let text = try ToolCallFormat(family: .gemma).toolInstructions(tools: [Self.weatherTool])
        #expect(text.contains(#"{"name":"get_weather","description":"Weather.","parameters":{"type":"object""#))
        #expect(text.contains("```tool_call\n{\"name\": <function-name>, \"arguments\": <arguments-json-object>}\n```"))
    }

    @Test func openAIObjectCarriesArgumentsAsText() {
        let call = ToolCall(name: "f", arguments: ["a": 1])
        #expect(call.openAIObject(defaultID: "call_0") == [
            "id": "call_0", "type": "function", "function": ["name": "f", "arguments": "{\"a\":1}"],
        ])
    }
}
