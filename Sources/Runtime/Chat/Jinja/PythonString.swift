/// Python `str` operations on code points, matching CPython where templates can observe a difference.
enum PythonString {
    static func isSpace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace }

    static func strip(_ s: String, chars: String?, leading: Bool = true, trailing: Bool = true) -> String {
        let set = chars.map { Set($0.unicodeScalars) }
        let drop: (Unicode.Scalar) -> Bool = { set?.contains($0) ?? isSpace($0) }
        var scalars = Array(s.unicodeScalars)[...]
        if leading { while let first = scalars.first, drop(first) { scalars.removeFirst() } }
        if trailing { while let last = scalars.last, drop(last) { scalars.removeLast() } }
        return String(String.UnicodeScalarView(scalars))
    }

    /// `str.split(sep, maxsplit)` and `str.rsplit`; `sep == nil` splits on whitespace runs.
    static func split(_ s: String, separator: String?, maxSplit: Int, fromRight: Bool) -> [String] {
        var scalars = Array(s.unicodeScalars)
        var sep = separator.map { Array($0.unicodeScalars) }
        if fromRight {
            scalars.reverse()
            sep?.reverse()
        }
        var parts: [[Unicode.Scalar]] = []
        var splits = 0
        var i = 0
        if let sep {
            var start = 0
            while i + sep.count <= scalars.count {
                if (maxSplit < 0 || splits < maxSplit) && scalars[i..<(i + sep.count)].elementsEqual(sep) {
                    parts.append(Array(scalars[start..<i]))
                    i += sep.count
                    start = i
                    splits += 1
                } else {
                    i += 1
                }
            }
            parts.append(Array(scalars[start...]))
        } else {
            while i < scalars.count {
                while i < scalars.count, isSpace(scalars[i]) { i += 1 }
                guard i < scalars.count else { break }
                if maxSplit >= 0 && splits >= maxSplit {
                    parts.append(Array(scalars[i...]))
                    break
                }
                let start = i
                while i < scalars.count, !isSpace(scalars[i]) { i += 1 }
                parts.append(Array(scalars[start..<i]))
                splits += 1
            }
        }
        if fromRight { parts = parts.reversed().map { $0.reversed() } }
        return parts.map { String(String.UnicodeScalarView($0)) }
    }

    static func splitLines(_ s: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var previousCR = false
        for scalar in s.unicodeScalars {
            if previousCR && scalar == "\n" {
                previousCR = false
                continue
            }
            previousCR = scalar == "\r"
            if ["\n", "\r", "\u{0B}", "\u{0C}", "\u{1C}", "\u{1D}", "\u{1E}", "\u{85}", "\u{2028}", "\u{2029}"].contains(scalar) {
                lines.append(String(current))
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { lines.append(String(current)) }
        return lines
    }

    static func replace(_ s: String, _ old: String, _ new: String, count: Int) -> String {
        if old.isEmpty {
            var out = String.UnicodeScalarView()
            var done = 0
            for scalar in s.unicodeScalars {
                if count < 0 || done < count { out.append(contentsOf: new.unicodeScalars); done += 1 }
                out.append(scalar)
            }
            if count < 0 || done < count { out.append(contentsOf: new.unicodeScalars) }
            return String(out)
        }
        return split(s, separator: old, maxSplit: count, fromRight: false).joined(separator: new)
    }

    /// `str.title()`: a cased letter after an uncased character starts a word.
    static func title(_ s: String) -> String {
        var out = ""
        var previousCased = false
        for scalar in s.unicodeScalars {
            let p = scalar.properties
            if p.isCased {
                out += previousCased ? p.lowercaseMapping : p.titlecaseMapping
            } else {
                out.unicodeScalars.append(scalar)
            }
            previousCased = p.isCased || p.isCaseIgnorable && previousCased
        }
        return out
    }

    static func capitalize(_ s: String) -> String {
        guard let first = s.unicodeScalars.first else { return s }
        return first.properties.titlecaseMapping + String(String.UnicodeScalarView(s.unicodeScalars.dropFirst())).lowercased()
    }

    /// `str.format(*args, **kwargs)` for `{}`, `{0}`, `{name}`, `{{`, `}}` and `!r`/`!s` conversions.
    static func format(_ s: String, _ args: JinjaArguments) throws -> String {
        var out = ""
        var scalars = Array(s.unicodeScalars)[...]
        var auto = 0
        while let c = scalars.popFirst() {
            if c == "}" {
                guard scalars.popFirst() == "}" else { throw JinjaError.type("single '}' encountered in format string") }
                out += "}"
                continue
            }
            guard c == "{" else { out.unicodeScalars.append(c); continue }
            if scalars.first == "{" {
                scalars.removeFirst()
                out += "{"
                continue
            }
            var field = ""
            while let f = scalars.popFirst(), f != "}" { field.unicodeScalars.append(f) }
            var conversion: String?
            if let bang = field.firstIndex(of: "!") {
                conversion = String(field[field.index(after: bang)...])
                field = String(field[..<bang])
            }
            if field.contains(":") || field.contains(".") || field.contains("[") {
                throw JinjaError.type("format specifications and field access are not supported in str.format: '{\(field)}'")
            }
            let value: JinjaValue?
            if field.isEmpty {
                value = auto < args.positional.count ? args.positional[auto] : nil
                auto += 1
            } else if let index = Int(field) {
                value = index < args.positional.count ? args.positional[index] : nil
            } else {
                value = args.keywords.first { $0.name == field }?.value
            }
            guard let value else { throw JinjaError.type("format string refers to missing argument '{\(field)}'") }
            out += conversion == "r" ? value.pythonRepr : value.pythonString
        }
        return out
    }
}

extension Character {
    var isCased: Bool { unicodeScalars.contains { $0.properties.isCased } }
}
