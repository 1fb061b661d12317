import Foundation

/// From generated text back to tool calls.
extension ToolCallFormat {
    /// Splits generated text into plain content and the calls it contains. Text that looks like a call
    /// but does not parse stays in `content`. A closing tag cut off by a stop string is tolerated.
    public func parse(_ text: String) -> ParsedToolCalls { parse(text, tools: []) }

    /// As `parse(_:)`; `tools` (OpenAI tool objects) tell the formats whose values are not JSON
    /// (`qwenXML`) which parameters are strings, so a string argument "42" stays a string.
    public func parse(_ text: String, tools: [JSONValue]) -> ParsedToolCalls {
        switch family {
        case .qwenXML: return parseQwenXML(text, tools: tools)
        case .pythonic: return parsePythonic(text)
        case .gemma4: return parseGemma4(text)
        case .hermes, .qwen: return parseTagged(text, open: "<tool_call>", close: "</tool_call>", lists: false)
        case .gemma: return parseTagged(text, open: "```tool_call", close: "```", lists: false)
        case .llama3: return parseBareObjects(text.replacingFirst("<|python_tag|>", with: ""), wrapped: false)
        case .generic: return parseBareObjects(text, wrapped: true)
        case .mistral: return parseMistral(text)
        case .smollm2: return parseTagged(text, open: "<tool_call>", close: "</tool_call>", lists: true)
        case .mistralArgs: return parseMistralArgs(text)
        }
    }

    /// Whether generated text so far could still turn out to be (or start with) a tool call, so a
    /// streaming client should hold it back until `parse` can decide. Leading blanks are ignored.
    public func mayBeginCall(_ generated: String) -> Bool {
        let text = generated.drop { $0.isWhitespace }
        switch family {
        case .llama3:
            let body = text.hasPrefix("<|python_tag|>") ? text.dropFirst("<|python_tag|>".count) : text
            return body.isEmpty || body.first == "{" || "<|python_tag|>".hasPrefix(text)
        case .generic:
            return text.isEmpty || text.first == "{"
        default:
            let marker = prefix.trimmingWhitespace()
            return text.hasPrefix(marker) || marker.hasPrefix(text)
        }
    }

    private func call(from value: JSONValue) -> ToolCall? {
        guard let name = value["name"]?.stringValue else { return nil }
        var arguments = value[argumentsKey] ?? value["arguments"] ?? value["parameters"] ?? .object(JSONObject())
        // Some models write the arguments as a JSON string, as the OpenAI API does.
        if case .string(let text) = arguments, let parsed = try? JSONValue(parsing: text) { arguments = parsed }
        return ToolCall(name: name, arguments: arguments, id: value["id"]?.stringValue)
    }

    /// Calls between `open` and `close` tags: one JSON call object per block, or with `lists` a
    /// JSON list of them (or one object). The JSON is scanned before the closing tag is looked for,
    /// so a string argument may contain it; a block that is not calls stays in the content.
    private func parseTagged(_ text: String, open: String, close: String, lists: Bool) -> ParsedToolCalls {
        var content = ""
        var calls: [ToolCall] = []
        var rest = Substring(text)
        while let start = rest.range(of: open) {
            content += rest[..<start.lowerBound]
            let body = rest[start.upperBound...]
            if let value = JSONScan.firstValue(in: String(body)) {
                let after = value.rest.drop { $0.isWhitespace }
                let items = lists ? value.value.arrayValue ?? [value.value] : [value.value]
                let parsed = items.compactMap(call(from:))
                if parsed.count == items.count, !parsed.isEmpty, after.isEmpty || after.hasPrefix(close) {
                    calls += parsed
                    rest = after.dropFirst(after.isEmpty ? 0 : close.count)
                    continue
                }
            }
            let end = body.range(of: close)
            content += rest[start.lowerBound..<(end?.upperBound ?? rest.endIndex)]
            rest = end.map { body[$0.upperBound...] } ?? body[body.endIndex...]
        }
        content += rest
        return ParsedToolCalls(content: content.trimmingWhitespace(), calls: calls)
    }

    /// One or more JSON objects making up the whole text (separated by blanks or `;`).
    private func parseBareObjects(_ text: String, wrapped: Bool) -> ParsedToolCalls {
        var calls: [ToolCall] = []
        var rest = Substring(text)
        while true {
            rest = rest.drop { $0.isWhitespace || $0 == ";" }
            if rest.isEmpty { break }
            guard let value = JSONScan.firstValue(in: String(rest)) else { return ParsedToolCalls(content: text.trimmingWhitespace(), calls: []) }
            let object = wrapped ? value.value["tool_call"] : value.value
            if wrapped, let list = value.value["tool_calls"]?.arrayValue {
                let parsed = list.compactMap(call(from:))
                guard parsed.count == list.count else { return ParsedToolCalls(content: text.trimmingWhitespace(), calls: []) }
                calls += parsed
            } else if let object, let parsed = call(from: object) {
                calls.append(parsed)
            } else {
                return ParsedToolCalls(content: text.trimmingWhitespace(), calls: [])
            }
            rest = Substring(value.rest)
        }
        return ParsedToolCalls(content: "", calls: calls)
    }

    private func parseMistral(_ text: String) -> ParsedToolCalls {
        guard let marker = text.range(of: "[TOOL_CALLS]") else { return ParsedToolCalls(content: text.trimmingWhitespace(), calls: []) }
        let before = String(text[..<marker.lowerBound])
        guard let value = JSONScan.firstValue(in: String(text[marker.upperBound...])), let list = value.value.arrayValue else {
            return ParsedToolCalls(content: text.trimmingWhitespace(), calls: [])
        }
        let calls = list.compactMap(call(from:))
        guard calls.count == list.count else { return ParsedToolCalls(content: text.trimmingWhitespace(), calls: []) }
        return ParsedToolCalls(content: (before + value.rest).trimmingWhitespace(), calls: calls)
    }

    private func parseMistralArgs(_ text: String) -> ParsedToolCalls {
        Self.calls(after: "[TOOL_CALLS]", in: text) { afterMarker in
            guard let args = afterMarker.range(of: "[ARGS]"),
                  let value = JSONScan.firstValue(in: String(afterMarker[args.upperBound...])) else { return nil }
            let header = afterMarker[..<args.lowerBound]
            let call: ToolCall
            if let idMarker = header.range(of: "[CALL_ID]") {
                call = ToolCall(name: header[..<idMarker.lowerBound].trimmingWhitespace(), arguments: value.value,
                                id: header[idMarker.upperBound...].trimmingWhitespace())
            } else {
                call = ToolCall(name: header.trimmingWhitespace(), arguments: value.value)
            }
            return ([call], Substring(value.rest))
        }
    }

    /// The calls after each `marker` in `text`: `read` gets the text after a marker and returns the
    /// calls written there and the text after them, or nil, which leaves that marker and everything
    /// after it in the content. The content is the text outside the calls, trimmed.
    static func calls(after marker: String, in text: String,
                      read: (Substring) -> (calls: [ToolCall], rest: Substring)?) -> ParsedToolCalls {
        var content = ""
        var calls: [ToolCall] = []
        var rest = Substring(text)
        while let start = rest.range(of: marker) {
            content += rest[..<start.lowerBound]
            guard let found = read(rest[start.upperBound...]) else {
                content += rest[start.lowerBound...]
                rest = rest[rest.endIndex...]
                break
            }
            calls += found.calls
            rest = found.rest
        }
        content += rest
        return ParsedToolCalls(content: content.trimmingWhitespace(), calls: calls)
    }
}

/// Finds the JSON value at the start of a text (after blanks) and returns it with the text after it.
enum JSONScan {
    static func firstValue(in text: String) -> (value: JSONValue, rest: String)? {
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        guard i < bytes.count, bytes[i] == UInt8(ascii: "{") || bytes[i] == UInt8(ascii: "[") else { return nil }
        let start = i
        guard let end = valueEnd(bytes, from: start),
              let value = try? JSONValue(parsing: Array(bytes[start..<end])) else { return nil }
        return (value, String(decoding: bytes[end...], as: UTF8.self))
    }

    /// The end (exclusive) of the JSON object or array that starts at `start` (its brackets
    /// counted outside strings), nil while it is not complete.
    static func valueEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var depth = 0, i = start, inString = false
        while i < bytes.count {
            let b = bytes[i]
            if inString {
                if b == UInt8(ascii: "\\") { i += 1 } else if b == UInt8(ascii: "\"") { inString = false }
            } else if b == UInt8(ascii: "\"") {
                inString = true
            } else if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
                depth += 1
            } else if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { return i + 1 }
            }
            i += 1
        }
        return nil
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }

    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return String(self) }
        return String(self[..<range.lowerBound]) + replacement + String(self[range.upperBound...])
    }
}
