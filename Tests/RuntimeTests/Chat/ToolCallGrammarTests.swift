import Runtime
import Testing

/// The grammar of a reply under each tool choice, in every format: the text a model of that family
/// writes for valid calls (`ToolCallFormat.text(for:)`) is accepted and parses back to the calls;
/// arguments that break the schema, unknown tools, and text where calls are required are not.
@Suite struct ToolCallGrammarTests {
    static let tools: [JSONValue] = [
        ["type": "function", "function": [
            "name": "get_weather", "description": "Weather for a city",
            "parameters": ["type": "object", "properties": ["city": ["type": "string"], "unit": ["enum": ["c", "f"]]],
                           "required": ["city"], "additionalProperties": false]]],
        ["type": "function", "function": [
            "name": "add", "parameters": ["type": "object", "properties": ["a": ["type": "integer"], "b": ["type": "integer"]],
                                          "required": ["a", "b"], "additionalProperties": false]]],
    ]
    static let weather = ToolCall(name: "get_weather", arguments: ["city": "Paris", "unit": "c"])
    static let sum = ToolCall(name: "add", arguments: ["a": 2, "b": -3])

    static func accepts(_ grammar: Grammar?, _ text: String) -> Bool {
        guard let grammar else { return true }
        var matcher = GrammarMatcher(grammar)
        return matcher.accept(Array(text.utf8)) && matcher.isComplete
    }

    @Test(arguments: ToolCallFormat.Family.allCases)
    func requiredAcceptsValidCallsOnly(_ family: ToolCallFormat.Family) throws {
        let format = ToolCallFormat(family: family)
        let grammar = try ToolCallGrammar.build(format: format, tools: Self.tools, choice: .required)
        for calls in [[Self.weather], [Self.sum], [Self.weather, Self.sum]] {
            let text = format.text(for: calls)
            #expect(Self.accepts(grammar, text), "\(family): \(text)")
            #expect(format.parse(text).calls == calls, "\(family): \(text)")
        }
        let badType = format.text(for: [ToolCall(name: "add", arguments: ["a": "two", "b": 1])])
        let missing = format.text(for: [ToolCall(name: "get_weather", arguments: ["unit": "c"])])
        let extra = format.text(for: [ToolCall(name: "add", arguments: ["a": 1, "b": 1, "c": 1])])
        let unknown = format.text(for: [ToolCall(name: "delete_all", arguments: [:])])
        let badEnum = format.text(for: [ToolCall(name: "get_weather", arguments: ["city": "Oslo", "unit": "k"])])
        for text in [badType, missing, extra, unknown, badEnum, "The weather is fine.", ""] {
            #expect(!Self.accepts(grammar, text), "\(family) accepted \(text)")
        }
    }

    @Test(arguments: ToolCallFormat.Family.allCases)
    func namedFunctionAllowsOneCallOfIt(_ family: ToolCallFormat.Family) throws {
        let format = ToolCallFormat(family: family)
        let grammar = try ToolCallGrammar.build(format: format, tools: Self.tools, choice: .function("add"))
        #expect(Self.accepts(grammar, format.text(for: [Self.sum])))
        #expect(!Self.accepts(grammar, format.text(for: [Self.weather])))
        #expect(!Self.accepts(grammar, format.text(for: [Self.sum, Self.sum])))
        #expect(throws: ToolDefinitionError.self) {
            try ToolCallGrammar.build(format: format, tools: Self.tools, choice: .function("nope"))
        }
    }

    @Test(arguments: ToolCallFormat.Family.allCases)
    func autoAllowsTextOrCalls(_ family: ToolCallFormat.Family) throws {
        let format = ToolCallFormat(family: family)
        let grammar = try ToolCallGrammar.build(format: format, tools: Self.tools, choice: .auto)
        #expect(Self.accepts(grammar, "It is sunny in Paris."))
        #expect(Self.accepts(grammar, ""))
        #expect(Self.accepts(grammar, format.text(for: [Self.weather])))
        #expect(!Self.accepts(grammar, format.text(for: [ToolCall(name: "add", arguments: ["a": 1.5, "b": 1])])))
        if !format.prefix.isEmpty {
            // Lazy: text first, then the prefix starts calls that must be valid and end the reply.
            let text = "Let me check. " + format.text(for: [Self.weather])
            #expect(Self.accepts(grammar, text))
            #expect(format.parse(text).calls == [Self.weather])
            #expect(!Self.accepts(grammar, format.text(for: [Self.weather]) + " Done."))
            #expect(!Self.accepts(grammar, "Let me check. " + format.prefix + "{\"name\": \"add\"}"))
            // Text that only shares the prefix's first bytes stays text.
            let near = String(format.prefix.dropLast()) + "x and more"
            #expect(Self.accepts(grammar, near), "\(family): \(near)")
        }
    }

    @Test(arguments: ToolCallFormat.Family.allCases)
    func noneForbidsCalls(_ family: ToolCallFormat.Family) throws {
        let format = ToolCallFormat(family: family)
        let grammar = try ToolCallGrammar.build(format: format, tools: Self.tools, choice: .none)
        if format.prefix.isEmpty {
            #expect(grammar == nil)
        } else {
            #expect(Self.accepts(grammar, "Plain text, no calls."))
            #expect(!Self.accepts(grammar, "Calling: " + format.text(for: [Self.weather])))
        }
    }

    @Test func parallelIsBounded() throws {
        let format = ToolCallFormat(family: .hermes)
        let three = format.text(for: [Self.sum, Self.sum, Self.sum])
        let two = try ToolCallGrammar.build(format: format, tools: Self.tools, choice: .required, maxCalls: 2)
        #expect(!Self.accepts(two, three))
        #expect(Self.accepts(two, format.text(for: [Self.sum, Self.weather])))
        let single = try ToolCallGrammar.build(format: format, tools: Self.tools, choice: .required, parallel: false)
        #expect(!Self.accepts(single, format.text(for: [Self.sum, Self.weather])))
        #expect(throws: ToolDefinitionError.self) {
            try ToolCallGrammar.build(format: format, tools: [], choice: .required)
        }
    }

    @Test func flexibleWhitespaceIsBounded() throws {
        let format = ToolCallFormat(family: .hermes)
        let grammar = try ToolCallGrammar.build(format: format, tools: Self.tools, choice: .required,
                                                options: .init(whitespace: .flexible(maxRun: 2)))
        #expect(Self.accepts(grammar, "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}\n</tool_call>"))
        #expect(!Self.accepts(grammar, "<tool_call>\n{\"name\":     \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}\n</tool_call>"))
    }
}
