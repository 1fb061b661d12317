/// Generic JSON values, strings and numbers.
extension SchemaGrammarCompiler {
    /// Any JSON value (the `true` schema), with the configured whitespace.
    mutating func anyValue() throws(JSONSchemaError) -> GrammarExpr {
        if let id = sharedRules["any"] { return .rule(id) }
        let value = builder.freshRule("any")
        sharedRules["any"] = value
        let string = try genericString()
        let number = try plainNumber()
        let w = ws
        let member = GrammarExpr.sequence([string, w, .literal(":"), w, .rule(value)])
        let object = GrammarExpr.sequence([
            .literal("{"), w,
            .optional(.sequence([member, .repeated(.sequence([w, .literal(","), w, member]), min: 0, max: nil), w])),
            .literal("}"),
        ])
        let array = GrammarExpr.sequence([
            .literal("["), w,
            .optional(.sequence([.rule(value), .repeated(.sequence([w, .literal(","), w, .rule(value)]), min: 0, max: nil), w])),
            .literal("]"),
        ])
        builder.define(value, .choice([
            .literal(nullLiteral), .literal(trueLiteral), .literal(falseLiteral), number, string, array, object,
        ]))
        return .rule(value)
    }

    /// One character inside a JSON string, any spelling JSON allows (for unconstrained strings).
    static let stringChar: GrammarExpr = .choice([
        CodePointSet([0x20...0x21, 0x23...0x5B, 0x5D...CodePointSet.maxScalar]).utf8Expr,
        .sequence([.literal("\\"), .choice([
            .bytes(ByteSet(bytes: Array("\"\\/bfnrt".utf8))),
            .sequence([.literal("u"), .repeated(.bytes(hexDigit), min: 4, max: 4)]),
        ])]),
    ])

    static let hexDigit: ByteSet = {
        var s = ByteSet(UInt8(ascii: "0")...UInt8(ascii: "9"))
        s.insert(UInt8(ascii: "a")...UInt8(ascii: "f"))
        s.insert(UInt8(ascii: "A")...UInt8(ascii: "F"))
        return s
    }()

    mutating func genericString() throws(JSONSchemaError) -> GrammarExpr {
        try shared("string") { c throws(JSONSchemaError) in
            let ch = try c.shared("char") { _ throws(JSONSchemaError) in SchemaGrammarCompiler.stringChar }
            return .sequence([.literal("\""), .repeated(ch, min: 0, max: nil), .literal("\"")])
        }
    }

    static let digit = GrammarExpr.bytes(ByteSet(UInt8(ascii: "0")...UInt8(ascii: "9")))
    static let nonZeroDigit = GrammarExpr.bytes(ByteSet(UInt8(ascii: "1")...UInt8(ascii: "9")))
    static let digits = GrammarExpr.repeated(digit, min: 1, max: nil)
    static let naturalExpr = GrammarExpr.choice([.literal("0"), .sequence([nonZeroDigit, .repeated(digit, min: 0, max: nil)])])
    static let fraction = GrammarExpr.sequence([.literal("."), digits])
    static let exponent = GrammarExpr.sequence([
        .bytes(ByteSet(bytes: Array("eE".utf8))), .optional(.bytes(ByteSet(bytes: Array("+-".utf8)))), digits,
    ])
    static let numberExpr = GrammarExpr.sequence([.optional(.literal("-")), naturalExpr, .optional(fraction), .optional(exponent)])
    /// Numbers a double holds (`Options.finiteNumbers`): at most 200 integer digits and a
    /// two-digit exponent, so no argument reads back as infinity.
    static let finiteNumberExpr = GrammarExpr.sequence([
        .optional(.literal("-")), .choice([.literal("0"), .sequence([nonZeroDigit, .repeated(digit, min: 0, max: 199)])]),
        .optional(fraction),
        .optional(.sequence([.bytes(ByteSet(bytes: Array("eE".utf8))), .optional(.bytes(ByteSet(bytes: Array("+-".utf8)))),
                             .repeated(digit, min: 1, max: 2)])),
    ])

    /// Any number, as the options allow it.
    mutating func plainNumber() throws(JSONSchemaError) -> GrammarExpr {
        if options.finiteNumbers {
            return try shared("finite-number") { _ throws(JSONSchemaError) in SchemaGrammarCompiler.finiteNumberExpr }
        }
        return try shared("number") { _ throws(JSONSchemaError) in SchemaGrammarCompiler.numberExpr }
    }

    mutating func string(_ schema: JSONObject, pointer: String) throws(JSONSchemaError) -> GrammarExpr {
        let minLength = schema["minLength"]?.intValue ?? 0
        let maxLength = schema["maxLength"]?.intValue
        let hasLength = minLength > 0 || maxLength != nil
        if let maxLength, maxLength < minLength { return .choice([]) }
        // Several patterns, patterns it must not match, or a pattern or format with length
        // bounds it does not imply: one automaton for all of them.
        let format = schema["format"]?.stringValue
        if let format, StringFormats.standardButUnsupported.contains(format) {
            try unsupported("format '\(format)' is not supported", pointer + "/format")
        }
        let positives = ([schema["pattern"]?.stringValue] + SchemaGrammarCompiler.strings(schema[SchemaGrammarCompiler.extraPatternsKey])
            + [format.flatMap { StringFormats.patterns[$0] }]).compactMap { $0 }
        let excluded = SchemaGrammarCompiler.strings(schema[SchemaGrammarCompiler.notStringsKey])
        if !excluded.isEmpty, positives.isEmpty, schema[SchemaGrammarCompiler.notPatternsKey] == nil, !hasLength {
            // Any string but these: the key trie's shape, which the mask has a fast path for.
            return try keyExcluding(Set(excluded))
        }
        let negatives = SchemaGrammarCompiler.strings(schema[SchemaGrammarCompiler.notPatternsKey])
            + excluded.map(SchemaGrammarCompiler.literalPattern)
        /// A pattern or format whose own lengths already lie within the bounds makes them redundant.
        func lengthsImplied(by regex: String) -> Bool {
            guard let b = try? RegexCompiler.lengthBounds(regex) else { return false }
            return b.min >= minLength && (maxLength.map { m in b.max.map { $0 <= m } ?? false } ?? true)
        }
        let singleClass = schema["pattern"] != nil && positives.count == 1 && RegexCompiler.isAnchoredSingleClassRepeat(positives[0])
        if !negatives.isEmpty || positives.count > 1 || positives.count == 1 && hasLength && !lengthsImplied(by: positives[0]) && !singleClass {
            return try automatonString(positives, not: negatives, minLength: minLength, maxLength: maxLength, pointer: pointer)
        }
        if let pattern = schema["pattern"]?.stringValue {
            // An unanchored pattern matches anywhere, so the grammar of the regex keeps a parse
            // stack per partial match: the parser gets a new state after every character, with
            // many stacks, and states that accept the same strings stay apart. Its minimized
            // automaton has one rule per state instead (`[a-z0-9_-]{162}` unanchored: 163
            // states, the last a plain loop over any character). Where the automaton is too
            // large, or the regex has an error, the path below as before. Only with a counted
            // repetition (`{`): without one the stacks stay few, and determinizing an
            // alternation of many unanchored literals costs more than it saves.
            if !hasLength, positives.count == 1, negatives.isEmpty, RegexCompiler.mayBeUnanchored(pattern),
               pattern.contains("{"),
               let automaton = try? minimizedPatternString(pattern) {
                return automaton
            }
            var body: GrammarExpr
            do {
                body = try RegexCompiler.compile(pattern, encoding: .jsonString)
            } catch {
                try unsupported("pattern: \(error)", pointer + "/pattern")
                return try genericString()
            }
            // `^c{m,n}$` for one character class c: the counts intersected with the lengths
            // (other bounds the pattern does not imply went to `automatonString`).
            if hasLength, singleClass, case .sequence(let parts) = body,
                parts.count == 1, case .repeated(let c, let m, let n) = parts[0]
            {
                let low = max(m, minLength)
                let high = [n, maxLength].compactMap { $0 }.min()
                if let high, high < low { return .choice([]) }
                body = .repeated(c, min: low, max: high)
            }
            return .sequence([.literal("\""), body, .literal("\"")])
        }
        if let format, let regex = StringFormats.patterns[format] {
            do {
                let body = try RegexCompiler.compile(regex, encoding: .jsonString)
                return try shared("format-\(format)") { _ throws(JSONSchemaError) in
                    .sequence([.literal("\""), body, .literal("\"")])
                }
            } catch {
                throw fail("internal format regex: \(error)", pointer + "/format")
            }
        }
        if let format, !StringFormats.standardButUnsupported.contains(format) {
            // Validators ignore formats they do not know (JSON Schema says so), and so do we.
            warnings.append("\(pointer)/format: unknown format '\(format)' is not enforced")
        }
        if !hasLength {
            guard !options.copySources.isEmpty else { return try genericString() }
            return try shared("copied-string") { c throws(JSONSchemaError) in
                SubstringGrammar.expression(of: c.options.copySources, builder: &c.builder)
            }
        }
        guard minLength <= 100_000, (maxLength ?? 0) <= 100_000 else {
            throw fail("string length bounds above 100000 are not supported", pointer)
        }
        let ch = try shared("char") { _ throws(JSONSchemaError) in SchemaGrammarCompiler.stringChar }
        return .sequence([.literal("\""), .repeated(ch, min: minLength, max: maxLength), .literal("\"")])
    }

    /// Integer bound from `minimum`/`exclusiveMinimum` (draft 4 boolean or 6+ number forms).
    static func integerBounds(_ schema: JSONObject) -> (low: Double?, high: Double?) {
        var low: Double? = nil, high: Double? = nil
        if let m = schema["minimum"]?.doubleValue {
            low = schema["exclusiveMinimum"] == .bool(true) ? (m + 1).rounded(.down) : m.rounded(.up)
        }
        if let e = schema["exclusiveMinimum"]?.doubleValue { low = max(low ?? -.infinity, (e + 1).rounded(.down)) }
        if let m = schema["maximum"]?.doubleValue {
            high = schema["exclusiveMaximum"] == .bool(true) ? (m - 1).rounded(.up) : m.rounded(.down)
        }
        if let e = schema["exclusiveMaximum"]?.doubleValue { high = min(high ?? .infinity, (e - 1).rounded(.up)) }
        return (low, high)
    }

    mutating func integer(_ schema: JSONObject, pointer: String) throws(JSONSchemaError) -> GrammarExpr {
        let digitsOnly = try integerDigits(schema, pointer: pointer)
        guard integralSpellings else { return digitsOnly }
        let zeros = SchemaGrammarCompiler.zeroFraction
        let unbounded = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"].allSatisfy { schema[$0] == nil }
        let exponent = GrammarExpr.sequence([
            .bytes(ByteSet(bytes: Array("eE".utf8))), .optional(.literal("+")), SchemaGrammarCompiler.digits,
        ])
        return .sequence([digitsOnly, .optional(zeros)] + (unbounded ? [.optional(exponent)] : []))
    }

    /// `options.integralSpellings`, unless the schema is draft 3 or 4, which count only numbers
    /// without a fraction as integers.
    var integralSpellings: Bool {
        let draft = root["$schema"]?.stringValue ?? ""
        return options.integralSpellings && !draft.contains("draft-03") && !draft.contains("draft-04")
    }

    static let zeroFraction = GrammarExpr.sequence([.literal("."), .repeated(.literal("0"), min: 1, max: nil)])

    /// An `enum`/`const` value as text: its compact spelling, or with `integralSpellings` any
    /// spelling of its integral numbers (`2`, `2.0`; inside arrays and objects too), as
    /// validators compare numbers by value.
    func valueLiteral(_ value: JSONValue) -> GrammarExpr {
        if options.pythonLiterals { return .literal(value.pythonText) }
        guard integralSpellings else { return .literal(value.compactText) }
        switch value {
        case .int(let i):
            return .sequence([.literal(String(i)), .optional(SchemaGrammarCompiler.zeroFraction)])
        case .double(let d) where d.rounded() == d && abs(d) < 1e18:
            return .sequence([.literal(String(Int(d))), .optional(SchemaGrammarCompiler.zeroFraction)])
        case .array(let elements):
            var parts: [GrammarExpr] = [.literal("[")]
            for (i, e) in elements.enumerated() { parts += (i == 0 ? [] : [.literal(",")]) + [valueLiteral(e)] }
            return .sequence(parts + [.literal("]")])
        case .object(let members):
            var parts: [GrammarExpr] = [.literal("{")]
            for (i, m) in members.members.enumerated() {
                parts += (i == 0 ? [] : [.literal(",")]) + [.literal(JSONValue.string(m.key).compactText + ":"), valueLiteral(m.value)]
            }
            return .sequence(parts + [.literal("}")])
        default:
            return .literal(value.compactText)
        }
    }

    /// Integers written as plain digits, within the schema's bounds and `multipleOf`.
    mutating func integerDigits(_ schema: JSONObject, pointer: String) throws(JSONSchemaError) -> GrammarExpr {
        let (lowD, highD) = SchemaGrammarCompiler.integerBounds(schema)
        let limit = 1e18
        if let l = lowD, abs(l) > limit { throw fail("integer bound \(l) is too large", pointer) }
        if let h = highD, abs(h) > limit { throw fail("integer bound \(h) is too large", pointer) }
        let low = lowD.map { Int($0) }, high = highD.map { Int($0) }
        if let low, let high, low > high { return .choice([]) }
        var step = 1
        if let m = schema["multipleOf"] {
            guard let k = m.intValue, k > 0, k <= 100_000 else {
                try unsupported("multipleOf \(m.compactText) on integers is not supported (positive integers up to 100000 are)", pointer + "/multipleOf")
                return IntegerRanges.range(low, high)
            }
            step = k
        }
        if step == 1 { return IntegerRanges.range(low, high) }
        if let low, let high, high - low <= 1000 {
            let values = (low...high).filter { $0 % step == 0 }
            return .choice(values.map { .literal(String($0)) })
        }
        if low != nil || high != nil {
            try unsupported("multipleOf together with wide bounds is not supported", pointer + "/multipleOf")
        }
        return try multiples(of: step)
    }

    /// Decimal integers divisible by `k`: a DFA on the remainder, one rule per remainder.
    mutating func multiples(of k: Int) throws(JSONSchemaError) -> GrammarExpr {
        try shared("multiple-of-\(k)") { c throws(JSONSchemaError) in
            guard k <= 1000 else { throw c.fail("multipleOf above 1000 with unbounded range is not supported", "#") }
            let ids = (0..<k).map { c.builder.freshRule("mod\(k)-\($0)") }
            for r in 0..<k {
                var options: [GrammarExpr] = []
                if r == 0 { options.append(.empty) }
                for d in 0...9 { options.append(.sequence([.literal(String(d)), .rule(ids[(r * 10 + d) % k])])) }
                c.builder.define(ids[r], .choice(options))
            }
            let positive = GrammarExpr.choice((1...9).map { .sequence([.literal(String($0)), .rule(ids[$0 % k])]) })
            return .choice([.literal("0"), .sequence([.optional(.literal("-")), positive])])
        }
    }

    mutating func number(_ schema: JSONObject, pointer: String) throws(JSONSchemaError) -> GrammarExpr {
        // `multipleOf: 0.01` (a power of ten): at most that many fraction digits before any
        // trailing zeros, decided on the decimal spelling (10.99 is a multiple of 0.01, as the
        // arithmetic has it, though not in binary floating point). Written without an exponent,
        // like the decimal bounds.
        var places: Int? = nil
        if let m = schema["multipleOf"] {
            if let k = m.intValue, k == 1 || schema["type"] == .string("integer") {
                return try integer(schema, pointer: pointer)
            }
            places = m.doubleValue.flatMap(IntegerRanges.decimalPlaces(ofPowerOfTen:))
            if places == nil {
                try unsupported("multipleOf on non-integer numbers is not supported (except powers of ten such as 0.01)",
                                pointer + "/multipleOf")
            }
        }
        var low: (Double, Bool)? = nil, high: (Double, Bool)? = nil
        if let m = schema["minimum"]?.doubleValue { low = (m, schema["exclusiveMinimum"] == .bool(true)) }
        if let e = schema["exclusiveMinimum"]?.doubleValue, e >= (low?.0 ?? -.infinity) { low = (e, true) }
        if let m = schema["maximum"]?.doubleValue { high = (m, schema["exclusiveMaximum"] == .bool(true)) }
        if let e = schema["exclusiveMaximum"]?.doubleValue, e <= (high?.0 ?? .infinity) { high = (e, true) }
        if low == nil, high == nil, places == nil {
            return try plainNumber()
        }
        if let low, let high, low.0 > high.0 { return .choice([]) }
        guard let range = IntegerRanges.decimalRange(low: low, high: high, places: places) else {
            try unsupported("number bounds \([low?.0, high?.0].compactMap { $0 }) need an exponent or exceed 10^15", pointer)
            return try plainNumber()
        }
        return range
    }
}

extension SchemaGrammarCompiler {
    /// A string with `pattern`, `format` or length bounds written raw — no quotes, no escapes —
    /// for call syntaxes that delimit strings by markers (Qwen's parameters, Gemma 4's `<|"|>`).
    /// Characters outside a pattern or format are any code point but `forbidden` (the marker's
    /// first byte), so the value cannot run into its closing marker.
    mutating func rawString(_ schema: JSONObject, pointer: String, forbidden: UInt8) throws(JSONSchemaError) -> GrammarExpr {
        let minLength = schema["minLength"]?.intValue ?? 0
        let maxLength = schema["maxLength"]?.intValue
        let regex = schema["pattern"]?.stringValue ?? schema["format"]?.stringValue.flatMap { StringFormats.patterns[$0] }
        if let regex {
            if minLength > 0 || maxLength != nil {
                try unsupported("a raw string with both a pattern or format and length bounds is not supported", pointer)
            }
            do {
                return try RegexCompiler.compile(regex, encoding: .utf8)
            } catch {
                throw fail("pattern: \(error)", pointer + "/pattern")
            }
        }
        guard minLength <= 100_000, (maxLength ?? 0) <= 100_000 else {
            throw fail("string length bounds above 100000 are not supported", pointer)
        }
        let allowed = CodePointSet([UInt32(forbidden)...UInt32(forbidden)]).inverted()
        return .repeated(allowed.utf8Expr, min: minLength, max: maxLength)
    }
}
