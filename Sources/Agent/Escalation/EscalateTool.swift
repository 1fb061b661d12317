import Runtime

/// `escalate(reason)`: the local model's way to ask for the remote model. Under the `tool`
/// escalation rule the policy sees the call and sends the step away before it runs; when it does
/// run (no remote configured, or another rule), it tells the model to go on by itself.
public struct EscalateTool: Tool {
    public static let name = "escalate"

    public let definition = ToolDefinition(
        name: EscalateTool.name,
        description: "Ask a stronger model to take this step when you are unsure how to do it.",
        parameters: [
            "type": "object",
            "properties": ["reason": ["type": "string", "description": "Why you need help."]],
            "required": ["reason"],
            "additionalProperties": false,
        ])

    public init() {}

    public func call(arguments: JSONValue) async throws(ToolError) -> String {
        #"{"status":"no stronger model is available; continue with the tools you have"}"#
    }
}

/// A step taker that never sees the named tools (they are removed from each request; a tool choice
/// naming one of them becomes `required`).
public struct WithoutTools: StepTaker {
    public let inner: any StepTaker
    public let names: Set<String>

    public init(_ inner: any StepTaker, names: Set<String>) {
        self.inner = inner
        self.names = names
    }

    public var name: String { inner.name }

    public func takeStep(_ request: StepRequest) async throws -> ProposedStep {
        var request = request
        request.tools.removeAll { names.contains($0.name) }
        if case .function(let name) = request.toolChoice, names.contains(name) { request.toolChoice = .required }
        if request.tools.isEmpty && request.toolChoice == .required { request.toolChoice = .none }
        return try await inner.takeStep(request)
    }
}
