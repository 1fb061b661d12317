/// How a model family writes tool calls, detected from its chat template.
///
/// Each format gives: how tools are presented when the template does not do it itself
/// (`toolInstructions(tools:)`), the literal text around each call and the JSON Schema of the JSON
/// inside it (`callShapes(tools:)`, for the grammar engine), and a parser from generated text back to
/// calls (`parse(_:)`).
///
/// ```swift
/// let format = ToolCallFormat.detect(templateSource: template.source)   // e.g. .hermes
/// let shapes = try format.callShapes(tools: tools)   // prefix + JSON(schema) + suffix, one per tool
/// let parsed = format.parse(generatedText)           // content + [ToolCall]
/// ```
public struct ToolCallFormat: Sendable, Equatable {
    public enum Family: String, Sendable, CaseIterable {
        /// `<tool_call>\n{"name": …, "arguments": {…}}\n</tool_call>` (NousResearch Hermes 2/3).
        case hermes
        /// Qwen 2.5 / Qwen 3: the Hermes syntax inside ChatML turns.
        case qwen
        /// Llama 3.1 / 3.2: a bare `{"name": …, "parameters": {…}}`, optionally after `<|python_tag|>`.
        case llama3
        /// Mistral Nemo style: `[TOOL_CALLS][{"name": …, "arguments": {…}}, …]`.
        case mistral
        /// Mistral Small 3.2 / Devstral style: `[TOOL_CALLS]name[ARGS]{…}` (optionally
        /// `[TOOL_CALLS]name[CALL_ID]id[ARGS]{…}`).
        case mistralArgs
        /// Gemma (no native tool syntax in Gemma 2/3): ```` ```tool_call\n{"name": …, "arguments": {…}}\n``` ````.
        case gemma
        /// Anything else: `{"tool_call": {"name": …, "arguments": {…}}}`.
        case generic
        /// SmolLM2 (its GGUF template has no tool section; the syntax is the one its instruction
        /// data used): `<tool_call>[{"name": …, "arguments": {…}}, …]</tool_call>`.
        case smollm2
        /// Qwen3-Coder and Qwen 3.5: `<tool_call>\n<function=name>\n<parameter=key>\nvalue\n</parameter>\n</function>\n</tool_call>`,
        /// string values written raw, other values as JSON.
        case qwenXML
        /// LFM2: `<|tool_call_start|>[name(key="value", n=3), …]<|tool_call_end|>`, Python calls
        /// with Python literals.
        case pythonic
        /// Gemma 4: `<|tool_call>call:name{key:<|"|>text<|"|>,n:3}<tool_call|>`, keys in sorted
        /// order, strings between `<|"|>` markers.
        case gemma4
    }

    public let family: Family

    public init(family: Family) {
        self.family = family
    }

    /// Picks the family from marker strings in a chat template's source.
    public static func detect(templateSource source: String) -> ToolCallFormat {
        let family: Family
        if source.contains("<|tool_call>call:") {
            family = .gemma4
        } else if source.contains("<function=") && source.contains("<parameter=") {
            family = .qwenXML
        } else if source.contains("<|tool_call_start|>") || source.contains("List of tools:") {
            family = .pythonic
        } else if source.contains("[TOOL_CALLS]") {
            family = source.contains("[ARGS]") ? .mistralArgs : .mistral
        } else if source.contains("<tool_call>") && !source.contains("<function=") {
            // Qwen's tool preamble opens with "# Tools"; Hermes uses the same tags and ChatML turns.
            family = source.contains("# Tools") && source.contains("<|im_start|>") ? .qwen : .hermes
        } else if source.contains("<|start_header_id|>") && (source.contains("<|python_tag|>") || source.contains("\"parameters\"")) {
            family = .llama3
        } else if source.contains("<start_of_turn>") {
            family = .gemma
        } else {
            family = .generic
        }
        return ToolCallFormat(family: family)
    }

    /// Whether calls are JSON objects (`callObjectSchema`); the others write arguments in their own
    /// syntax (`ToolCallFormat+Native`).
    public var writesJSONCalls: Bool { !writesNativeArguments && family != .mistralArgs }

    /// Whether the arguments are written in the family's own syntax rather than as JSON
    /// (`qwenXML`, `pythonic`, `gemma4`; `ToolCallFormat+Native`).
    public var writesNativeArguments: Bool { [.qwenXML, .pythonic, .gemma4].contains(family) }

    /// The key of the arguments object inside a call.
    public var argumentsKey: String { family == .llama3 ? "parameters" : "arguments" }

    /// Text before the first call, fixed for the format (Mistral's marker, Hermes' open tag, …).
    public var prefix: String {
        switch family {
        case .hermes, .qwen, .qwenXML: "<tool_call>\n"
        case .smollm2: "<tool_call>"
        case .pythonic: "<|tool_call_start|>["
        case .gemma4: "<|tool_call>call:"
        case .llama3, .generic: ""
        case .mistral, .mistralArgs: "[TOOL_CALLS]"
        case .gemma: "```tool_call\n"
        }
    }

    /// Text after each call.
    public var suffix: String {
        switch family {
        case .hermes, .qwen, .qwenXML: "\n</tool_call>"
        case .smollm2: "</tool_call>"
        case .pythonic: "]<|tool_call_end|>"
        case .gemma4: "<tool_call|>"
        case .llama3, .generic, .mistral, .mistralArgs: ""
        case .gemma: "\n```"
        }
    }
}

/// One tool call: the function's name and its arguments (a JSON object).
public struct ToolCall: Sendable, Equatable {
    public var name: String
    public var arguments: JSONValue
    /// The call id when the model wrote one (Mistral does).
    public var id: String?

    public init(name: String, arguments: JSONValue, id: String? = nil) {
        self.name = name
        self.arguments = arguments
        self.id = id
    }

    /// The OpenAI message form: `{"id", "type": "function", "function": {"name", "arguments": "<JSON text>"}}`.
    public func openAIObject(defaultID: String) -> JSONValue {
        .object(JSONObject([
            ("id", .string(id ?? defaultID)), ("type", "function"),
            ("function", .object(JSONObject([("name", .string(name)), ("arguments", .string(arguments.compactText))]))),
        ]))
    }
}

/// What `ToolCallFormat.parse` found in generated text.
public struct ParsedToolCalls: Sendable, Equatable {
    /// The text outside the calls, trimmed.
    public var content: String
    public var calls: [ToolCall]

    public init(content: String, calls: [ToolCall]) {
        self.content = content
        self.calls = calls
    }
}

/// Literal text and JSON Schema of one tool's call: the model must write
/// `prefix`, then a JSON value valid under `schema`, then `suffix`.
public struct ToolCallShape: Sendable, Equatable {
    public let toolName: String
    public let prefix: String
    public let schema: JSONValue
    public let suffix: String
}

/// A tools list that cannot be presented or constrained.
public struct ToolDefinitionError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { "invalid tool definition: \(message)" }

    public init(message: String) { self.message = message }
}
