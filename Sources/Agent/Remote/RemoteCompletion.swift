import Runtime

/// One chat completion from the remote: its text, its tool calls (with the server's call ids),
/// token usage as the server reported it (0 when it did not), and what the call cost in time and
/// HTTP attempts.
public struct RemoteCompletion: Sendable, Equatable {
    public var text: String
    public var calls: [ToolCall]
    public var promptTokens: Int
    public var completionTokens: Int
    /// `stop`, `tool_calls`, `length`, … (nil when the server gave none).
    public var finishReason: String?
    /// Wall time of the whole call, retries and backoff included.
    public var seconds: Double
    public var attempts: Int

    public init(text: String, calls: [ToolCall], promptTokens: Int = 0, completionTokens: Int = 0,
                finishReason: String? = nil, seconds: Double = 0, attempts: Int = 1) {
        self.text = text
        self.calls = calls
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.finishReason = finishReason
        self.seconds = seconds
        self.attempts = attempts
    }
}

/// OpenAI's chat-completions wire format: the request body and the parsing of the answer.
enum ChatCompletionsWire {
    /// The request body. `tools`, `tool_choice` and `parallel_tool_calls` are left out when no tool
    /// is offered: OpenAI rejects an empty `tools` array and a `tool_choice` without tools.
    static func requestBody(model: String, messages: [JSONValue], tools: [ToolDefinition], toolChoice: ToolChoice,
                            parallelToolCalls: Bool, responseFormat: JSONValue?, temperature: Double?,
                            maxTokens: Int?) -> JSONValue {
        var body = JSONObject([("model", .string(model)), ("messages", .array(messages))])
        if !tools.isEmpty {
            body["tools"] = .array(tools.map(\.openAIObject))
            body["tool_choice"] = switch toolChoice {
            case .auto: "auto"
            case .required: "required"
            case .none: "none"
            case .function(let name):
                .object(JSONObject([("type", "function"), ("function", .object(JSONObject([("name", .string(name))])))]))
            }
            body["parallel_tool_calls"] = .bool(parallelToolCalls)
        }
        if let responseFormat { body["response_format"] = responseFormat }
        if let temperature { body["temperature"] = .double(temperature) }
        if let maxTokens { body["max_tokens"] = .int(maxTokens) }
        body["stream"] = false
        return .object(body)
    }

    /// What a 2xx body says, or why it is not a chat completion.
    enum Parsed {
        case completion(RemoteCompletion)
        /// Not a chat completion: not JSON, no `choices[0].message`.
        case malformed(String)
        /// A completion whose tool call cannot be read (arguments that are not JSON, no name), with
        /// the answer's `usage`.
        case invalidCall(String, promptTokens: Int, completionTokens: Int)
    }

    /// Reads `choices[0].message.content`, `.tool_calls` (each `function.arguments` is JSON text;
    /// an empty text counts as `{}`, and an object is accepted as it is), `finish_reason` and
    /// `usage`. `seconds` and `attempts` are left for the caller.
    static func parse(_ bytes: [UInt8]) -> Parsed {
        let root: JSONValue
        do {
            root = try JSONValue(parsing: bytes)
        } catch {
            return .malformed("the body is not JSON (\(error))")
        }
        guard let choice = root["choices"]?.arrayValue?.first, let message = choice["message"], message.objectValue != nil else {
            return .malformed("no choices[0].message in the answer")
        }
        let promptTokens = root["usage"]?["prompt_tokens"]?.intValue ?? 0
        let completionTokens = root["usage"]?["completion_tokens"]?.intValue ?? 0
        func invalid(_ why: String) -> Parsed { .invalidCall(why, promptTokens: promptTokens, completionTokens: completionTokens) }
        var calls: [ToolCall] = []
        for (index, value) in (message["tool_calls"]?.arrayValue ?? []).enumerated() {
            guard let name = value["function"]?["name"]?.stringValue, !name.isEmpty else {
                return invalid("tool call \(index + 1) has no function name")
            }
            let arguments: JSONValue
            switch value["function"]?["arguments"] {
            case .string(let text) where text.allSatisfy(\.isWhitespace):
                arguments = .object(JSONObject())
            case .string(let text):
                do {
                    arguments = try JSONValue(parsing: text)
                } catch {
                    return invalid("the arguments of '\(name)' are not JSON (\(error))")
                }
            case .object(let object):
                arguments = .object(object)
            case nil, .null:
                arguments = .object(JSONObject())
            case let other?:
                return invalid("the arguments of '\(name)' are neither JSON text nor an object: \(other.compactText.prefix(80))")
            }
            calls.append(ToolCall(name: name, arguments: arguments, id: value["id"]?.stringValue))
        }
        return .completion(RemoteCompletion(
            text: message["content"]?.stringValue ?? "", calls: calls,
            promptTokens: promptTokens, completionTokens: completionTokens,
            finishReason: choice["finish_reason"]?.stringValue))
    }
}
