extension JSONValue {
    /// The compact JSON text of this value: no whitespace, members in order, non-ASCII characters
    /// kept as UTF-8, control characters escaped. Non-finite doubles (not JSON) print as `null`.
    public var compactText: String {
        var out = ""
        write(to: &out, itemSeparator: ",", keySeparator: ":")
        return out
    }

    /// JSON text with custom separators, e.g. `", "` and `": "` for Python's `json.dumps` style.
    public func text(itemSeparator: String, keySeparator: String) -> String {
        var out = ""
        write(to: &out, itemSeparator: itemSeparator, keySeparator: keySeparator)
        return out
    }

    private func write(to out: inout String, itemSeparator: String, keySeparator: String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += JSONValue.formatDouble(d)
        case .string(let s): JSONValue.writeQuoted(s, to: &out)
        case .array(let elements):
            out += "["
            for (i, element) in elements.enumerated() {
                if i > 0 { out += itemSeparator }
                element.write(to: &out, itemSeparator: itemSeparator, keySeparator: keySeparator)
            }
            out += "]"
        case .object(let object):
            out += "{"
            for (i, member) in object.members.enumerated() {
                if i > 0 { out += itemSeparator }
                JSONValue.writeQuoted(member.key, to: &out)
                out += keySeparator
                member.value.write(to: &out, itemSeparator: itemSeparator, keySeparator: keySeparator)
            }
            out += "}"
        }
    }

    /// Shortest round-trip form, with a `.0` kept on integral values so the type survives.
    static func formatDouble(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        var text = "\(d)"
        if !text.contains(".") && !text.contains("e") { text += ".0" }
        return text
    }

    /// A JSON string literal. With `asciiOnly`, every non-ASCII character is escaped as `\uXXXX`
    /// (UTF-16 surrogate pairs above U+FFFF), as Python's `json.dumps(ensure_ascii=True)` does.
    static func writeQuoted(_ s: String, asciiOnly: Bool = false, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 || asciiOnly && scalar.value > 0x7E {
                    if scalar.value > 0xFFFF {
                        let v = scalar.value - 0x10000
                        out += unicodeEscape(0xD800 + (v >> 10)) + unicodeEscape(0xDC00 + (v & 0x3FF))
                    } else {
                        out += unicodeEscape(scalar.value)
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    private static func unicodeEscape(_ unit: UInt32) -> String {
        let hex = String(unit, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
