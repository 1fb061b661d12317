import Foundation
import Runtime

/// The tools an agent may call, in presentation order, with unique names.
public struct ToolRegistry: Sendable {
    public private(set) var tools: [any Tool] = []

    public init(_ tools: [any Tool] = []) throws(ToolDefinitionError) {
        for tool in tools { try register(tool) }
    }

    /// Adds a tool; a second tool with the same name is an error.
    public mutating func register(_ tool: any Tool) throws(ToolDefinitionError) {
        guard !tool.name.isEmpty else { throw ToolDefinitionError(message: "a tool has an empty name") }
        guard self.tool(named: tool.name) == nil else {
            throw ToolDefinitionError(message: "two tools are named '\(tool.name)'")
        }
        guard tool.definition.parameters.objectValue != nil else {
            throw ToolDefinitionError(message: "parameters of '\(tool.name)' are not a JSON Schema object")
        }
        tools.append(tool)
    }

    public func tool(named name: String) -> (any Tool)? { tools.first { $0.name == name } }

    public var definitions: [ToolDefinition] { tools.map(\.definition) }

    /// The OpenAI `tools` array, for chat templates and remote models.
    public var openAITools: [JSONValue] { tools.map(\.definition.openAIObject) }

    public var isEmpty: Bool { tools.isEmpty }
}

extension ToolDefinition {
    /// Reads an OpenAI-style tools file: `[{"type": "function", "function": {name, description, parameters}}]`
    /// (bare function objects are accepted too).
    public static func load(path: String) throws -> [ToolDefinition] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ToolDefinitionError(message: "cannot read \(path)")
        }
        return try parse(String(decoding: data, as: UTF8.self))
    }

    /// Parses the text of an OpenAI-style tools array.
    public static func parse(_ text: String) throws -> [ToolDefinition] {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: text)
        } catch {
            throw ToolDefinitionError(message: "tools file is not valid JSON: \(error)")
        }
        guard let array = value.arrayValue else {
            throw ToolDefinitionError(message: "a tools file holds a JSON array of tool objects")
        }
        return try ToolCallFormat.functions(array).map {
            ToolDefinition(name: $0.name, description: $0.description ?? "", parameters: $0.parameters)
        }
    }
}

/// A tool known only by its definition (from a tools file): the agent can call it, but running it
/// is the caller's job, so the run ends with the call, as an API answering with `tool_calls` would.
public struct DeclaredTool: Tool {
    public let definition: ToolDefinition

    public init(_ definition: ToolDefinition) { self.definition = definition }

    public func call(arguments: JSONValue) async throws(ToolError) -> String {
        throw ToolError(.unavailable, "'\(definition.name)' has no implementation here; the caller runs it")
    }
}
