import Runtime

/// A `/v1/chat/completions` (or `/v1/completions`) request, read and checked field by field:
/// every wrong type or value is a 400 naming the field.
struct ChatRequest: Sendable {
    enum Input: Sendable {
        case messages([JSONValue])
        case prompt(String)
    }

    enum ResponseFormat: Sendable, Equatable {
        case text
        case jsonObject
        case jsonSchema(JSONValue)
    }

    var input: Input
    var tools: [JSONValue] = []
    var toolChoice = ToolChoice.auto
    var parallelToolCalls = true
    var responseFormat = ResponseFormat.text
    var sampler = SamplerConfig()
    var maxTokens: Int?
    var stop: [String] = []
    var logprobs = false
    var topLogprobs = 0
    var stream = false
    var includeUsage = false
    var echoModel: String?
    /// llama.cpp's `cache_prompt`: false evaluates the whole prompt again (reproducible greedy
    /// output whatever the caches hold).
    var cachePrompt = true

    /// Parameters OpenAI defines that this server does not implement: named in the 400.
    static let unsupported: Set<String> = ["functions", "function_call", "audio", "modalities", "prediction",
                                           "web_search_options", "suffix", "best_of"]

    init(chat body: JSONValue) throws(OpenAIError) {
        let object = try Self.object(body)
        guard let messages = object["messages"] else { throw .invalid("messages", "'messages' is required") }
        guard let list = messages.arrayValue, !list.isEmpty else {
            throw .invalid("messages", "'messages' must be a non-empty array")
        }
        input = .messages(try list.enumerated().map { i, message throws(OpenAIError) in try Self.message(message, at: i) })
        try readCommon(object)
        if let tools = object["tools"], tools != .null {
            guard let list = tools.arrayValue else { throw .invalid("tools", "'tools' must be an array") }
            self.tools = try list.enumerated().map { i, tool throws(OpenAIError) in try Self.tool(tool, at: i) }
        }
        toolChoice = tools.isEmpty ? .none : .auto
        if let choice = object["tool_choice"], choice != .null { toolChoice = try Self.toolChoice(choice, tools: tools) }
        if let parallel = object["parallel_tool_calls"], parallel != .null {
            guard let flag = parallel.boolValue else { throw .invalid("parallel_tool_calls", "'parallel_tool_calls' must be a boolean") }
            parallelToolCalls = flag
        }
        if let format = object["response_format"], format != .null { responseFormat = try Self.responseFormat(format) }
        if responseFormat != .text && !tools.isEmpty && toolChoice != .none {
            throw .invalid("response_format", "'response_format' cannot be combined with tools unless tool_choice is 'none'")
        }
        if let logprobs = object["logprobs"], logprobs != .null {
            guard let flag = logprobs.boolValue else { throw .invalid("logprobs", "'logprobs' must be a boolean") }
            self.logprobs = flag
        }
        if let top = object["top_logprobs"], top != .null {
            topLogprobs = try Self.integer(top, "top_logprobs", in: 0...20)
            guard logprobs || topLogprobs == 0 else { throw .invalid("top_logprobs", "'top_logprobs' needs 'logprobs': true") }
        }
    }

    init(completion body: JSONValue) throws(OpenAIError) {
        let object = try Self.object(body)
        guard let prompt = object["prompt"] else { throw .invalid("prompt", "'prompt' is required") }
        if let text = prompt.stringValue {
            input = .prompt(text)
        } else if let list = prompt.arrayValue, list.count == 1, let text = list[0].stringValue {
            input = .prompt(text)
        } else {
            throw .invalid("prompt", "'prompt' must be a string (or an array of one string)")
        }
        try readCommon(object)
        if let logprobs = object["logprobs"], logprobs != .null {
            topLogprobs = try Self.integer(logprobs, "logprobs", in: 0...20)
            self.logprobs = true
        }
    }

    /// The fields chat and text completions share.
    private mutating func readCommon(_ object: JSONObject) throws(OpenAIError) {
        for key in object.members.map(\.key) where Self.unsupported.contains(key) {
            throw OpenAIError(status: 400, "the parameter '\(key)' is not supported by this server", param: key, code: "unsupported_parameter")
        }
        echoModel = object["model"]?.stringValue
        if let value = object["cache_prompt"], value != .null {
            guard let flag = value.boolValue else { throw .invalid("cache_prompt", "'cache_prompt' must be a boolean") }
            cachePrompt = flag
        }
        if let n = object["n"], n != .null, try Self.integer(n, "n", in: 1...128) != 1 {
            throw OpenAIError(status: 400, "only n = 1 is supported", param: "n", code: "unsupported_value")
        }
        if let value = object["temperature"], value != .null { sampler.temperature = Float(try Self.number(value, "temperature", in: 0...2)) }
        if let value = object["top_p"], value != .null { sampler.topP = Float(try Self.number(value, "top_p", in: 0...1)) }
        if let value = object["min_p"], value != .null { sampler.minP = Float(try Self.number(value, "min_p", in: 0...1)) }
        if let value = object["top_k"], value != .null { sampler.topK = try Self.integer(value, "top_k", in: 0...100_000) }
        if let value = object["presence_penalty"], value != .null {
            sampler.presencePenalty = Float(try Self.number(value, "presence_penalty", in: -2...2))
        }
        if let value = object["frequency_penalty"], value != .null {
            sampler.frequencyPenalty = Float(try Self.number(value, "frequency_penalty", in: -2...2))
        }
        for key in ["repetition_penalty", "repeat_penalty"] {
            if let value = object[key], value != .null { sampler.repeatPenalty = Float(try Self.number(value, key, in: 0.01...10)) }
        }
        if let value = object["seed"], value != .null {
            guard let seed = value.intValue else { throw .invalid("seed", "'seed' must be an integer") }
            sampler.seed = UInt64(bitPattern: Int64(seed))
        }
        if let value = object["logit_bias"], value != .null {
            guard let biases = value.objectValue else { throw .invalid("logit_bias", "'logit_bias' must be an object of token id → bias") }
            for (key, bias) in biases.members {
                guard let id = Int32(key), id >= 0 else { throw .invalid("logit_bias", "'logit_bias' key '\(key)' is not a token id") }
                sampler.logitBias[id] = Float(try Self.number(bias, "logit_bias", in: -100...100))
            }
        }
        for key in ["max_tokens", "max_completion_tokens"] {
            if let value = object[key], value != .null { maxTokens = try Self.integer(value, key, in: 1...1_000_000) }
        }
        if let value = object["stop"], value != .null {
            if let one = value.stringValue {
                stop = [one]
            } else if let list = value.arrayValue, list.count <= 4, list.allSatisfy({ $0.stringValue != nil }) {
                stop = list.compactMap(\.stringValue)
            } else {
                throw .invalid("stop", "'stop' must be a string or an array of at most 4 strings")
            }
        }
        if let value = object["stream"], value != .null {
            guard let flag = value.boolValue else { throw .invalid("stream", "'stream' must be a boolean") }
            stream = flag
        }
        if let options = object["stream_options"], options != .null {
            guard let include = options["include_usage"], let flag = include.boolValue else {
                throw .invalid("stream_options", "'stream_options' must be {\"include_usage\": true|false}")
            }
            includeUsage = flag
        }
    }

    private static func object(_ body: JSONValue) throws(OpenAIError) -> JSONObject {
        guard let object = body.objectValue else { throw OpenAIError(status: 400, "the request body must be a JSON object") }
        return object
    }

    private static func number(_ value: JSONValue, _ name: String, in range: ClosedRange<Double>) throws(OpenAIError) -> Double {
        guard let number = value.doubleValue, range.contains(number) else {
            throw .invalid(name, "'\(name)' must be a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    private static func integer(_ value: JSONValue, _ name: String, in range: ClosedRange<Int>) throws(OpenAIError) -> Int {
        guard let number = value.intValue, range.contains(number) else {
            throw .invalid(name, "'\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// A message as the chat template expects it: text parts joined, call arguments as objects.
    private static func message(_ value: JSONValue, at i: Int) throws(OpenAIError) -> JSONValue {
        let param = "messages[\(i)]"
        guard var object = value.objectValue else { throw .invalid(param, "\(param) must be an object") }
        guard let role = object["role"]?.stringValue else { throw .invalid("\(param).role", "\(param).role must be a string") }
        guard ["system", "developer", "user", "assistant", "tool"].contains(role) else {
            throw .invalid("\(param).role", "\(param).role '\(role)' is not one of system, developer, user, assistant, tool")
        }
        if role == "developer" { object["role"] = "system" }
        switch object["content"] {
        case nil, .null?:
            guard role == "assistant" && object["tool_calls"] != nil else {
                throw .invalid("\(param).content", "\(param).content is required")
            }
            object["content"] = ""
        case .string?: break
        case .array(let parts)?:
            var text = ""
            for (j, part) in parts.enumerated() {
                guard part["type"] == "text", let piece = part["text"]?.stringValue else {
                    throw .invalid("\(param).content[\(j)]", "only text content parts are supported (\(param).content[\(j)])")
                }
                text += piece
            }
            object["content"] = .string(text)
        default:
            throw .invalid("\(param).content", "\(param).content must be a string or an array of text parts")
        }
        if let calls = object["tool_calls"], calls != .null {
            guard role == "assistant", let list = calls.arrayValue else {
                throw .invalid("\(param).tool_calls", "\(param).tool_calls must be an array on an assistant message")
            }
            object["tool_calls"] = .array(try list.enumerated().map { j, call throws(OpenAIError) in
                guard var function = call["function"]?.objectValue, function["name"]?.stringValue != nil else {
                    throw .invalid("\(param).tool_calls[\(j)]", "\(param).tool_calls[\(j)] needs function.name")
                }
                if let text = function["arguments"]?.stringValue {
                    guard let parsed = try? JSONValue(parsing: text) else {
                        throw .invalid("\(param).tool_calls[\(j)].function.arguments", "the arguments are not JSON")
                    }
                    function["arguments"] = parsed
                }
                var result = call.objectValue ?? JSONObject()
                result["function"] = .object(function)
                return .object(result)
            })
        } else {
            object["tool_calls"] = nil
        }
        return .object(object)
    }

    private static func tool(_ value: JSONValue, at i: Int) throws(OpenAIError) -> JSONValue {
        let param = "tools[\(i)]"
        guard value["type"] == "function", let function = value["function"]?.objectValue else {
            throw .invalid(param, "\(param) must be {\"type\": \"function\", \"function\": {...}}")
        }
        guard let name = function["name"]?.stringValue, !name.isEmpty else {
            throw .invalid("\(param).function.name", "\(param).function.name must be a non-empty string")
        }
        if let parameters = function["parameters"], parameters.objectValue == nil {
            throw .invalid("\(param).function.parameters", "\(param).function.parameters must be a JSON Schema object")
        }
        return value
    }

    private static func toolChoice(_ value: JSONValue, tools: [JSONValue]) throws(OpenAIError) -> ToolChoice {
        let choice: ToolChoice
        if let text = value.stringValue, ["none", "auto", "required"].contains(text) {
            choice = ToolChoice(text)
        } else if value["type"] == "function", let name = value["function"]?["name"]?.stringValue {
            choice = .function(name)
            guard tools.contains(where: { $0["function"]?["name"]?.stringValue == name }) else {
                throw .invalid("tool_choice", "tool_choice names '\(name)', which is not among the tools")
            }
        } else {
            throw .invalid("tool_choice", "tool_choice must be 'none', 'auto', 'required' or {\"type\": \"function\", \"function\": {\"name\": ...}}")
        }
        if choice != .none && choice != .auto && tools.isEmpty {
            throw .invalid("tool_choice", "tool_choice '\(choice)' needs at least one tool")
        }
        return choice
    }

    private static func responseFormat(_ value: JSONValue) throws(OpenAIError) -> ResponseFormat {
        switch value["type"]?.stringValue {
        case "text": return .text
        case "json_object": return .jsonObject
        case "json_schema":
            guard let schema = value["json_schema"]?["schema"], schema.objectValue != nil || schema.boolValue != nil else {
                throw .invalid("response_format.json_schema.schema", "response_format json_schema needs json_schema.schema (a JSON Schema)")
            }
            return .jsonSchema(schema)
        default:
            throw .invalid("response_format.type", "response_format.type must be 'text', 'json_object' or 'json_schema'")
        }
    }
}
