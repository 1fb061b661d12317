/// An error in a regular expression: what and at which character offset.
public struct RegexError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public var description: String { "regex error at character \(offset): \(message)" }
}

/// Compiles an ECMAScript-style regular expression (the JSON Schema `pattern` dialect, without
/// lookaround or backreferences) to a grammar expression over code points.
///
/// Supported: alternation, groups (`(...)`, `(?:...)`, `(?<name>...)`), `* + ? {n} {n,} {n,m}`
/// (lazy forms match the same language), classes with ranges and negation, `.`, `\d \w \s` and
/// their negations, character escapes (`\t \n \r \f \v \0 \xHH \uHHHH \u{H...}`), and `^`/`$` at the
/// ends of top-level alternatives. Like JSON Schema, an unanchored side matches anywhere, so it is
/// padded with "any characters". `encode` turns a set of code points into bytes, so the same
/// pattern can match raw UTF-8 text (validation) or the inside of a JSON string literal.
public struct RegexCompiler {
    public enum Encoding: Sendable {
        /// Raw UTF-8.
        case utf8
        /// The body of a JSON string: `"`, `\` and control characters in their canonical escapes.
        case jsonString
    }

    let scalars: [Unicode.Scalar]
    let encoder: (CodePointSet) -> GrammarExpr
    var index = 0
    /// Bounds `{n,m}` so a hostile pattern cannot blow up the grammar.
    let maxRepeat = 1000

    public static func compile(_ pattern: String, encoding: Encoding) throws(RegexError) -> GrammarExpr {
        let encoder: (CodePointSet) -> GrammarExpr
        switch encoding {
        case .utf8: encoder = { $0.utf8Expr }
        case .jsonString: encoder = { RegexCompiler.jsonEncoded($0) }
        }
        var compiler = RegexCompiler(scalars: Array(pattern.unicodeScalars), encoder: encoder)
        return try compiler.parseTop()
    }

    /// The fewest and most characters a match can have (max nil: unbounded).
    static func lengthBounds(_ pattern: String) throws(RegexError) -> (min: Int, max: Int?) {
        var compiler = RegexCompiler(scalars: Array(pattern.unicodeScalars), encoder: { _ in .bytes(ByteSet(0)) })
        return lengthBounds(of: try compiler.parseTop())
    }

    static func lengthBounds(of e: GrammarExpr) -> (min: Int, max: Int?) {
        switch e {
        case .bytes: return (1, 1)
        case .rule: return (0, nil)
        case .sequence(let parts):
            var low = 0, high: Int? = 0
            for p in parts {
                let b = lengthBounds(of: p)
                low += b.min
                high = high.flatMap { h in b.max.map { h + $0 } }
            }
            return (low, high)
        case .choice(let options):
            let bounds = options.map { lengthBounds(of: $0) }
            let low = bounds.map(\.min).min() ?? 0
            let high: Int? = bounds.contains { $0.max == nil } ? nil : bounds.compactMap(\.max).max() ?? 0
            return (low, high)
        case .repeated(let inner, let min, let max):
            let b = lengthBounds(of: inner)
            if b.max == 0 { return (0, 0) }
            return (b.min * min, max.flatMap { m in b.max.map { $0 * m } })
        }
    }

    /// Whether the pattern is `^c{m,n}$` (or `^c*$`, `^c+$`...) for a single character class c.
    /// Whether some top-level alternative of `pattern` may lack `^` or `$` (a cheap look at the
    /// text: an escaped `$` at the end, or a `|` inside a group, count as unanchored).
    static func mayBeUnanchored(_ pattern: String) -> Bool {
        !(pattern.hasPrefix("^") && pattern.hasSuffix("$")) || pattern.contains("|")
    }

    static func isAnchoredSingleClassRepeat(_ pattern: String) -> Bool {
        var compiler = RegexCompiler(scalars: Array(pattern.unicodeScalars), encoder: { _ in .bytes(ByteSet(0)) })
        guard case .sequence(let parts)? = try? compiler.parseTop(), parts.count == 1,
            case .repeated(.bytes, _, _) = parts[0]
        else { return false }
        return true
    }

    init(scalars: [Unicode.Scalar], encoder: @escaping (CodePointSet) -> GrammarExpr) {
        self.scalars = scalars
        self.encoder = encoder
    }

    var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    func fail(_ message: String) -> RegexError { RegexError(message: message, offset: index) }

    /// One code point from `set`, encoded.
    func encode(_ set: CodePointSet) -> GrammarExpr { encoder(set) }

    /// A code point set inside a JSON string: characters that need escaping as their canonical
    /// escape (as `compactText` writes them), everything else as UTF-8.
    public static func jsonEncoded(_ set: CodePointSet) -> GrammarExpr {
        var plain = CodePointSet()
        var options: [GrammarExpr] = []
        for r in set.ranges {
            var start = r.lowerBound
            if r.lowerBound <= 0x5C {
                for c in r.lowerBound...min(r.upperBound, 0x5C) where c < 0x20 || c == 0x22 || c == 0x5C {
                    if c > start { plain.insert(start...(c - 1)) }
                    options.append(.literal(jsonEscape(c)))
                    start = c + 1
                }
            }
            if start <= r.upperBound { plain.insert(start...r.upperBound) }
        }
        if !plain.ranges.isEmpty { options.append(plain.utf8Expr) }
        return options.count == 1 ? options[0] : .choice(options)
    }

    static func jsonEscape(_ c: UInt32) -> String {
        switch c {
        case 0x22: return "\\\""
        case 0x5C: return "\\\\"
        case 0x0A: return "\\n"
        case 0x0D: return "\\r"
        case 0x09: return "\\t"
        case 0x08: return "\\b"
        case 0x0C: return "\\f"
        default:
            let hex = String(c, radix: 16)
            return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        }
    }

    mutating func parseTop() throws(RegexError) -> GrammarExpr {
        var options: [GrammarExpr] = []
        let anything = GrammarExpr.repeated(encode(.any), min: 0, max: nil)
        while true {
            var parts: [GrammarExpr] = []
            if current == "^" { index += 1 } else { parts.append(anything) }
            var body = try parseSequence()
            var anchoredEnd = false
            if current == "$" {
                index += 1
                anchoredEnd = true
            }
            if case .sequence(let items) = body { parts += items } else { parts.append(body) }
            if !anchoredEnd { parts.append(anything) }
            body = .sequence(parts)
            options.append(body)
            if current == "|" {
                index += 1
                continue
            }
            guard current == nil else {
                throw fail(current == ")" ? "unbalanced ')'" : "anchor '\(current.map(String.init) ?? "")' inside a pattern is not supported")
            }
            break
        }
        return options.count == 1 ? options[0] : .choice(options)
    }

    mutating func parseAlternatives() throws(RegexError) -> GrammarExpr {
        var options = [try parseSequence()]
        while current == "|" {
            index += 1
            options.append(try parseSequence())
        }
        return options.count == 1 ? options[0] : .choice(options)
    }

    mutating func parseSequence() throws(RegexError) -> GrammarExpr {
        var items: [GrammarExpr] = []
        while let s = current, s != "|", s != ")" {
            if s == "$" {
                // End anchor: only valid at the very end of a top-level alternative.
                let next = index + 1 < scalars.count ? scalars[index + 1] : nil
                if next == nil || next == "|" { break }
                throw fail("'$' inside a pattern is not supported")
            }
            if s == "^" { throw fail("'^' inside a pattern is not supported") }
            var atom = try parseAtom()
            atom = try parseQuantifier(atom)
            items.append(atom)
        }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    mutating func parseQuantifier(_ atom: GrammarExpr) throws(RegexError) -> GrammarExpr {
        guard let s = current else { return atom }
        var result: GrammarExpr
        switch s {
        case "*": index += 1; result = .repeated(atom, min: 0, max: nil)
        case "+": index += 1; result = .repeated(atom, min: 1, max: nil)
        case "?": index += 1; result = .repeated(atom, min: 0, max: 1)
        case "{":
            let save = index
            index += 1
            guard let low = parseNumber() else {
                // A '{' that does not start a quantifier is a literal in ECMAScript's annex B.
                index = save
                return atom
            }
            var high: Int? = low
            if current == "," {
                index += 1
                high = parseNumber()
            }
            guard current == "}" else { throw fail("expected '}' in quantifier") }
            index += 1
            guard low <= maxRepeat, (high ?? 0) <= maxRepeat else { throw fail("repetition count above \(maxRepeat)") }
            if let high, high < low { throw fail("quantifier {\(low),\(high)} has max below min") }
            result = .repeated(atom, min: low, max: high)
        default:
            return atom
        }
        if current == "?" { index += 1 }
        if current == "*" || current == "+" || current == "?" || current == "{" && parsesAsQuantifier() {
            throw fail("nothing to repeat")
        }
        return result
    }

    func parsesAsQuantifier() -> Bool {
        var copy = self
        copy.index += 1
        return copy.parseNumber() != nil
    }

    mutating func parseNumber() -> Int? {
        var value = 0
        let start = index
        while let s = current, ("0"..."9").contains(s) {
            value = min(value * 10 + Int(s.value - 48), 1_000_000)
            index += 1
        }
        return index > start ? value : nil
    }

    mutating func parseAtom() throws(RegexError) -> GrammarExpr {
        guard let s = current else { throw fail("unexpected end of pattern") }
        switch s {
        case "(":
            index += 1
            if current == "?" {
                index += 1
                if current == ":" {
                    index += 1
                } else if current == "<", index + 1 < scalars.count, scalars[index + 1] != "=", scalars[index + 1] != "!" {
                    while let c = current, c != ">" { index += 1 }
                    guard current == ">" else { throw fail("unterminated group name") }
                    index += 1
                } else {
                    throw fail("lookaround and other (? groups are not supported")
                }
            }
            let inner = try parseAlternatives()
            guard current == ")" else { throw fail("expected ')'") }
            index += 1
            return inner
        case "[":
            return encode(try parseClass())
        case ".":
            index += 1
            // '.' excludes line terminators, as in ECMAScript without the s flag.
            return encode(CodePointSet([0...9, 11...12, 14...0x2027, 0x202A...CodePointSet.maxScalar]))
        case "\\":
            return encode(try parseEscape(inClass: false))
        case "*", "+", "?":
            throw fail("nothing to repeat")
        default:
            index += 1
            return encode(CodePointSet([s.value...s.value]))
        }
    }

    static let digits = CodePointSet([0x30...0x39])
    static let word = CodePointSet([0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])
    static let space = CodePointSet([
        0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0x1680...0x1680, 0x2000...0x200A, 0x2028...0x2029,
        0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000, 0xFEFF...0xFEFF,
    ])

    /// An escape (after the backslash) as the set of code points it matches.
    mutating func parseEscape(inClass: Bool) throws(RegexError) -> CodePointSet {
        index += 1
        guard let e = current else { throw fail("pattern ends with '\\'") }
        index += 1
        func one(_ c: UInt32) -> CodePointSet { CodePointSet([c...c]) }
        switch e {
        case "d": return RegexCompiler.digits
        case "D": return RegexCompiler.digits.inverted()
        case "w": return RegexCompiler.word
        case "W": return RegexCompiler.word.inverted()
        case "s": return RegexCompiler.space
        case "S": return RegexCompiler.space.inverted()
        case "t": return one(9)
        case "n": return one(10)
        case "v": return one(11)
        case "f": return one(12)
        case "r": return one(13)
        case "0": return one(0)
        case "b" where inClass: return one(8)
        case "b", "B": throw fail("word boundaries are not supported")
        case "x": return one(try parseHex(count: 2))
        case "u":
            if current == "{" {
                index += 1
                var value: UInt32 = 0
                var digits = 0
                while let c = current, c != "}" {
                    guard c.isASCII, let d = UInt32(String(c), radix: 16), digits < 6 else { throw fail("invalid \\u{...} escape") }
                    value = value << 4 | d
                    digits += 1
                    index += 1
                }
                guard current == "}", digits > 0, value <= CodePointSet.maxScalar else { throw fail("invalid \\u{...} escape") }
                index += 1
                return one(value)
            }
            return one(try parseHex(count: 4))
        case "c": throw fail("control escapes are not supported")
        case "p", "P": throw fail("Unicode property escapes are not supported")
        default:
            if ("1"..."9").contains(e) { throw fail("backreferences are not supported") }
            if e.properties.isAlphabetic { throw fail("unknown escape '\\\(e)'") }
            return one(e.value)
        }
    }

    mutating func parseHex(count: Int) throws(RegexError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let c = current, c.isASCII, let d = UInt32(String(c), radix: 16) else { throw fail("expected \(count) hex digits") }
            value = value << 4 | d
            index += 1
        }
        return value
    }

    mutating func parseClass() throws(RegexError) -> CodePointSet {
        index += 1
        var negated = false
        if current == "^" {
            negated = true
            index += 1
        }
        var set = CodePointSet()
        while current != "]" {
            guard current != nil else { throw fail("unterminated character class") }
            let low = try parseClassAtom()
            if current == "-", index + 1 < scalars.count, scalars[index + 1] != "]" {
                index += 1
                let high = try parseClassAtom()
                guard low.ranges.count == 1, high.ranges.count == 1,
                    let a = low.ranges.first, let b = high.ranges.first, a.count == 1, b.count == 1
                else {
                    // ECMAScript annex B: a range with a class escape is the union with '-'.
                    set.insert(low)
                    set.insert(high)
                    set.insert(0x2D...0x2D)
                    continue
                }
                guard a.lowerBound <= b.lowerBound else { throw fail("character range is out of order") }
                set.insert(a.lowerBound...b.lowerBound)
            } else {
                set.insert(low)
            }
        }
        index += 1
        return negated ? set.inverted() : set
    }

    mutating func parseClassAtom() throws(RegexError) -> CodePointSet {
        guard let s = current else { throw fail("unterminated character class") }
        if s == "\\" { return try parseEscape(inClass: true) }
        index += 1
        return CodePointSet([s.value...s.value])
    }
}
