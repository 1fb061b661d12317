import Runtime

/// One tool of an `MCPServer`, as the agent sees it: the server's name, description and input
/// schema; calls go to the server. Names are the server's own, so two servers offering the same
/// name clash when registered in one `ToolRegistry`, which reports it.
public struct MCPTool: Tool {
    public let definition: ToolDefinition
    public let server: MCPServer

    /// From one item of a `tools/list` result; a missing `inputSchema` means "any object".
    init(listed item: JSONValue, server: MCPServer) throws(ToolError) {
        guard let name = item["name"]?.stringValue, !name.isEmpty else {
            throw ToolError(.failed, "MCP server '\(server.name)' listed a tool without a name: \(item.compactText)")
        }
        let schema = item["inputSchema"].flatMap { $0.objectValue != nil ? $0 : nil } ?? ["type": "object"]
        definition = ToolDefinition(name: name, description: item["description"]?.stringValue ?? "", parameters: schema)
        self.server = server
    }

    public func call(arguments: JSONValue) async throws(ToolError) -> String {
        try await server.call(tool: definition.name, arguments: arguments)
    }
}

/// How a `tools/call` result becomes the JSON text a model reads.
enum MCPToolResult {
    /// `structuredContent` when present; otherwise the text content items joined by newlines,
    /// as they are if that is JSON, else as `{"result": "…"}`. `isError: true` throws `.failed`
    /// with the text.
    static func text(of result: JSONValue, tool: String, server: String) throws(ToolError) -> String {
        guard result.objectValue != nil else {
            throw ToolError(.failed, "MCP server '\(server)' answered '\(tool)' with a non-object result: \(result.compactText)")
        }
        let items = result["content"]?.arrayValue ?? []
        let text = items.map(describe).joined(separator: "\n")
        if result["isError"]?.boolValue == true {
            throw ToolError(.failed, text.isEmpty ? "'\(tool)' reported an error without a message" : text)
        }
        if let structured = result["structuredContent"], structured != .null {
            return structured.compactText
        }
        if let json = try? JSONValue(parsing: text) {
            return json.compactText
        }
        return JSONValue.object(JSONObject([("result", .string(text))])).compactText
    }

    /// A content item as text: text as is, an embedded text resource by its text, and a note
    /// for what a text model cannot read (images, audio, binary resources).
    private static func describe(_ item: JSONValue) -> String {
        let type = item["type"]?.stringValue ?? "unknown"
        switch type {
        case "text":
            return item["text"]?.stringValue ?? ""
        case "resource":
            if let text = item["resource"]?["text"]?.stringValue { return text }
            return "[resource \(item["resource"]?["uri"]?.stringValue ?? "")]"
        case "resource_link":
            return "[resource link \(item["uri"]?.stringValue ?? "")]"
        default:
            return "[\(type) content \(item["mimeType"]?.stringValue ?? "") omitted]"
        }
    }
}
