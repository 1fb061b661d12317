/// A finished response: the content and what it cost.
public struct Response<Content: Sendable>: Sendable {
    /// The answer: text, or a value of a `Generable` type.
    public var content: Content
    /// The generated text as it came out of the model (JSON for a `Generable` response).
    public var rawContent: String
    /// Token counts and speed.
    public var usage: Usage
}

/// Token counts and timings of one response.
public struct Usage: Sendable, Equatable {
    /// Tokens of the whole prompt (instructions, earlier turns and the new message).
    public var promptTokens: Int
    /// Prompt tokens evaluated for this response; the rest were reused from the session's cache.
    public var promptTokensEvaluated: Int
    /// Tokens generated.
    public var responseTokens: Int
    /// Seconds from the request to the first generated token.
    public var timeToFirstToken: Double
    /// Generated tokens after the first, per second.
    public var tokensPerSecond: Double
    /// Why generation ended: `eog` (the model ended its turn), `max_tokens`, `stop_string`,
    /// `context_full`, `cancelled`.
    public var stopReason: String
}

/// Errors of the `SwiftLLM` API. Each says what went wrong in words a user can act on.
public enum LanguageModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The model file could not be loaded.
    case loadFailed(path: String, reason: String)
    /// The conversation no longer fits the session's context.
    case exceededContextWindowSize(limit: Int)
    /// A structured response ran into the token limit before its JSON was complete.
    case exceededTokenLimit(limit: Int)
    /// A second request was made while the session was still answering one.
    case concurrentRequests
    /// The generated JSON does not convert to the requested type (a type whose `init(_:)`
    /// rejects what its own schema allows, for example).
    case decodingFailed(type: String, reason: String)
    /// The schema of a `Generable` type or a tool could not be compiled to a grammar.
    case unsupportedSchema(String)
    /// The chat template could not be rendered.
    case templateFailed(String)

    public var description: String {
        switch self {
        case .loadFailed(let path, let reason): "cannot load \(path): \(reason)"
        case .exceededContextWindowSize(let limit): "the conversation does not fit the context of \(limit) tokens"
        case .exceededTokenLimit(let limit): "the response reached the limit of \(limit) tokens before it was complete"
        case .concurrentRequests: "the session is already answering a request; wait for it or use another session"
        case .decodingFailed(let type, let reason): "the generated value does not convert to \(type): \(reason)"
        case .unsupportedSchema(let reason): "the schema cannot be used for generation: \(reason)"
        case .templateFailed(let reason): "the chat template failed: \(reason)"
        }
    }
}
