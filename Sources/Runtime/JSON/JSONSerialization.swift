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

    static func writeQuoted(_ s: String, to out: inout String) {
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
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
