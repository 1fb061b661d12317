import Foundation

/// Why a remote call failed, after how many HTTP attempts. Messages carry the HTTP status and a
/// short cut of the response body, and never the API key: the client scrubs it from every text a
/// server (or a transport error) could echo it in.
public struct RemoteError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable, CustomStringConvertible {
        /// An attempt, or the whole call, ran past its time limit.
        case timeout
        /// The connection failed: refused, reset, closed before or in the middle of the answer.
        case connection
        /// HTTP 429, still there when the retries or the deadline ran out.
        case rateLimited
        /// Any other HTTP status outside 2xx.
        case httpStatus(Int)
        /// A 2xx answer that is not a chat completion (not JSON, no `choices`, a body too large).
        case malformedResponse
        /// The circuit breaker is open: the call was refused without contacting the server.
        case circuitOpen
        /// A tool call that names no offered tool, whose arguments break the tool's schema or are
        /// not JSON, or no call where one was required.
        case invalidToolCall
        /// The configuration cannot work (no base URL, not http(s)).
        case configuration

        public var description: String {
            switch self {
            case .timeout: "timeout"
            case .connection: "connection"
            case .rateLimited: "rate limited"
            case .httpStatus(let status): "HTTP \(status)"
            case .malformedResponse: "malformed response"
            case .circuitOpen: "circuit open"
            case .invalidToolCall: "invalid tool call"
            case .configuration: "configuration"
            }
        }
    }

    public var kind: Kind
    public var message: String
    /// HTTP attempts made (0 when none was: an open circuit, a bad configuration).
    public var attempts: Int
    /// Tokens of answers the server gave and billed but that could not be used (invalid tool
    /// calls), as its `usage` reported them: the cost accounting counts them as remote tokens.
    public var promptTokens: Int
    public var completionTokens: Int

    public init(_ kind: Kind, _ message: String, attempts: Int = 0, promptTokens: Int = 0, completionTokens: Int = 0) {
        self.kind = kind
        self.message = message
        self.attempts = attempts
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    public var description: String {
        let tries = attempts == 0 ? "" : " (\(attempts) attempt\(attempts == 1 ? "" : "s"))"
        return "remote \(kind): \(message)\(tries)"
    }
}

/// Removes secrets from text before it goes into an error message, and cuts it short.
struct Scrubber: Sendable {
    let secrets: [String]

    init(apiKey: String?) {
        secrets = [apiKey].compactMap { $0 }.filter { !$0.isEmpty }
    }

    /// `text` with every occurrence of a secret replaced by `[redacted]`.
    func clean(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
    }

    /// Cleaned first, then cut to `limit` characters, with blanks and newlines squeezed.
    func excerpt(_ text: String, limit: Int = 200) -> String {
        let flat = clean(text).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    }
}
