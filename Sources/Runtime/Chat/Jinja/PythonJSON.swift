/// `json.dumps` as Hugging Face's `tojson` filter calls it: `ensure_ascii=False` by default, `indent`,
/// `separators`, `sort_keys`; Python's default separators (`", "`, `": "`, or `","` with an indent).
enum PythonJSON {
    struct Options {
        var ensureASCII = false
        var indent: String?
        var itemSeparator = ", "
        var keySeparator = ": "
        var sortKeys = false
    }

    /// `tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)`.
    static func dumps(_ value: JinjaValue, _ args: JinjaArguments) throws -> String {
        var options = Options()
        options.ensureASCII = args.value(0, "ensure_ascii")?.isTruthy ?? false
        if let indent = args.value(1, "indent"), !indent.isNone {
            if case .string(let s) = indent { options.indent = s } else if let n = indent.integer {
                options.indent = String(repeating: " ", count: max(0, min(n, 256)))
            } else {
                throw JinjaError.type("indent must be an int or a string")
            }
            options.itemSeparator = ","
        }
        if let separators = args.value(2, "separators"), !separators.isNone {
            let parts = try separators.iterated()
            guard parts.count == 2, case .string(let item) = parts[0], case .string(let key) = parts[1] else {
                throw JinjaError.type("separators must be a pair of strings")
            }
            options.itemSeparator = item
            options.keySeparator = key
        }
        options.sortKeys = args.value(3, "sort_keys")?.isTruthy ?? false
        var out = ""
        try write(value, options, level: 0, depth: 0, to: &out)
        return out
    }

    private static func write(_ value: JinjaValue, _ o: Options, level: Int, depth: Int, to out: inout String) throws {
        if depth > 200 { throw JinjaError.limit("tojson: value nested deeper than 200") }
        switch value {
        case .none: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            out += d.isNaN ? "NaN" : d.isInfinite ? (d < 0 ? "-Infinity" : "Infinity") : JinjaValue.pythonFloatRepr(d)
        case .string(let s), .markup(let s): quote(s, ascii: o.ensureASCII, to: &out)
        case .list(let items), .tuple(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += o.itemSeparator }
                newline(o, level + 1, &out)
                try write(item, o, level: level + 1, depth: depth + 1, to: &out)
            }
            newline(o, level, &out)
            out += "]"
        case .dict(let d):
            if d.isEmpty { out += "{}"; return }
            var pairs = try d.pairs.map { (key: try keyText($0.key), value: $0.value) }
            if o.sortKeys { pairs.sort { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) { $0.value < $1.value } } }
            out += "{"
            for (i, pair) in pairs.enumerated() {
                if i > 0 { out += o.itemSeparator }
                newline(o, level + 1, &out)
                quote(pair.key, ascii: o.ensureASCII, to: &out)
                out += o.keySeparator
                try write(pair.value, o, level: level + 1, depth: depth + 1, to: &out)
            }
            newline(o, level, &out)
            out += "}"
        case .undefined, .namespace, .function, .generator, .loop:
            throw JinjaError.type("Object of type \(value.typeName) is not JSON serializable")
        }
    }

    private static func keyText(_ key: JinjaValue) throws -> String {
        switch key.unmarked {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return JinjaValue.pythonFloatRepr(d)
        case .bool(let b): return b ? "true" : "false"
        case .none: return "null"
        default: throw JinjaError.type("keys must be str, int, float, bool or None, not \(key.typeName)")
        }
    }

    private static func newline(_ o: Options, _ level: Int, _ out: inout String) {
        guard let indent = o.indent else { return }
        out += "\n" + String(repeating: indent, count: level)
    }

    static func quote(_ s: String, ascii: Bool, to out: inout String) {
        JSONValue.writeQuoted(s, asciiOnly: ascii, to: &out)
    }
}
