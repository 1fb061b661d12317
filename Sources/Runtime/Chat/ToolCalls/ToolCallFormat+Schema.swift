/// The grammar-facing side of a format (literal text and JSON Schema per tool) and the tool
/// instructions for templates that do not present tools themselves.
extension ToolCallFormat {
    /// A tool's name, description and parameter schema, from an OpenAI tool object
    /// (`{"type": "function", "function": {…}}`) or a bare function object.
    public struct Function: Sendable, Equatable {
        public let name: String
        public let description: String?
        public let parameters: JSONValue

        public init(tool: JSONValue) throws(ToolDefinitionError) {
            let function = tool["function"] ?? tool
            guard let name = function["name"]?.stringValue, !name.isEmpty else {
                throw ToolDefinitionError(message: "a tool has no function name: \(tool.compactText)")
            }
            self.name = name
            description = function["description"]?.stringValue
            let parameters = function["parameters"] ?? .object(JSONObject([("type", "object")]))
            guard parameters.objectValue != nil else {
                throw ToolDefinitionError(message: "parameters of '\(name)' are not a JSON Schema object")
            }
            self.parameters = parameters
        }

        /// `{"name", "description" (when there is one), "parameters"}`: how tool sections list it.
        public var definition: JSONValue {
            var object = JSONObject([("name", .string(name))])
            if let description { object["description"] = .string(description) }
            object["parameters"] = parameters
            return .object(object)
        }
    }

    public static func functions(_ tools: [JSONValue]) throws(ToolDefinitionError) -> [Function] {
        var result: [Function] = []
        for tool in tools {
            let function = try Function(tool: tool)
            if result.contains(where: { $0.name == function.name }) {
                throw ToolDefinitionError(message: "two tools are named '\(function.name)'")
            }
            result.append(function)
        }
        return result
    }

    /// The JSON Schema of the call object for one function: `{"name": const, <argumentsKey>: parameters}`.
    public func callObjectSchema(_ function: Function) -> JSONValue {
        .object(JSONObject([
            ("type", "object"),
            ("properties", .object(JSONObject([
                ("name", .object(JSONObject([("const", .string(function.name))]))),
                (argumentsKey, function.parameters),
            ]))),
            ("required", .array(["name", .string(argumentsKey)])),
            ("additionalProperties", false),
        ]))
    }

    /// For each tool: the text before the JSON, the JSON's schema, and the text after it.
    public func callShapes(tools: [JSONValue]) throws(ToolDefinitionError) -> [ToolCallShape] {
        try Self.functions(tools).map { function in
            let call = callObjectSchema(function)
            switch family {
            case .hermes, .qwen, .llama3, .gemma:
                return ToolCallShape(toolName: function.name, prefix: prefix, schema: call, suffix: suffix)
            case .generic:
                let wrapped: JSONValue = .object(JSONObject([
                    ("type", "object"),
                    ("properties", .object(JSONObject([("tool_call", call)]))),
                    ("required", ["tool_call"]),
                    ("additionalProperties", false),
                ]))
                return ToolCallShape(toolName: function.name, prefix: prefix, schema: wrapped, suffix: suffix)
            case .mistral, .smollm2:
                let array: JSONValue = .object(JSONObject([
                    ("type", "array"), ("items", call), ("minItems", 1), ("maxItems", 1),
                ]))
                return ToolCallShape(toolName: function.name, prefix: prefix, schema: array, suffix: suffix)
            case .mistralArgs:
                return ToolCallShape(toolName: function.name, prefix: prefix + function.name + "[ARGS]",
                                     schema: function.parameters, suffix: suffix)
            case .qwenXML, .pythonic, .gemma4:
                // The arguments are not JSON here: the schema is of the arguments the syntax spells.
                let open = family == .qwenXML ? "<function=\(function.name)>\n" : family == .pythonic ? function.name + "(" : function.name
                return ToolCallShape(toolName: function.name, prefix: prefix + open, schema: function.parameters, suffix: suffix)
            }
        }
    }

    /// One schema for "any of the tools" when every shape shares its prefix and suffix
    /// (all families but `mistralArgs`, whose prefix names the tool): `{"anyOf": [...]}`.
    public func callSchema(tools: [JSONValue]) throws(ToolDefinitionError) -> JSONValue? {
        let shapes = try callShapes(tools: tools)
        guard writesJSONCalls, !shapes.isEmpty else { return nil }
        if shapes.count == 1 { return shapes[0].schema }
        return .object(JSONObject([("anyOf", .array(shapes.map(\.schema)))]))
    }

    /// System-prompt text that presents `tools` and the call syntax, for templates that ignore `tools`
    /// (SmolLM2's ChatML, Gemma's turns) and for the built-in fallback templates.
    public func toolInstructions(tools: [JSONValue]) throws(ToolDefinitionError) -> String {
        let functions = try Self.functions(tools)
        if family == .smollm2 { return Self.smolInstructions(functions) }
        let list = functions.map(\.definition.compactText).joined(separator: "\n")
        let example = "{\"name\": <function-name>, \"\(argumentsKey)\": <arguments-json-object>}"
        let syntax: String
        switch family {
        case .hermes, .qwen, .gemma, .llama3:
            syntax = prefix + example + suffix
        case .generic:
            syntax = "{\"tool_call\": \(example)}"
        case .mistral:
            syntax = "[TOOL_CALLS][\(example)]"
        case .mistralArgs:
            syntax = "[TOOL_CALLS]<function-name>[ARGS]<arguments-json-object>"
        case .smollm2:
            syntax = "<tool_call>[\(example)]</tool_call>"
        case .qwenXML:
            syntax = "<tool_call>\n<function=<function-name>>\n<parameter=<parameter-name>>\n<value>\n</parameter>\n</function>\n</tool_call>"
        case .pythonic:
            syntax = "<|tool_call_start|>[<function-name>(<parameter-name>=<python-value>, ...)]<|tool_call_end|>"
        case .gemma4:
            syntax = "<|tool_call>call:<function-name>{<parameter-name>:<value>,...}<tool_call|>"
        }
        return """
            You can call functions. Their definitions, one JSON object per line:
            <tools>
            \(list)
            </tools>
            To call a function, reply with exactly:
            \(syntax)
            """
    }
}

extension ToolCallFormat {
    /// The text a model of this family writes for `calls`: what `parse` reads back. Use it to keep
    /// earlier calls in the history of templates that do not render `tool_calls` themselves.
    public func text(for calls: [ToolCall]) -> String {
        func object(_ call: ToolCall) -> JSONValue {
            var members = JSONObject([("name", .string(call.name)), (argumentsKey, call.arguments)])
            if family == .mistral, let id = call.id { members["id"] = .string(id) }
            return .object(members)
        }
        switch family {
        case .hermes, .qwen, .gemma:
            return calls.map { prefix + object($0).compactText + suffix }.joined(separator: "\n")
        case .llama3:
            return calls.map { object($0).compactText }.joined(separator: "; ")
        case .mistral:
            return prefix + JSONValue.array(calls.map(object)).compactText
        case .smollm2:
            return prefix + "[\n" + calls.map { object($0).compactText }.joined(separator: ",\n") + "\n]" + suffix
        case .mistralArgs:
            return calls.map { call in
                prefix + call.name + (call.id.map { "[CALL_ID]" + $0 } ?? "") + "[ARGS]" + call.arguments.compactText
            }.joined()
        case .qwenXML, .pythonic, .gemma4:
            return nativeText(for: calls)
        case .generic:
            if calls.count == 1 { return JSONValue.object(JSONObject([("tool_call", object(calls[0]))])).compactText }
            return JSONValue.object(JSONObject([("tool_calls", .array(calls.map(object)))])).compactText
        }
    }
}

extension ToolCallFormat {
    /// SmolLM2's tool section, laid out as in the function-calling part of its instruction data:
    /// the functions as one JSON list (Python's separators) inside `<tools>`, then the reply
    /// syntax with an example call list.
    static func smolInstructions(_ functions: [Function]) -> String {
        let list = JSONValue.array(functions.map(\.definition)).text(itemSeparator: ", ", keySeparator: ": ")
        return """
            You are an expert in calling functions. You are given a question and a set of functions. \
            Answer with the function call that does what the question asks, with its argument values taken from the question.
            You have access to the following tools:
            <tools>\(list)</tools>
            Reply in exactly this format and nothing else:
            <tool_call>[
            {"name": "func_name1", "arguments": {"argument1": "value1", "argument2": "value2"}}
            ]</tool_call>
            """
    }
}
