/// Parses the pattern subset `SplitPattern` documents; errors name the pattern and the offset.
struct SplitPatternParser {
    private let source: String
    private let scalars: [UInt32]
    private var position = 0

    init(source: String) {
        self.source = source
        scalars = source.unicodeScalars.map(\.value)
    }

    mutating func parse() throws(TokenizerError) -> [[SplitPattern.Item]] {
        let alternatives = try parseAlternation(topLevel: true)
        if position != scalars.count { throw failure("unexpected ')'") }
        return alternatives
    }

    private func failure(_ message: String) -> TokenizerError {
        .invalidPattern(pattern: source, offset: position, message: message)
    }

    private var current: UInt32? { position < scalars.count ? scalars[position] : nil }

    private mutating func take(_ character: Character) -> Bool {
        guard let value = character.unicodeScalars.first?.value, current == value else { return false }
        position += 1
        return true
    }

    private mutating func parseAlternation(topLevel: Bool) throws(TokenizerError) -> [[SplitPattern.Item]] {
        var alternatives: [[SplitPattern.Item]] = []
        while true {
            if topLevel, let group = try parseWholeGroupAlternative() {
                alternatives.append(contentsOf: group)
            } else {
                alternatives.append(try parseSequence())
            }
            if !take("|") { return alternatives }
        }
    }

    /// `(?:a|b)` standing alone as one alternative is spliced into the outer alternation, which
    /// is the same language with the same preference order.
    private mutating func parseWholeGroupAlternative() throws(TokenizerError) -> [[SplitPattern.Item]]? {
        let start = position
        guard take("("), take("?"), take(":") else {
            position = start
            return nil
        }
        let inner = try parseAlternation(topLevel: false)
        guard take(")") else { throw failure("missing ')'") }
        if current != nil && current != UInt32(UInt8(ascii: "|")) {
            position = start
            throw failure("a group must form a whole alternative")
        }
        return inner
    }

    private mutating func parseSequence() throws(TokenizerError) -> [SplitPattern.Item] {
        var items: [SplitPattern.Item] = []
        while let c = current, c != UInt32(UInt8(ascii: "|")), c != UInt32(UInt8(ascii: ")")) {
            if take("$") {
                items.append(.end)
                continue
            }
            if take("(") {
                guard take("?"), take("!") else { throw failure("only (?:…) and (?!…) groups are supported") }
                var cls = try parseAtom()
                cls.finish()
                guard take(")") else { throw failure("a lookahead holds one class") }
                items.append(.notFollowedBy(cls))
                continue
            }
            var cls = try parseAtom()
            cls.finish()
            let (min, max) = try parseQuantifier()
            items.append(.repeated(cls, min: min, max: max))
        }
        if items.isEmpty { throw failure("empty alternative") }
        return items
    }

    private mutating func parseQuantifier() throws(TokenizerError) -> (Int, Int) {
        if take("?") { return (0, 1) }
        if take("*") { return (0, Int.max) }
        if take("+") { return (1, Int.max) }
        guard take("{") else { return (1, 1) }
        let low = try parseNumber()
        var high = low
        if take(",") { high = try parseNumber() }
        guard take("}"), low <= high else { throw failure("bad {m,n} quantifier") }
        return (low, high)
    }

    private mutating func parseNumber() throws(TokenizerError) -> Int {
        var value = 0
        var digits = 0
        while let c = current, c >= 48, c <= 57, digits < 6 {
            value = value * 10 + Int(c - 48)
            digits += 1
            position += 1
        }
        if digits == 0 { throw failure("expected a number") }
        return value
    }

    /// One class: a bracket expression, an escape, or a literal character.
    private mutating func parseAtom() throws(TokenizerError) -> CharacterClass {
        if take("[") { return try parseBracket() }
        guard let c = current else { throw failure("pattern ends early") }
        if c == UInt32(UInt8(ascii: "\\")) {
            position += 1
            var cls = CharacterClass()
            if let literal = try parseEscape(into: &cls, allowNegated: true) { cls.ranges.append(literal...literal) }
            return cls
        }
        if c == UInt32(UInt8(ascii: ".")) { throw failure("'.' is not supported") }
        position += 1
        var cls = CharacterClass()
        cls.ranges.append(c...c)
        return cls
    }

    private mutating func parseBracket() throws(TokenizerError) -> CharacterClass {
        var cls = CharacterClass()
        if take("^") { cls.negated = true }
        var first = true
        while true {
            guard let c = current else { throw failure("missing ']'") }
            if c == UInt32(UInt8(ascii: "]")) && !first {
                position += 1
                return cls
            }
            first = false
            // `&&[^…]`: the class minus the inner bracket's ranges (`[\p{L}&&[^a-z]]`: letters but a–z).
            if c == UInt32(UInt8(ascii: "&")), position + 3 < scalars.count, scalars[position + 1] == c,
               scalars[position + 2] == UInt32(UInt8(ascii: "[")), scalars[position + 3] == UInt32(UInt8(ascii: "^")) {
                position += 3
                let inner = try parseBracket()
                guard inner.negated, inner.properties.isEmpty else { throw failure("only '&&[^ranges]' subtracts from a class") }
                cls.excluded += inner.ranges
                continue
            }
            position += 1
            var low = c
            if c == UInt32(UInt8(ascii: "\\")) {
                guard let escaped = try parseEscape(into: &cls, allowNegated: false) else { continue }
                low = escaped
            }
            if current == UInt32(UInt8(ascii: "-")), position + 1 < scalars.count,
               scalars[position + 1] != UInt32(UInt8(ascii: "]")) {
                position += 1
                guard var high = current else { throw failure("missing range end") }
                position += 1
                if high == UInt32(UInt8(ascii: "\\")) {
                    guard let escaped = try parseEscape(into: &cls, allowNegated: false) else {
                        throw failure("a range cannot end in a class")
                    }
                    high = escaped
                }
                guard low <= high else { throw failure("reversed range") }
                cls.ranges.append(low...high)
            } else {
                cls.ranges.append(low...low)
            }
        }
    }

    /// After a backslash: adds a property to `cls` and returns nil, or returns the escaped
    /// literal code point.
    @discardableResult
    private mutating func parseEscape(into cls: inout CharacterClass, allowNegated: Bool) throws(TokenizerError) -> UInt32? {
        guard let c = current else { throw failure("pattern ends after '\\'") }
        position += 1
        switch Character(Unicode.Scalar(c) ?? "?") {
        case "s":
            cls.properties.insert(.whitespace)
        case "S":
            guard allowNegated else { throw failure("\\S inside brackets is not supported") }
            cls.properties.insert(.whitespace)
            cls.negated = true
        case "p":
            guard take("{"), let name = current else { throw failure("expected \\p{…}") }
            position += 1
            guard take("}") else { throw failure("only one-letter categories \\p{L} \\p{N} \\p{P} \\p{M}") }
            switch name {
            case UInt32(UInt8(ascii: "L")): cls.properties.insert(.letter)
            case UInt32(UInt8(ascii: "N")): cls.properties.insert(.number)
            case UInt32(UInt8(ascii: "P")): cls.properties.insert(.punctuation)
            case UInt32(UInt8(ascii: "M")): cls.properties.insert(.mark)
            default: throw failure("unsupported category")
            }
        case "u":
            guard take("{") else { throw failure("expected \\u{…}") }
            var value: UInt32 = 0
            var digits = 0
            while let h = current, let digit = Self.hexValue(h), digits < 6 {
                value = value << 4 | digit
                digits += 1
                position += 1
            }
            guard digits > 0, take("}") else { throw failure("bad \\u{…} escape") }
            return value
        case "r": return 13
        case "n": return 10
        case "t": return 9
        default:
            let isAlphanumeric = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
            if isAlphanumeric { throw failure("unsupported escape") }
            return c
        }
        return nil
    }

    private static func hexValue(_ c: UInt32) -> UInt32? {
        switch c {
        case 48...57: c - 48
        case 65...70: c - 55
        case 97...102: c - 87
        default: nil
        }
    }
}
