/// JSON values as Python literals, both ways: LFM2 writes tool calls as Python calls whose
/// arguments are Python literals.
extension JSONValue {
    /// The value as a Python literal: `None`, `True`, `False`; numbers, strings (double-quoted,
    /// JSON escapes, which Python reads alike), lists and dicts as JSON spells them.
    public var pythonText: String {
        switch self {
        case .null: "None"
        case .bool(let b): b ? "True" : "False"
        case .int, .double, .string: compactText
        case .array(let items): "[" + items.map(\.pythonText).joined(separator: ", ") + "]"
        case .object(let object):
            "{" + object.members.map { JSONValue.string($0.key).compactText + ": " + $0.value.pythonText }.joined(separator: ", ") + "}"
        }
    }
}

/// Reads Python literals (`None`, `True`, `False`, numbers, single- or double-quoted strings with
/// escapes, lists, tuples, dicts with string keys) into JSON values; also JSON's `null`, `true`,
/// `false`. Keeps its position so a caller can read a call's arguments one by one.
struct PythonLiteralReader {
    let bytes: [UInt8]
    var position: Int

    init(_ bytes: [UInt8], position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func skipBlanks() {
        while let c = current, c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D { position += 1 }
    }

    mutating func take(_ text: String) -> Bool {
        let t = Array(text.utf8)
        guard bytes.count - position >= t.count, Array(bytes[position..<position + t.count]) == t else { return false }
        position += t.count
        return true
    }

    /// An identifier (`[A-Za-z_][A-Za-z0-9_]*`, also `.` and `-` inside, as tool names may have them).
    mutating func identifier() -> String? {
        let start = position
        while let c = current, c == UInt8(ascii: "_") || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || (position > start && ((c >= 0x30 && c <= 0x39) || c == UInt8(ascii: ".") || c == UInt8(ascii: "-"))) {
            position += 1
        }
        return position > start ? String(decoding: bytes[start..<position], as: UTF8.self) : nil
    }

    mutating func value() -> JSONValue? {
        skipBlanks()
        guard let c = current else { return nil }
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "'"): return string().map(JSONValue.string)
        case UInt8(ascii: "["): return sequence(close: UInt8(ascii: "]"))
        case UInt8(ascii: "("): return sequence(close: UInt8(ascii: ")"))
        case UInt8(ascii: "{"): return dictionary()
        default:
            for (word, value) in [("None", JSONValue.null), ("True", .bool(true)), ("False", .bool(false)),
                                  ("null", .null), ("true", .bool(true)), ("false", .bool(false))] where take(word) {
                return value
            }
            return number()
        }
    }

    private mutating func sequence(close: UInt8) -> JSONValue? {
        position += 1
        var items: [JSONValue] = []
        skipBlanks()
        if current == close { position += 1; return .array(items) }
        while true {
            guard let item = value() else { return nil }
            items.append(item)
            skipBlanks()
            if current == close { position += 1; return .array(items) }
            guard current == UInt8(ascii: ",") else { return nil }
            position += 1
            skipBlanks()
            if current == close { position += 1; return .array(items) }   // trailing comma
        }
    }

    private mutating func dictionary() -> JSONValue? {
        position += 1
        var object = JSONObject()
        skipBlanks()
        if current == UInt8(ascii: "}") { position += 1; return .object(object) }
        while true {
            skipBlanks()
            guard let key = string() else { return nil }
            skipBlanks()
            guard take(":"), let item = value() else { return nil }
            object[key] = item
            skipBlanks()
            if current == UInt8(ascii: "}") { position += 1; return .object(object) }
            guard current == UInt8(ascii: ",") else { return nil }
            position += 1
        }
    }

    private mutating func number() -> JSONValue? {
        let start = position
        if current == UInt8(ascii: "-") || current == UInt8(ascii: "+") { position += 1 }
        while let c = current, (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
                || ((c == UInt8(ascii: "-") || c == UInt8(ascii: "+")) && (bytes[position - 1] | 0x20) == UInt8(ascii: "e")) {
            position += 1
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if let i = Int(text) { return .int(i) }
        if let d = Double(text), d.isFinite, text.contains(where: { $0.isNumber }) { return .double(d) }
        position = start
        return nil
    }

    /// A quoted string with Python's escapes (`\n`, `\t`, `\\`, quotes, `\xNN`, `\uNNNN`, `\UNNNNNNNN`).
    mutating func string() -> String? {
        guard let quote = current, quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { return nil }
        position += 1
        var out: [UInt8] = []
        while let c = current {
            position += 1
            if c == quote { return String(decoding: out, as: UTF8.self) }
            guard c == UInt8(ascii: "\\") else { out.append(c); continue }
            guard let e = current else { return nil }
            position += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "0"): out.append(0x00)
            case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
                let digits = e == UInt8(ascii: "x") ? 2 : e == UInt8(ascii: "u") ? 4 : 8
                guard bytes.count - position >= digits,
                      var code = UInt32(String(decoding: bytes[position..<position + digits], as: UTF8.self), radix: 16) else { return nil }
                position += digits
                // A JSON-style surrogate pair (\uD83E\uDD99) is one code point.
                if (0xD800...0xDBFF).contains(code), take("\\u"), bytes.count - position >= 4,
                   let low = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16), (0xDC00...0xDFFF).contains(low) {
                    position += 4
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { return nil }
                out += Array(String(Character(scalar)).utf8)
            default:
                out.append(e)   // \\ \" \' \/ and unknown escapes keep the character
            }
        }
        return nil
    }
}
