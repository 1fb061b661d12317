import Runtime

/// A function the agent can call: a name, a description, a JSON Schema for its arguments, and an
/// async implementation. Arguments reach `call` already validated against `parameters` when the
/// model wrote them under the tool's grammar; remote callers' arguments are validated by the loop.
///
/// ```swift
/// struct Echo: Tool {
///     let definition = ToolDefinition(name: "echo", description: "Repeats its input.",
///                                     parameters: ["type": "object", "properties": ["text": ["type": "string"]]])
///     func call(arguments: JSONValue) async throws(ToolError) -> String { arguments["text"]?.compactText ?? "null" }
/// }
/// ```
public protocol Tool: Sendable {
    var definition: ToolDefinition { get }
    /// Runs the tool. Returns JSON text (the result the model reads), or throws a `ToolError`
    /// that the model reads instead as `{"error": {"type": …, "message": …}}`.
    func call(arguments: JSONValue) async throws(ToolError) -> String
}

extension Tool {
    public var name: String { definition.name }
}

/// What a model is told about a tool: OpenAI's function shape.
public struct ToolDefinition: Sendable, Equatable {
    public var name: String
    public var description: String
    /// A JSON Schema object for the arguments.
    public var parameters: JSONValue

    public init(name: String, description: String, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }

    /// `{"type": "function", "function": {"name", "description", "parameters"}}`.
    public var openAIObject: JSONValue {
        .object(JSONObject([
            ("type", "function"),
            ("function", .object(JSONObject([
                ("name", .string(name)), ("description", .string(description)), ("parameters", parameters),
            ]))),
        ]))
    }
}

/// A tool's failure, reported to the model as a tool message rather than ending the run.
public struct ToolError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The arguments do not fit what the tool can do (beyond what the schema says).
        case invalidArguments = "invalid_arguments"
        /// The tool ran and failed.
        case failed
        /// The tool did not answer within its time limit.
        case timeout
        /// The tool cannot be reached (a dead MCP server, no implementation).
        case unavailable
        /// No tool has this name.
        case unknownTool = "unknown_tool"
        /// The tool refused for safety (a path outside the root, a file too large).
        case refused
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }

    /// The JSON text the model reads: `{"error": {"type": "…", "message": "…"}}`.
    public var jsonText: String {
        JSONValue.object(JSONObject([
            ("error", .object(JSONObject([("type", .string(kind.rawValue)), ("message", .string(message))]))),
        ])).compactText
    }
}
