/// The methods of Python `str`, `dict` and `list` that templates call (`.strip()`, `.get()`, …).
/// Mutating methods are refused, as jinja2's ImmutableSandboxedEnvironment refuses them.
extension JinjaRenderer {
    private static let unsafeMethods: [String: Set<String>] = [
        "list": ["append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"],
        "dict": ["update", "pop", "popitem", "setdefault", "clear"],
    ]

    /// The bound method `value.name`, nil when `value` has no such method.
    func boundMethod(_ original: JinjaValue, _ name: String) throws -> JinjaValue? {
        let value = original.unmarked
        let type: String
        switch value {
        case .list, .tuple: type = "list"
        case .dict: type = "dict"
        case .string: type = "str"
        default: return nil
        }
        if Self.unsafeMethods[type]?.contains(name) == true {
            throw JinjaError.security("access to attribute '\(name)' of '\(value.typeName)' object is unsafe")
        }
        let method: ((JinjaArguments) throws -> JinjaValue)?
        switch value {
        case .string(let s): method = stringMethod(s, name)
        case .dict(let d): method = dictMethod(d, name)
        case .list(let a), .tuple(let a): method = listMethod(a, name)
        default: method = nil
        }
        guard let method else { return nil }
        return .function(JinjaFunction("\(value.typeName).\(name)") { args, _ in try method(args) })
    }

    private func dictMethod(_ d: JinjaDict, _ name: String) -> ((JinjaArguments) throws -> JinjaValue)? {
        switch name {
        case "get": return { args in
            guard let key = args.value(0, "key") else { throw JinjaError.type("get expected at least 1 argument, got 0") }
            return d[key] ?? args.value(1, "default") ?? .none
        }
        case "items": return { _ in .list(d.pairs.map { .tuple([$0.key, $0.value]) }) }
        case "keys": return { _ in .list(d.keys) }
        case "values": return { _ in .list(d.values) }
        case "copy": return { _ in .dict(d) }
        default: return nil
        }
    }

    private func listMethod(_ a: [JinjaValue], _ name: String) -> ((JinjaArguments) throws -> JinjaValue)? {
        switch name {
        case "index": return { args in
            guard let needle = args.value(0, "value"), let i = a.firstIndex(where: { $0.pythonEquals(needle) }) else {
                throw JinjaError.type("value is not in list")
            }
            return .int(i)
        }
        case "count": return { args in .int(a.filter { $0.pythonEquals(args.value(0, "value") ?? .none) }.count) }
        case "copy": return { _ in .list(a) }
        default: return nil
        }
    }

    private func stringArgument(_ args: JinjaArguments, _ index: Int, _ name: String) throws -> String? {
        guard let value = args.value(index, name), !value.isNone else { return nil }
        guard case .string(let s) = value else { throw JinjaError.type("\(name) must be str, not \(value.typeName)") }
        return s
    }

    private func stringMethod(_ s: String, _ name: String) -> ((JinjaArguments) throws -> JinjaValue)? {
        switch name {
        case "strip", "lstrip", "rstrip": return { [self] args in
            let chars = try stringArgument(args, 0, "chars")
            return .string(PythonString.strip(s, chars: chars, leading: name != "rstrip", trailing: name != "lstrip"))
        }
        case "split", "rsplit": return { [self] args in
            let sep = try stringArgument(args, 0, "sep")
            let maxSplit = args.value(1, "maxsplit")?.integer ?? -1
            if sep == "" { throw JinjaError.type("empty separator") }
            let parts = PythonString.split(s, separator: sep, maxSplit: maxSplit, fromRight: name == "rsplit")
            return .list(parts.map { .string($0) })
        }
        case "splitlines": return { _ in .list(PythonString.splitLines(s).map { .string($0) }) }
        case "startswith", "endswith": return { args in
            guard let arg = args.value(0, "prefix") else { throw JinjaError.type("\(name) takes at least 1 argument") }
            let candidates: [JinjaValue]
            if case .tuple(let items) = arg { candidates = items } else { candidates = [arg] }
            for candidate in candidates {
                guard case .string(let c) = candidate else {
                    throw JinjaError.type("\(name) first arg must be str or a tuple of str, not \(candidate.typeName)")
                }
                let hit = name == "startswith" ? s.unicodeScalars.starts(with: c.unicodeScalars)
                    : s.unicodeScalars.reversed().starts(with: c.unicodeScalars.reversed())
                if hit { return .bool(true) }
            }
            return .bool(false)
        }
        case "replace": return { [self] args in
            guard let old = try stringArgument(args, 0, "old"), let new = try stringArgument(args, 1, "new") else {
                throw JinjaError.type("replace expected 2 string arguments")
            }
            let result = PythonString.replace(s, old, new, count: args.value(2, "count")?.integer ?? -1)
            try checkSize(result.utf8.count)
            return .string(result)
        }
        case "upper": return { _ in .string(s.uppercased()) }
        case "lower": return { _ in .string(s.lowercased()) }
        case "title": return { _ in .string(PythonString.title(s)) }
        case "capitalize": return { _ in .string(PythonString.capitalize(s)) }
        case "find", "rfind", "index", "rindex": return { [self] args in
            guard let needle = try stringArgument(args, 0, "sub") else { throw JinjaError.type("\(name) expects a string") }
            let hay = Array(s.unicodeScalars), sub = Array(needle.unicodeScalars)
            let starts = hay.count >= sub.count ? Array(0...(hay.count - sub.count)) : []
            let order = name.hasPrefix("r") ? starts.reversed() : starts
            if let hit = order.first(where: { hay[$0..<($0 + sub.count)].elementsEqual(sub) }) { return .int(hit) }
            if name.hasSuffix("index") { throw JinjaError.type("substring not found") }
            return .int(-1)
        }
        case "count": return { [self] args in
            guard let needle = try stringArgument(args, 0, "sub") else { throw JinjaError.type("count expects a string") }
            if needle.isEmpty { return .int(s.unicodeScalars.count + 1) }
            return .int(PythonString.split(s, separator: needle, maxSplit: -1, fromRight: false).count - 1)
        }
        case "join": return { [self] args in
            let items = try (args.value(0, "iterable") ?? .list([])).iterated()
            var parts: [String] = []
            for item in items {
                guard case .string(let p) = item else { throw JinjaError.type("sequence item: expected str instance, \(item.typeName) found") }
                parts.append(p)
            }
            let result = parts.joined(separator: s)
            try checkSize(result.utf8.count)
            return .string(result)
        }
        case "format": return { [self] args in
            let result = try PythonString.format(s, args)
            try checkSize(result.utf8.count)
            return .string(result)
        }
        case "isdigit", "isnumeric", "isdecimal": return { _ in
            .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.numericType != nil })
        }
        case "isalpha": return { _ in .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic }) }
        case "isalnum": return { _ in
            .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil })
        }
        case "isspace": return { _ in .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isWhitespace }) }
        case "isupper": return { _ in .bool(s.contains { $0.isCased } && s.uppercased() == s) }
        case "islower": return { _ in .bool(s.contains { $0.isCased } && s.lowercased() == s) }
        default: return nil
        }
    }
}
