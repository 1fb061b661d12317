import Foundation

/// Where the remote model lives and how hard the client tries to reach it: an OpenAI-compatible
/// endpoint (vLLM, SGLang, llama.cpp's server, a cloud API), its model name and key, and the
/// time limits, retries and circuit breaker of `RemoteClient`.
///
/// The key never appears in `description`, `debugDescription` or a `dump` of the value.
///
/// ```swift
/// var remote = try RemoteConfiguration.fromEnvironment(baseURL: nil, model: "gpt-4o-mini")
/// remote.deadline = .seconds(30)
/// let model = RemoteModel(client: try RemoteClient(remote))
/// ```
public struct RemoteConfiguration: Sendable {
    /// The API root, e.g. `http://127.0.0.1:8080/v1`; the client posts to `baseURL + "/chat/completions"`.
    public var baseURL: String
    public var model: String
    /// Sent as `Authorization: Bearer KEY` when set.
    public var apiKey: String?
    /// Time limit of one HTTP attempt (connect, send, the whole response body).
    public var requestTimeout: Duration = .seconds(60)
    /// Time limit of a whole call, retries and waits between them included.
    public var deadline: Duration = .seconds(120)
    /// Attempts after the first for failures worth retrying (connection, timeout, 429, 5xx).
    public var maxRetries = 3
    /// The backoff before retry `n` is drawn uniformly from `0...min(backoffMax, backoffBase · 2ⁿ⁻¹)`
    /// ("full jitter"), so clients that failed together do not retry together.
    public var backoffBase: Duration = .milliseconds(250)
    public var backoffMax: Duration = .seconds(8)
    /// Consecutive failed calls that open the circuit.
    public var breakerThreshold = 5
    /// How long an open circuit refuses calls before it lets one trial call through.
    public var breakerCooldown: Duration = .seconds(30)
    public var temperature: Double?
    /// Sent as `max_tokens` when set.
    public var maxTokens: Int?
    /// Largest response body the client reads; a longer one is a malformed response.
    public var maxResponseBytes = 8 << 20

    public init(baseURL: String, model: String, apiKey: String? = nil) {
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
    }

    /// A configuration from arguments, falling back to the environment: `OPENAI_BASE_URL` for the
    /// base URL, `OPENAI_MODEL` for the model and `keyVariable` for the key (an empty variable
    /// counts as unset). Throws a `configuration` error when no base URL or model is given.
    public static func fromEnvironment(
        baseURL: String?, model: String?, keyVariable: String = "OPENAI_API_KEY",
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(RemoteError) -> RemoteConfiguration {
        func value(_ given: String?, _ variable: String) -> String? {
            if let given, !given.isEmpty { return given }
            if let set = environment[variable], !set.isEmpty { return set }
            return nil
        }
        guard let url = value(baseURL, "OPENAI_BASE_URL") else {
            throw RemoteError(.configuration, "no base URL: pass one or set OPENAI_BASE_URL")
        }
        guard let name = value(model, "OPENAI_MODEL") else {
            throw RemoteError(.configuration, "no model name: pass one or set OPENAI_MODEL")
        }
        return RemoteConfiguration(baseURL: url, model: name, apiKey: value(nil, keyVariable))
    }

    /// `baseURL + "/chat/completions"` (one slash between them), or a `configuration` error when
    /// the base URL is not http(s).
    func completionsURL() throws(RemoteError) -> String {
        let lowered = baseURL.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://"), URL(string: baseURL)?.host != nil else {
            throw RemoteError(.configuration, "base URL '\(baseURL)' is not an http(s) URL")
        }
        var root = baseURL
        while root.hasSuffix("/") { root.removeLast() }
        return root + "/chat/completions"
    }
}

extension RemoteConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The settings with the key shown only as set or not.
    public var description: String {
        "RemoteConfiguration(baseURL: \(baseURL), model: \(model), apiKey: \(apiKey == nil ? "none" : "set (hidden)"), "
            + "requestTimeout: \(requestTimeout), deadline: \(deadline), maxRetries: \(maxRetries), "
            + "backoff: \(backoffBase)...\(backoffMax), breaker: \(breakerThreshold) failures / \(breakerCooldown))"
    }

    public var debugDescription: String { description }

    /// `dump` and the debugger see the settings without the key.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "baseURL": baseURL, "model": model, "apiKey": apiKey == nil ? "none" : "set (hidden)",
            "requestTimeout": requestTimeout, "deadline": deadline, "maxRetries": maxRetries,
            "backoffBase": backoffBase, "backoffMax": backoffMax, "breakerThreshold": breakerThreshold,
            "breakerCooldown": breakerCooldown, "temperature": temperature as Any, "maxTokens": maxTokens as Any,
            "maxResponseBytes": maxResponseBytes,
        ])
    }
}
