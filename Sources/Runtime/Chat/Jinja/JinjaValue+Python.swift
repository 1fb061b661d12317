/// Python's equality, ordering, `str()` and `repr()` for interpreter values.
extension JinjaValue {
    /// Python `==`: numbers compare by value across bool/int/float, containers element-wise.
    func pythonEquals(_ other: JinjaValue) -> Bool {
        switch (unmarked, other.unmarked) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let a), .string(let b)): return a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.list(let a), .list(let b)), (.tuple(let a), .tuple(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.pythonEquals($1) }
        case (.dict(let a), .dict(let b)):
            return a.count == b.count && a.pairs.allSatisfy { pair in b[pair.key].map { $0.pythonEquals(pair.value) } ?? false }
        case (.namespace(let a), .namespace(let b)): return a === b
        case (.function(let a), .function(let b)): return a === b
        default:
            if let x = integer, let y = other.integer { return x == y }
            if let x = number, let y = other.number { return x == y }
            return false
        }
    }

    /// Python `<`: numbers, strings (by code point) and sequences; anything else is a type error.
    func pythonLess(_ other: JinjaValue) throws -> Bool {
        switch (unmarked, other.unmarked) {
        case (.string(let a), .string(let b)):
            return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) { $0.value < $1.value }
        case (.list(let a), .list(let b)), (.tuple(let a), .tuple(let b)):
            for (x, y) in zip(a, b) where !x.pythonEquals(y) { return try x.pythonLess(y) }
            return a.count < b.count
        default:
            if let x = integer, let y = other.integer { return x < y }
            if let x = number, let y = other.number { return x < y }
            throw JinjaError.type("'<' not supported between instances of '\(typeName)' and '\(other.typeName)'")
        }
    }

    /// Python `str()`, which is what `{{ value }}` prints (undefined prints as "").
    var pythonString: String {
        switch self {
        case .undefined: ""
        case .string(let s), .markup(let s): s
        default: pythonRepr
        }
    }

    /// Python `repr()`.
    var pythonRepr: String {
        switch self {
        case .undefined: "Undefined"
        case .none: "None"
        case .bool(let b): b ? "True" : "False"
        case .int(let i): String(i)
        case .double(let d): Self.pythonFloatRepr(d)
        case .string(let s): Self.pythonStringRepr(s)
        case .list(let a): "[" + a.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .tuple(let a): a.count == 1 ? "(" + a[0].pythonRepr + ",)" : "(" + a.map(\.pythonRepr).joined(separator: ", ") + ")"
        case .dict(let d): "{" + d.pairs.map { $0.key.pythonRepr + ": " + $0.value.pythonRepr }.joined(separator: ", ") + "}"
        case .namespace(let n): "<Namespace " + n.attributes.pairs.map { "\($0.key.pythonString)=\($0.value.pythonRepr)" }.joined(separator: ", ") + ">"
        case .function(let f): "<function \(f.name)>"
        case .generator: "<generator object>"
        case .loop(let l): "<LoopContext \(l.index0 + 1)/\(l.items.count)>"
        case .markup(let s): "Markup(" + Self.pythonStringRepr(s) + ")"
        }
    }

    /// `float.__repr__`: shortest round-trip digits, exponent form outside [1e-4, 1e16).
    static func pythonFloatRepr(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        var text = "\(d)"
        if let e = text.firstIndex(of: "e") {
            // Swift writes "1e-05" like Python, but "1e+16" as "1e+16" too; ensure a sign and 2 digits.
            var mantissa = String(text[..<e])
            if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
            var exponent = String(text[text.index(after: e)...])
            var sign = "+"
            if exponent.hasPrefix("-") || exponent.hasPrefix("+") { sign = String(exponent.removeFirst()) }
            if exponent.count < 2 { exponent = "0" + exponent }
            text = mantissa + "e" + sign + exponent
        } else if !text.contains(".") {
            text += ".0"
        }
        return text
    }

    static func pythonStringRepr(_ s: String) -> String {
        let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(scalar) == quote {
                    out += "\\" + String(quote)
                } else if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else if (0x80..<0xA0).contains(scalar.value) {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out.append(quote)
        return out
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
