import Runtime

/// An error answered in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.
public struct OpenAIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var message: String
    public var type: String
    public var param: String?
    public var code: String?

    public init(status: Int, _ message: String, type: String = "invalid_request_error", param: String? = nil, code: String? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
    }

    /// A 400 about one request field.
    static func invalid(_ param: String, _ message: String, code: String? = nil) -> OpenAIError {
        OpenAIError(status: 400, message, param: param, code: code)
    }

    public var json: JSONValue {
        ["error": .object(JSONObject([
            ("message", .string(message)), ("type", .string(type)),
            ("param", param.map(JSONValue.string) ?? .null), ("code", code.map(JSONValue.string) ?? .null),
        ]))]
    }

    public var description: String { "HTTP \(status): \(message)" }
}
