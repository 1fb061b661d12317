/// A compiled pre-tokenizer pattern: the small regular-expression subset that tokenizer
/// configurations use, matched over Unicode code points with Perl semantics (alternatives in
/// order, greedy quantifiers with backtracking).
///
/// Supported: top-level alternation `a|b` (a group `(?:…)` may stand as a whole alternative),
/// bracket classes with ranges and negation, `\p{L}` `\p{N}` `\p{P}` `\p{M}` `\s` `\S` `\r` `\n` `\t` and
/// escaped punctuation, literal characters, quantifiers `? * + {m} {m,n}`, the negative lookahead
/// `(?!…)` of one class, the end anchor `$`, `\u{HEX}` code points, and class subtraction
/// `[\p{L}&&[^a-z]]`. Anything else is rejected when compiling.
struct SplitPattern: Sendable {
    /// One item of an alternative.
    enum Item: Sendable {
        /// A class repeated greedily between `min` and `max` times.
        case repeated(CharacterClass, min: Int, max: Int)
        /// Succeeds when the next code point does not match the class (or the input ends).
        case notFollowedBy(CharacterClass)
        /// Succeeds at the end of the input.
        case end
    }

    let source: String
    let alternatives: [[Item]]

    init(_ source: String) throws(TokenizerError) {
        self.source = source
        var parser = SplitPatternParser(source: source)
        alternatives = try parser.parse()
    }

    /// The end (exclusive) of the match starting exactly at `start`, or nil. `input` holds code
    /// points and `classes` their flags; the input ends at `limit`.
    func match(_ input: UnsafeBufferPointer<UInt32>, _ classes: UnsafeBufferPointer<UnicodeClass>,
               at start: Int, limit: Int) -> Int? {
        for alternative in alternatives {
            if let end = matchItems(alternative, 0, input, classes, start, limit) { return end }
        }
        return nil
    }

    private func matchItems(_ items: [Item], _ index: Int, _ input: UnsafeBufferPointer<UInt32>,
                            _ classes: UnsafeBufferPointer<UnicodeClass>, _ position: Int, _ limit: Int) -> Int? {
        if index == items.count { return position }
        switch items[index] {
        case .end:
            return position == limit ? matchItems(items, index + 1, input, classes, position, limit) : nil
        case .notFollowedBy(let cls):
            if position < limit && cls.matches(input[position], classes[position]) { return nil }
            return matchItems(items, index + 1, input, classes, position, limit)
        case .repeated(let cls, let min, let max):
            var count = 0
            while count < max && position + count < limit
                && cls.matches(input[position + count], classes[position + count]) {
                count += 1
            }
            if count < min { return nil }
            if index + 1 == items.count { return position + count }
            while count >= min {
                if let end = matchItems(items, index + 1, input, classes, position + count, limit) { return end }
                count -= 1
            }
            return nil
        }
    }
}

/// A set of code points: explicit ranges plus Unicode property flags, possibly negated.
struct CharacterClass: Sendable {
    var negated = false
    var properties: UnicodeClass = []
    var ranges: [ClosedRange<UInt32>] = []
    /// Code points taken out of the class before `negated` applies (`[\p{L}&&[^a-z]]`).
    var excluded: [ClosedRange<UInt32>] = []
    /// Membership of the 128 ASCII code points, filled by `finish()` (already includes `negated`).
    private var asciiLow: UInt64 = 0
    private var asciiHigh: UInt64 = 0

    mutating func finish() {
        asciiLow = 0
        asciiHigh = 0
        for codePoint in UInt32(0)..<128 where slowMatches(codePoint, UnicodeClass.of(codePoint)) {
            if codePoint < 64 { asciiLow |= 1 << UInt64(codePoint) } else { asciiHigh |= 1 << UInt64(codePoint - 64) }
        }
    }

    @inline(__always)
    func matches(_ codePoint: UInt32, _ flags: UnicodeClass) -> Bool {
        if codePoint < 64 { return asciiLow & (1 << UInt64(codePoint)) != 0 }
        if codePoint < 128 { return asciiHigh & (1 << UInt64(codePoint - 64)) != 0 }
        return slowMatches(codePoint, flags)
    }

    private func slowMatches(_ codePoint: UInt32, _ flags: UnicodeClass) -> Bool {
        var member = !properties.intersection(flags).isEmpty
        if !member {
            for range in ranges where range.contains(codePoint) {
                member = true
                break
            }
        }
        if member, excluded.contains(where: { $0.contains(codePoint) }) { member = false }
        return member != negated
    }
}
