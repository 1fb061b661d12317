/// The call syntaxes whose arguments are not a JSON object: Qwen3-Coder / Qwen 3.5's XML-like
/// parameters, LFM2's Python calls and Gemma 4's own literal syntax. Text and parsing here; the
/// grammars are in `ToolCallGrammar+Native`.
extension ToolCallFormat {
    /// Gemma 4's string delimiter.
    static let gemmaQuote = "<|\"|>"

    /// How this family's templates write `calls` in an assistant turn.
    func nativeText(for calls: [ToolCall]) -> String {
        switch family {
        case .qwenXML:
            return calls.map { call in
                var text = prefix + "<function=\(call.name)>\n"
                for (key, value) in call.arguments.objectValue?.members ?? [] {
                    text += "<parameter=\(key)>\n" + Self.qwenValueText(value) + "\n</parameter>\n"
                }
                return text + "</function>" + suffix
            }.joined(separator: "\n")
        case .pythonic:
            return prefix + calls.map { call in
                call.name + "(" + (call.arguments.objectValue?.members ?? []).map { $0.key + "=" + $0.value.pythonText }
                    .joined(separator: ", ") + ")"
            }.joined(separator: ", ") + suffix
        case .gemma4:
            return calls.map { call in
                let members = (call.arguments.objectValue?.members ?? []).sorted { $0.key < $1.key }
                return prefix + call.name + "{" + members.map { $0.key + ":" + Self.gemmaText($0.value) }.joined(separator: ",") + "}" + suffix
            }.joined()
        default:
            return text(for: calls)
        }
    }

    /// A parameter value as Qwen's template writes it: strings raw, lists and objects as JSON,
    /// other scalars as Python's `str` (`True`, `None`, `3`).
    static func qwenValueText(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .array, .object: value.compactText
        default: value.pythonText
        }
    }

    /// Gemma 4's `format_argument`: strings between `<|"|>`, objects with bare keys in sorted order.
    static func gemmaText(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): gemmaQuote + s + gemmaQuote
        case .bool(let b): b ? "true" : "false"
        case .null: "None"
        case .int, .double: value.compactText
        case .array(let items): "[" + items.map(gemmaText).joined(separator: ",") + "]"
        case .object(let object):
            "{" + object.members.sorted { $0.key < $1.key }.map { $0.key + ":" + gemmaText($0.value) }.joined(separator: ",") + "}"
        }
    }

    /// The parameter schemas of the tool named `name`, from OpenAI tool objects.
    static func parameterSchemas(_ tools: [JSONValue], name: String) -> JSONObject {
        for tool in tools {
            let function = tool["function"] ?? tool
            if function["name"]?.stringValue == name { return function["parameters"]?["properties"]?.objectValue ?? JSONObject() }
        }
        return JSONObject()
    }

    /// Whether a schema only admits strings (its value is then written raw).
    static func admitsOnlyStrings(_ schema: JSONValue?) -> Bool {
        guard let schema else { return false }
        if let type = schema["type"]?.stringValue { return type == "string" }
        if let values = schema["enum"]?.arrayValue ?? schema["const"].map({ [$0] }) {
            return !values.isEmpty && values.allSatisfy { $0.stringValue != nil }
        }
        return false
    }

    // MARK: Qwen XML

    func parseQwenXML(_ text: String, tools: [JSONValue]) -> ParsedToolCalls {
        Self.calls(after: "<tool_call>", in: text) { after in
            var body = after.drop { $0.isWhitespace }
            guard body.hasPrefix("<function="), let nameEnd = body.firstIndex(of: ">") else { return nil }
            let name = String(body[body.index(body.startIndex, offsetBy: 10)..<nameEnd])
            guard !name.isEmpty else { return nil }
            body = body[body.index(after: nameEnd)...]
            let schemas = Self.parameterSchemas(tools, name: name)
            var arguments = JSONObject()
            while true {
                body = body.drop { $0.isWhitespace }
                if body.hasPrefix("</function>") {
                    body = body.dropFirst("</function>".count)
                    break
                }
                guard body.hasPrefix("<parameter="), let keyEnd = body.firstIndex(of: ">") else { return nil }
                let key = String(body[body.index(body.startIndex, offsetBy: 11)..<keyEnd])
                var valueStart = body.index(after: keyEnd)
                if valueStart < body.endIndex, body[valueStart] == "\n" { valueStart = body.index(after: valueStart) }
                guard let close = body[valueStart...].range(of: "</parameter>") else { return nil }
                var raw = body[valueStart..<close.lowerBound]
                if raw.hasSuffix("\n") { raw = raw.dropLast() }
                arguments[key] = Self.qwenValue(String(raw), schema: schemas[key])
                body = body[close.upperBound...]
            }
            body = body.drop { $0.isWhitespace }
            return ([ToolCall(name: name, arguments: .object(arguments))],
                    body.hasPrefix("</tool_call>") ? body.dropFirst("</tool_call>".count) : body)
        }
    }

    /// A parameter's text as a value: raw for string parameters, else JSON (or a Python literal),
    /// falling back to the raw text.
    static func qwenValue(_ raw: String, schema: JSONValue?) -> JSONValue {
        if admitsOnlyStrings(schema) { return .string(raw) }
        let trimmed = raw.trimmingWhitespace()
        if let json = try? JSONValue(parsing: trimmed) { return json }
        var reader = PythonLiteralReader(Array(trimmed.utf8))
        if let value = reader.value(), reader.position == reader.bytes.count { return value }
        return .string(raw)
    }

    // MARK: LFM2 (Python calls)

    func parsePythonic(_ text: String) -> ParsedToolCalls {
        Self.calls(after: "<|tool_call_start|>", in: text) { after in
            var reader = PythonLiteralReader(Array(after.utf8))
            guard let parsed = Self.pythonCalls(&reader) else { return nil }
            reader.skipBlanks()
            _ = reader.take("<|tool_call_end|>")
            return (parsed, Substring(String(decoding: reader.bytes[reader.position...], as: UTF8.self)))
        }
    }

    /// `[name(key=value, …), …]` (the brackets optional around a single call).
    static func pythonCalls(_ reader: inout PythonLiteralReader) -> [ToolCall]? {
        reader.skipBlanks()
        let bracketed = reader.take("[")
        var calls: [ToolCall] = []
        while true {
            reader.skipBlanks()
            guard let name = reader.identifier() else { return nil }
            reader.skipBlanks()
            guard reader.take("(") else { return nil }
            var arguments = JSONObject()
            reader.skipBlanks()
            if !reader.take(")") {
                while true {
                    reader.skipBlanks()
                    guard let key = reader.identifier() else { return nil }
                    reader.skipBlanks()
                    guard reader.take("="), let value = reader.value() else { return nil }
                    arguments[key] = value
                    reader.skipBlanks()
                    if reader.take(")") { break }
                    guard reader.take(",") else { return nil }
                }
            }
            calls.append(ToolCall(name: name, arguments: .object(arguments)))
            reader.skipBlanks()
            if !bracketed { return calls }
            if reader.take("]") { return calls }
            guard reader.take(",") else { return nil }
        }
    }

    // MARK: Gemma 4

    func parseGemma4(_ text: String) -> ParsedToolCalls {
        Self.calls(after: prefix, in: text) { after in
            var reader = GemmaLiteralReader(Array(after.utf8))
            guard let name = reader.name(), case .object(let arguments)? = reader.value() else { return nil }
            _ = reader.take("<tool_call|>")
            return ([ToolCall(name: name, arguments: .object(arguments))],
                    Substring(String(decoding: reader.bytes[reader.position...], as: UTF8.self)))
        }
    }
}

/// Reads Gemma 4's argument literals: `<|"|>`-delimited strings (raw), numbers, `true`/`false`,
/// `None`/`null`, `[…]`, and `{key:value,…}` with bare or `<|"|>`-quoted keys.
struct GemmaLiteralReader {
    let bytes: [UInt8]
    var position = 0
    static let quote = Array(ToolCallFormat.gemmaQuote.utf8)

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func take(_ text: String) -> Bool { take(Array(text.utf8)) }

    mutating func take(_ t: [UInt8]) -> Bool {
        guard bytes.count - position >= t.count, Array(bytes[position..<position + t.count]) == t else { return false }
        position += t.count
        return true
    }

    /// A function name: up to the `{` of its arguments.
    mutating func name() -> String? {
        guard let brace = bytes[position...].firstIndex(of: UInt8(ascii: "{")), brace > position else { return nil }
        let name = String(decoding: bytes[position..<brace], as: UTF8.self)
        position = brace
        return name
    }

    mutating func value() -> JSONValue? {
        guard let c = current else { return nil }
        if take(Self.quote) { return rawString().map(JSONValue.string) }
        switch c {
        case UInt8(ascii: "{"):
            position += 1
            var object = JSONObject()
            if take("}") { return .object(object) }
            while true {
                let key: String
                if take(Self.quote) {
                    guard let quoted = rawString() else { return nil }
                    key = quoted
                } else {
                    guard let colon = bytes[position...].firstIndex(of: UInt8(ascii: ":")) else { return nil }
                    key = String(decoding: bytes[position..<colon], as: UTF8.self)
                    position = colon
                }
                guard take(":"), let item = value() else { return nil }
                object[key] = item
                if take("}") { return .object(object) }
                guard take(",") else { return nil }
            }
        case UInt8(ascii: "["):
            position += 1
            var items: [JSONValue] = []
            if take("]") { return .array(items) }
            while true {
                guard let item = value() else { return nil }
                items.append(item)
                if take("]") { return .array(items) }
                guard take(",") else { return nil }
            }
        default:
            for (word, value) in [("true", JSONValue.bool(true)), ("false", .bool(false)), ("None", .null), ("null", .null)] where take(word) {
                return value
            }
            var reader = PythonLiteralReader(bytes, position: position)
            guard let number = reader.value(), reader.position > position else { return nil }
            switch number {
            case .int, .double:
                position = reader.position
                return number
            default:
                return nil
            }
        }
    }

    /// The text up to the closing `<|"|>` (the opening one already read).
    private mutating func rawString() -> String? {
        var i = position
        while i + Self.quote.count <= bytes.count {
            if bytes[i] == Self.quote[0], Array(bytes[i..<i + Self.quote.count]) == Self.quote {
                let text = String(decoding: bytes[position..<i], as: UTF8.self)
                position = i + Self.quote.count
                return text
            }
            i += 1
        }
        return nil
    }
}
