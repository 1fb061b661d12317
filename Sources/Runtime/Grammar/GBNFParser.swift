extension Grammar {
    /// Parses GBNF text in llama.cpp's syntax: `name ::= alternatives` rules, `|`, groups,
    /// `* + ? {m} {m,} {m,n}`, string literals, character classes (ranges, `^` negation), `.`,
    /// escapes (`\n \r \t \\ \" \[ \] \xHH \uHHHH \UHHHHHHHH`) and `#` comments. Literals and
    /// classes are Unicode code points, matched as their UTF-8 bytes. The start rule is `root`.
    public init(gbnf text: String, root: String = "root") throws(GrammarError) {
        var parser = GBNFParser(text: text)
        try parser.parseRules()
        guard let rootID = parser.declaredRoot(root) else {
            throw GrammarError(message: "grammar has no '\(root)' rule", line: 0, column: 0)
        }
        do {
            self = try parser.builder.build(root: rootID)
        } catch {
            // Point undefined-rule errors at the first use.
            if let place = parser.firstUse.first(where: { !parser.builder.isDefined($0.key) }) {
                throw GrammarError(
                    message: "rule '\(parser.builder.name(place.key))' is used but not defined",
                    line: place.value.line, column: place.value.column)
            }
            throw error
        }
    }
}

private struct GBNFParser {
    let scalars: [Unicode.Scalar]
    var index = 0
    var builder = GrammarBuilder()
    var firstUse: [Int: (line: Int, column: Int)] = [:]
    var defined: Set<String> = []
    /// Bounds repetition counts so `x{1000000000}` is an error, not an allocation.
    let maxRepeat = 10_000

    init(text: String) { scalars = Array(text.unicodeScalars) }

    func declaredRoot(_ name: String) -> Int? {
        defined.contains(name) ? builder.existingRuleID(name) : nil
    }

    func position(of offset: Int) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for s in scalars[0..<min(offset, scalars.count)] {
            if s == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }

    func fail(_ message: String, at offset: Int? = nil) -> GrammarError {
        let p = position(of: offset ?? index)
        return GrammarError(message: message, line: p.line, column: p.column)
    }

    var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    static func isWordChar(_ s: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s) || s == "-" || s == "_"
    }

    /// Skips blanks and comments; newlines only when `newlines` (inside groups, after `|`/`::=`).
    mutating func skipSpace(newlines: Bool) {
        while let s = current {
            if s == " " || s == "\t" || (newlines && (s == "\n" || s == "\r")) {
                index += 1
            } else if s == "#" {
                while let c = current, c != "\n" { index += 1 }
            } else {
                return
            }
        }
    }

    mutating func parseName() throws(GrammarError) -> String {
        let start = index
        while let s = current, GBNFParser.isWordChar(s) { index += 1 }
        guard index > start else { throw fail("expected a rule name") }
        return String(String.UnicodeScalarView(scalars[start..<index]))
    }

    mutating func parseRules() throws(GrammarError) {
        skipSpace(newlines: true)
        while current != nil {
            let name = try parseName()
            skipSpace(newlines: false)
            guard expect("::=") else { throw fail("expected '::=' after rule name '\(name)'") }
            skipSpace(newlines: true)
            let body = try parseAlternatives(nested: false)
            let id = builder.ruleID(name)
            defined.insert(name)
            builder.define(id, body)
            skipSpace(newlines: false)
            if let s = current, s != "\n", s != "\r" {
                throw fail("unexpected '\(s)' at end of rule '\(name)'")
            }
            skipSpace(newlines: true)
        }
    }

    mutating func expect(_ word: String) -> Bool {
        let w = Array(word.unicodeScalars)
        guard index + w.count <= scalars.count, Array(scalars[index..<index + w.count]) == w else { return false }
        index += w.count
        return true
    }

    mutating func parseAlternatives(nested: Bool) throws(GrammarError) -> GrammarExpr {
        var options = [try parseSequence(nested: nested)]
        while true {
            // A top-level alternative may continue on a following line that starts with '|'.
            let save = index
            skipSpace(newlines: true)
            guard current == "|" else {
                index = save
                break
            }
            index += 1
            skipSpace(newlines: true)
            options.append(try parseSequence(nested: nested))
        }
        return options.count == 1 ? options[0] : .choice(options)
    }

    mutating func parseSequence(nested: Bool) throws(GrammarError) -> GrammarExpr {
        var items: [GrammarExpr] = []
        while let s = current {
            var item: GrammarExpr
            if s == "\"" {
                index += 1
                var bytes: [UInt8] = []
                while current != "\"" {
                    guard current != nil else { throw fail("unterminated string literal") }
                    bytes += Array(String(try parseChar()).utf8)
                }
                index += 1
                item = .literal(bytes)
            } else if s == "[" {
                item = try parseClass()
            } else if s == "." {
                index += 1
                item = CodePointSet.any.utf8Expr
            } else if GBNFParser.isWordChar(s) {
                let at = index
                let name = try parseName()
                let id = builder.ruleID(name)
                if firstUse[id] == nil { firstUse[id] = position(of: at) }
                item = .rule(id)
            } else if s == "(" {
                index += 1
                skipSpace(newlines: true)
                item = try parseAlternatives(nested: true)
                guard current == ")" else { throw fail("expected ')'") }
                index += 1
            } else {
                break
            }
            skipSpace(newlines: nested)
            item = try parsePostfix(item, nested: nested)
            items.append(item)
        }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    mutating func parsePostfix(_ base: GrammarExpr, nested: Bool) throws(GrammarError) -> GrammarExpr {
        var item = base
        while let s = current {
            switch s {
            case "*": item = .repeated(item, min: 0, max: nil)
            case "+": item = .repeated(item, min: 1, max: nil)
            case "?": item = .repeated(item, min: 0, max: 1)
            case "{":
                index += 1
                skipSpace(newlines: nested)
                let low = try parseCount()
                skipSpace(newlines: nested)
                var high: Int? = low
                if current == "," {
                    index += 1
                    skipSpace(newlines: nested)
                    high = current == "}" ? nil : try parseCount()
                    skipSpace(newlines: nested)
                }
                guard current == "}" else { throw fail("expected '}' in repetition") }
                if let high, high < low { throw fail("repetition {\(low),\(high)} has max below min") }
                item = .repeated(item, min: low, max: high)
            default:
                return item
            }
            index += 1
            skipSpace(newlines: nested)
        }
        return item
    }

    mutating func parseCount() throws(GrammarError) -> Int {
        let start = index
        var value = 0
        while let s = current, ("0"..."9").contains(s) {
            value = value * 10 + Int(s.value - 48)
            if value > maxRepeat { throw fail("repetition count above \(maxRepeat)", at: start) }
            index += 1
        }
        guard index > start else { throw fail("expected a number in repetition") }
        return value
    }

    mutating func parseClass() throws(GrammarError) -> GrammarExpr {
        index += 1
        var negated = false
        if current == "^" {
            negated = true
            index += 1
        }
        var set = CodePointSet()
        while current != "]" {
            guard current != nil else { throw fail("unterminated character class") }
            let low = try parseChar()
            if current == "-", index + 1 < scalars.count, scalars[index + 1] != "]" {
                index += 1
                let high = try parseChar()
                guard low.value <= high.value else { throw fail("character range is out of order") }
                set.insert(low.value...high.value)
            } else {
                set.insert(low.value...low.value)
            }
        }
        index += 1
        if negated { set = set.inverted() }
        guard !set.withoutSurrogates().ranges.isEmpty else { throw fail("character class matches nothing") }
        return set.utf8Expr
    }

    mutating func parseChar() throws(GrammarError) -> Unicode.Scalar {
        guard let s = current else { throw fail("unexpected end of grammar") }
        index += 1
        guard s == "\\" else { return s }
        guard let e = current else { throw fail("unterminated escape") }
        index += 1
        switch e {
        case "n": return "\n"
        case "r": return "\r"
        case "t": return "\t"
        case "\\", "\"", "[", "]", "-", "^", "/", "'": return e
        case "x": return try parseHex(2)
        case "u": return try parseHex(4)
        case "U": return try parseHex(8)
        default: throw fail("unknown escape '\\\(e)'", at: index - 2)
        }
    }

    mutating func parseHex(_ count: Int) throws(GrammarError) -> Unicode.Scalar {
        let start = index - 2
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let s = current, s.isASCII, let digit = UInt32(String(s), radix: 16) else { throw fail("expected \(count) hex digits", at: start) }
            value = value << 4 | digit
            index += 1
        }
        guard let scalar = Unicode.Scalar(value) else { throw fail("escape is not a Unicode scalar", at: start) }
        return scalar
    }
}
