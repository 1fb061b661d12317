import Foundation

/// jinja2's built-in filters (the ones chat templates use), plus Hugging Face's `tojson`.
extension JinjaRenderer {
    static let filterNames: Set<String> = [
        "abs", "attr", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape", "first",
        "float", "format", "indent", "int", "items", "join", "last", "length", "list", "lower", "map", "max",
        "min", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "sort",
        "string", "sum", "title", "tojson", "trim", "unique", "upper", "wordcount",
    ]

    func applyFilter(_ name: String, _ original: JinjaValue, _ args: JinjaArguments) throws -> JinjaValue {
        if name == "safe" { return original.isString ? .markup(original.pythonString) : original }
        if name == "escape" || name == "e" {
            if case .markup = original { return original }
            return .markup(Self.htmlEscape(original.pythonString))
        }
        let value = original.unmarked
        switch name {
        case "length", "count": return .int(try value.length())
        case "string": return .string(value.pythonString)
        case "trim":
            let chars = args.value(0, "chars").flatMap { $0.isNone ? nil : $0.pythonString }
            return .string(PythonString.strip(value.pythonString, chars: chars))
        case "lower": return .string(value.pythonString.lowercased())
        case "upper": return .string(value.pythonString.uppercased())
        case "title": return .string(PythonString.title(value.pythonString))
        case "capitalize": return .string(PythonString.capitalize(value.pythonString))
        case "default", "d":
            let fallback = args.value(0, "default_value") ?? .string("")
            let boolean = args.value(1, "boolean")?.isTruthy ?? false
            return value.isUndefined || (boolean && !value.isTruthy) ? fallback : value
        case "replace":
            let old = args.value(0, "old")?.pythonString ?? ""
            let new = args.value(1, "new")?.pythonString ?? ""
            let count = args.value(2, "count").flatMap { $0.isNone ? nil : $0.integer } ?? -1
            let result = PythonString.replace(value.pythonString, old, new, count: count)
            try checkSize(result.utf8.count)
            return .string(result)
        case "join":
            var items = try value.iterated()
            if let attribute = args.value(1, "attribute"), !attribute.isNone {
                items = try items.map { try lookupPath($0, attribute) }
            }
            let result = items.map(\.pythonString).joined(separator: args.value(0, "d")?.pythonString ?? "")
            try checkSize(result.utf8.count)
            return .string(result)
        case "first":
            return try value.iterated().first ?? .undefined("first item of an empty sequence")
        case "last":
            return try value.iterated().last ?? .undefined("last item of an empty sequence")
        case "list": return .list(try value.iterated())
        case "items":
            if value.isUndefined { return .list([]) }
            guard case .dict(let d) = value else { throw JinjaError.type("can only get item pairs from a mapping, not \(value.typeName)") }
            return .generator(d.pairs.map { .tuple([$0.key, $0.value]) })
        case "dictsort": return try dictsort(value, args)
        case "reverse":
            if case .string(let s) = value { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
            return .generator(try value.iterated().reversed())
        case "map": return try map(value, args)
        case "select", "reject": return try select(value, args, attribute: nil, keep: name == "select")
        case "selectattr", "rejectattr":
            guard let attribute = args.positional.first else { throw JinjaError.type("\(name) needs an attribute name") }
            let rest = JinjaArguments(positional: Array(args.positional.dropFirst()), keywords: args.keywords)
            return try select(value, rest, attribute: attribute, keep: name == "selectattr")
        case "unique": return try unique(value, args)
        case "sort": return .list(try sorted(value, args))
        case "min", "max":
            let items = try sorted(value, JinjaArguments(positional: [], keywords: args.keywords))
            return (name == "min" ? items.first : items.last) ?? .undefined("\(name) of an empty sequence")
        case "sum":
            var total = args.value(1, "start") ?? .int(0)
            for item in try value.iterated() {
                let element = try args.value(0, "attribute").map { try lookupPath(item, $0) } ?? item
                total = try binary(.add, total, element)
            }
            return total
        case "int": return toInt(value, default: args.value(0, "default") ?? .int(0), base: args.value(1, "base")?.integer ?? 10)
        case "float": return toFloat(value, default: args.value(0, "default") ?? .double(0))
        case "abs":
            switch value {
            case .int(let i) where i != Int.min: return .int(abs(i))
            case .bool(let b): return .int(b ? 1 : 0)
            case .double(let d): return .double(Swift.abs(d))
            default: throw operandError("abs()", value, nil)
            }
        case "round": return try round(value, args)
        case "indent": return try indent(value, args)
        case "center":
            let width = args.value(0, "width")?.integer ?? 80
            let s = value.pythonString
            let pad = max(0, width - s.unicodeScalars.count)
            try checkSize(pad)
            let left = pad / 2 + (pad & width & 1)
            return .string(String(repeating: " ", count: left) + s + String(repeating: " ", count: pad - left))
        case "wordcount":
            return .int(value.pythonString.split { !($0.isLetter || $0.isNumber || $0 == "_") }.count)
        case "attr":
            guard let attributeName = args.value(0, "name") else { throw JinjaError.type("attr needs a name") }
            // Attribute only, never the item: `{'a': 1} | attr('a')` is undefined, as in jinja2.
            let name = attributeName.pythonString
            if name.hasPrefix("_") { throw JinjaError.security("access to attribute '\(name)' is unsafe") }
            if let method = try boundMethod(value, name) { return method }
            if case .namespace(let n) = value { return n.attributes[name] ?? .undefined(name) }
            return .undefined(name)
        case "format":
            let result = try PrintfFormat.format(value.pythonString, args.positional)
            try checkSize(result.utf8.count)
            return .string(result)
        case "tojson":
            let text = try PythonJSON.dumps(value, args)
            try checkSize(text.utf8.count)
            return .string(text)
        default:
            throw JinjaError(.syntax, "no filter named '\(name)'", line: currentLine)
        }
    }

    /// An attribute path such as `"function.name"` or `0`, looked up item-first like jinja2's `make_attrgetter`.
    func lookupPath(_ value: JinjaValue, _ path: JinjaValue) throws -> JinjaValue {
        guard case .string(let dotted) = path else { return try item(of: value, path) }
        var current = value
        for part in dotted.split(separator: ".", omittingEmptySubsequences: false) {
            current = try item(of: current, Int(part).map { .int($0) } ?? .string(String(part)))
        }
        return current
    }

    private func map(_ value: JinjaValue, _ args: JinjaArguments) throws -> JinjaValue {
        let items = value.isTruthy ? try value.iterated() : []
        if let attribute = args.keywords.first(where: { $0.name == "attribute" })?.value {
            let fallback = args.keywords.first { $0.name == "default" }?.value
            return .generator(try items.map { item in
                let found = try lookupPath(item, attribute)
                return found.isUndefined ? fallback ?? found : found
            })
        }
        guard case .string(let filter)? = args.positional.first else { throw JinjaError.type("map needs a filter name or attribute=") }
        let rest = JinjaArguments(positional: Array(args.positional.dropFirst()), keywords: args.keywords)
        return .generator(try items.map { try applyFilter(filter, $0, rest) })
    }

    private func select(_ value: JinjaValue, _ args: JinjaArguments, attribute: JinjaValue?, keep: Bool) throws -> JinjaValue {
        let testName = args.positional.first?.pythonString
        let testArgs = JinjaArguments(positional: Array(args.positional.dropFirst()), keywords: [])
        let items = value.isTruthy ? try value.iterated() : []
        return .generator(try items.filter { item in
            let subject = try attribute.map { try lookupPath(item, $0) } ?? item
            let passed = try testName.map { try applyTest($0, subject, testArgs) } ?? subject.isTruthy
            return passed == keep
        })
    }

    /// Sort key per jinja2's `ignore_case`: strings compare lowercased unless case_sensitive.
    private func sortKey(_ value: JinjaValue, caseSensitive: Bool) -> JinjaValue {
        if !caseSensitive, case .string(let s) = value { return .string(s.lowercased()) }
        return value
    }

    private func sortValues(_ items: [JinjaValue], keys: [JinjaValue], reverse: Bool) throws -> [JinjaValue] {
        var failure: Error?
        let order = items.indices.sorted { a, b in
            do {
                return reverse ? try keys[b].pythonLess(keys[a]) : try keys[a].pythonLess(keys[b])
            } catch {
                failure = error
                return false
            }
        }
        if let failure { throw failure }
        return order.map { items[$0] }
    }

    private func sorted(_ value: JinjaValue, _ args: JinjaArguments) throws -> [JinjaValue] {
        let items = try value.iterated()
        let caseSensitive = args.value(1, "case_sensitive")?.isTruthy ?? false
        let attribute = args.value(2, "attribute").flatMap { $0.isNone ? nil : $0 }
        let keys = try items.map { item in
            sortKey(try attribute.map { try lookupPath(item, $0) } ?? item, caseSensitive: caseSensitive)
        }
        return try sortValues(items, keys: keys, reverse: args.value(0, "reverse")?.isTruthy ?? false)
    }

    private func dictsort(_ value: JinjaValue, _ args: JinjaArguments) throws -> JinjaValue {
        guard case .dict(let d) = value else { throw JinjaError.type("dictsort needs a mapping, not \(value.typeName)") }
        let caseSensitive = args.value(0, "case_sensitive")?.isTruthy ?? false
        let byValue = args.value(1, "by")?.pythonString == "value"
        let pairs = d.pairs.map { JinjaValue.tuple([$0.key, $0.value]) }
        let keys = d.pairs.map { sortKey(byValue ? $0.value : $0.key, caseSensitive: caseSensitive) }
        return .list(try sortValues(pairs, keys: keys, reverse: args.value(2, "reverse")?.isTruthy ?? false))
    }

    private func unique(_ value: JinjaValue, _ args: JinjaArguments) throws -> JinjaValue {
        let caseSensitive = args.value(0, "case_sensitive")?.isTruthy ?? false
        let attribute = args.value(1, "attribute").flatMap { $0.isNone ? nil : $0 }
        var seen: [JinjaValue] = []
        var out: [JinjaValue] = []
        for item in try value.iterated() {
            let key = sortKey(try attribute.map { try lookupPath(item, $0) } ?? item, caseSensitive: caseSensitive)
            if !seen.contains(where: { $0.pythonEquals(key) }) {
                seen.append(key)
                out.append(item)
            }
        }
        return .generator(out)
    }

    private func toInt(_ value: JinjaValue, default fallback: JinjaValue, base: Int) -> JinjaValue {
        switch value {
        case .int, .bool: return .int(value.integer ?? 0)
        case .double(let d): return Int(exactly: d.rounded(.towardZero)).map { .int($0) } ?? fallback
        case .string(let s):
            var text = PythonString.strip(s, chars: nil).replacingOccurrences(of: "_", with: "")
            var negative = false
            if text.hasPrefix("-") || text.hasPrefix("+") { negative = text.removeFirst() == "-" }
            var radix = base
            // Python's int() accepts the prefix that matches the base (and picks the base for base 0).
            for (prefix, prefixBase) in [("0x", 16), ("0o", 8), ("0b", 2)] where text.lowercased().hasPrefix(prefix) {
                if base == prefixBase || base == 0 {
                    radix = prefixBase
                    text.removeFirst(2)
                }
            }
            if radix == 0 { radix = 10 }
            if (2...36).contains(radix), let i = Int(text, radix: radix) { return .int(negative ? -i : i) }
            if negative { text = "-" + text }
            if base == 10, let d = Double(text), let i = Int(exactly: d.rounded(.towardZero)) { return .int(i) }
            return fallback
        default: return fallback
        }
    }

    private func toFloat(_ value: JinjaValue, default fallback: JinjaValue) -> JinjaValue {
        switch value {
        case .int, .bool, .double: return .double(value.number ?? 0)
        case .string(let s): return Double(PythonString.strip(s, chars: nil)).map { .double($0) } ?? fallback
        default: return fallback
        }
    }

    private func round(_ value: JinjaValue, _ args: JinjaArguments) throws -> JinjaValue {
        guard let number = value.number else { throw operandError("round()", value, nil) }
        let precision = args.value(0, "precision")?.integer ?? 0
        let scale = Foundation.pow(10, Double(precision))
        let rule: FloatingPointRoundingRule
        switch args.value(1, "method")?.pythonString ?? "common" {
        case "ceil": rule = .up
        case "floor": rule = .down
        case "common": rule = .toNearestOrEven
        default: throw JinjaError.type("method must be common, ceil or floor")
        }
        return .double((number * scale).rounded(rule) / scale)
    }

    private func indent(_ value: JinjaValue, _ args: JinjaArguments) throws -> JinjaValue {
        let widthArg = args.value(0, "width") ?? .int(4)
        let indentation: String
        if case .string(let s) = widthArg { indentation = s } else { indentation = String(repeating: " ", count: max(0, min(widthArg.integer ?? 4, 1 << 16))) }
        let first = args.value(1, "first")?.isTruthy ?? false
        let blank = args.value(2, "blank")?.isTruthy ?? false
        let lines = PythonString.splitLines(value.pythonString + "\n")
        var result: String
        if blank {
            result = lines.joined(separator: "\n" + indentation)
        } else {
            result = lines.first ?? ""
            let rest = lines.dropFirst()
            if !rest.isEmpty { result += "\n" + rest.map { $0.isEmpty ? $0 : indentation + $0 }.joined(separator: "\n") }
        }
        if first { result = indentation + result }
        try checkSize(result.utf8.count)
        return .string(result)
    }

    static func htmlEscape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
