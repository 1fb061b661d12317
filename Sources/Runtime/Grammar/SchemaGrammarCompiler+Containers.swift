/// Arrays and objects.
extension SchemaGrammarCompiler {
    mutating func array(_ schema: JSONObject, pointer: String) throws(JSONSchemaError) -> GrammarExpr {
        if let unique = try uniqueEnumArray(schema, pointer: pointer) { return unique }
        if schema["uniqueItems"] == .bool(true) {
            try unsupported("keyword 'uniqueItems' is not supported", pointer + "/uniqueItems")
        }
        if let containing = try containingArray(schema, pointer: pointer) { return containing }
        var prefix: [(JSONValue, String)] = []
        var rest: JSONValue = .bool(true)
        var restPointer = pointer
        if let p = schema["prefixItems"]?.arrayValue {
            prefix = p.enumerated().map { ($1, "\(pointer)/prefixItems/\($0)") }
            if let items = schema["items"] { rest = items; restPointer = pointer + "/items" }
        } else if let p = schema["items"]?.arrayValue {
            prefix = p.enumerated().map { ($1, "\(pointer)/items/\($0)") }
            if let extra = schema["additionalItems"] { rest = extra; restPointer = pointer + "/additionalItems" }
        } else if let items = schema["items"] {
            rest = items
            restPointer = pointer + "/items"
        }
        let minItems = schema["minItems"]?.intValue ?? 0
        var maxItems = schema["maxItems"]?.intValue
        if rest == .bool(false) { maxItems = min(maxItems ?? prefix.count, prefix.count) }
        if let maxItems, maxItems < minItems { return .choice([]) }
        guard minItems <= 1000, (maxItems ?? 0) <= 1000 || maxItems == nil else {
            throw fail("array length bounds above 1000 are not supported", pointer)
        }
        var elements: [GrammarExpr] = []
        for (schema, p) in prefix.prefix(maxItems ?? prefix.count) { elements.append(try compile(schema, pointer: p)) }
        let restExpr = try compile(rest, pointer: restPointer)
        let w = ws
        let comma = GrammarExpr.sequence([w, .literal(","), w])
        // tail(i): the elements from index i on, given i elements written (a comma precedes each).
        func tail(_ i: Int) -> GrammarExpr {
            let sep = i == 0 ? GrammarExpr.empty : comma
            var options: [GrammarExpr] = []
            if i >= minItems { options.append(.empty) }
            if let maxItems, i >= maxItems { return .empty }
            if i < elements.count {
                options.append(.sequence([sep, elements[i], tail(i + 1)]))
            } else if maxItems != nil || i < minItems {
                options.append(.sequence([sep, restExpr, tail(i + 1)]))
            } else {
                // Unbounded: the first remaining element, then any number more.
                let more = GrammarExpr.repeated(.sequence([comma, restExpr]), min: 0, max: nil)
                options.append(.sequence([sep, restExpr, more]))
            }
            return options.count == 1 ? options[0] : .choice(options)
        }
        return .sequence([.literal("["), w, tail(0), w, .literal("]")])
    }

    /// Patterns that match every key, so their schema applies to every member.
    static let universalPatterns: Set<String> = ["", ".*", "^.*$", "^.*", ".*$", "(.*)", "^(.*)$", "[\\s\\S]*"]

    mutating func object(_ schemaIn: JSONObject, pointer: String) throws(JSONSchemaError) -> GrammarExpr {
        var schema = schemaIn
        if let patterns = schema["patternProperties"]?.objectValue, !patterns.isEmpty,
            patterns.keys.allSatisfy({ SchemaGrammarCompiler.universalPatterns.contains($0) }),
            let all = patterns.members.first?.value, patterns.members.allSatisfy({ $0.value == all })
        {
            // Every member must satisfy the pattern schema as well as its own.
            let p = "\(pointer)/patternProperties/\(JSONPointer.escape(patterns.keys[0]))"
            var props = JSONObject()
            for (k, v) in schema["properties"]?.objectValue ?? JSONObject() { props[k] = try mergeValues(v, all, pointer: p) }
            schema["properties"] = .object(props)
            // Every key matches, so `additionalProperties` (which applies only to keys no pattern
            // matches) never applies: other members follow the pattern's schema alone.
            schema["additionalProperties"] = all
            schema["patternProperties"] = nil
        }
        let required = Set((schema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        let patterns = schema["patternProperties"]?.objectValue ?? JSONObject()
        var props: [(key: String, schema: JSONValue, pointer: String)] = []
        for (key, value) in schema["properties"]?.objectValue ?? JSONObject() {
            let p = "\(pointer)/properties/\(JSONPointer.escape(key))"
            // A declared member must also satisfy every pattern it matches.
            var merged = value
            if let matched = try patternSchemas(for: key, patterns, pointer: pointer + "/patternProperties") {
                merged = try mergeValues(value, matched, pointer: p)
            }
            props.append((key, merged, p))
        }
        let additional = schema["additionalProperties"] ?? .bool(true)
        for key in (schema["required"]?.arrayValue ?? []).compactMap(\.stringValue) where !props.contains(where: { $0.key == key }) {
            // `additionalProperties` applies to a name no pattern matches.
            let matched = try patternSchemas(for: key, patterns, pointer: pointer + "/patternProperties")
            props.append((key, matched ?? additional, matched == nil ? pointer + "/additionalProperties" : pointer + "/patternProperties"))
        }
        let declared = Set(props.map(\.key))
        let allowsExtra = additional != .bool(false)
        let optionalCount = props.filter { !required.contains($0.key) }.count
        let minProperties = schema["minProperties"]?.intValue ?? 0
        let nonEmpty = minProperties == 1 && required.isEmpty
        if minProperties > required.count, !nonEmpty {
            try unsupported("minProperties above the number of required properties is not supported (except 1)", pointer + "/minProperties")
        }
        // `maxProperties` equal to the number of required members: those members and no others.
        var onlyRequired = false
        if let maxP = schema["maxProperties"]?.intValue, allowsExtra || maxP < required.count + optionalCount {
            if maxP < required.count { return .choice([]) }
            if maxP == required.count {
                onlyRequired = true
            } else {
                try unsupported("maxProperties below the number of possible properties is not supported (except the number required)",
                                pointer + "/maxProperties")
            }
        }
        let w = ws
        var extraMember: GrammarExpr? = nil
        if onlyRequired {
            // No member beyond the required ones.
        } else if let patterns = schema["patternProperties"]?.objectValue, !patterns.isEmpty {
            extraMember = try patternMembers(patterns, additional: additional, declared: declared, pointer: pointer)
        } else if allowsExtra {
            let value = try compile(additional, pointer: pointer + "/additionalProperties")
            extraMember = .sequence([try keyExcluding(declared), w, .literal(":"), w, value])
        }
        var members: [(GrammarExpr, Bool)] = []
        for prop in props {
            let isRequired = required.contains(prop.key)
            if onlyRequired, !isRequired { continue }
            if prop.schema == .bool(false) {
                if isRequired { return .choice([]) }
                continue
            }
            let value = try compile(prop.schema, pointer: prop.pointer)
            let key = GrammarExpr.literal(JSONValue.string(prop.key).compactText)
            members.append((.sequence([key, w, .literal(":"), w, value]), isRequired))
        }
        let comma = GrammarExpr.sequence([w, .literal(","), w])
        // Built back to front: afterFirst(i) follows a written member, first(i) has none before it.
        var first: GrammarExpr, afterFirst: GrammarExpr
        if let extraMember {
            let more = GrammarExpr.repeated(.sequence([comma, extraMember]), min: 0, max: nil)
            first = nonEmpty ? .sequence([extraMember, more]) : .optional(.sequence([extraMember, more]))
            afterFirst = more
        } else {
            first = nonEmpty ? .choice([]) : .empty
            afterFirst = .empty
        }
        for (member, isRequired) in members.reversed() {
            let firstRule = builder.freshRule("obj"), restRule = builder.freshRule("obj")
            let withFirst = GrammarExpr.sequence([member, afterFirst])
            let withRest = GrammarExpr.sequence([comma, member, afterFirst])
            builder.define(firstRule, isRequired ? withFirst : .choice([withFirst, first]))
            builder.define(restRule, isRequired ? withRest : .choice([withRest, afterFirst]))
            first = .rule(firstRule)
            afterFirst = .rule(restRule)
        }
        return .sequence([.literal("{"), w, first, w, .literal("}")])
    }

    /// Extra members under `patternProperties`: a key that is not declared goes with the
    /// schemas of every pattern it matches (all of them merged), or with `additionalProperties`
    /// when it matches none. When every pattern has the same schema and `additionalProperties`
    /// is false, keys are the patterns' union (one regex); otherwise the keys are split by which
    /// patterns they match, each part an automaton (`CodePointDFA`) less the declared names.
    /// Declared names that match a pattern get its schema in `object` (`patternSchemas`).
    mutating func patternMembers(_ patterns: JSONObject, additional: JSONValue, declared: Set<String>, pointer: String) throws(JSONSchemaError) -> GrammarExpr? {
        let p = pointer + "/patternProperties"
        let schemas = patterns.members.map(\.value)
        let trivial = schemas.allSatisfy(Self.allowsAnything)
        if additional != .bool(false), trivial {
            let value = try compile(additional, pointer: pointer + "/additionalProperties")
            return .sequence([try keyExcluding(declared), ws, .literal(":"), ws, value])
        }
        if additional == .bool(false), schemas.allSatisfy({ $0 == schemas[0] }),
            !declared.contains(where: { name in patterns.keys.contains { JSONSchemaValidator.search($0, in: name) != false } })
        {
            var keys: [GrammarExpr] = []
            for pattern in patterns.keys {
                do {
                    keys.append(try RegexCompiler.compile(pattern, encoding: .jsonString))
                } catch {
                    try unsupported("patternProperties: \(error)", "\(p)/\(JSONPointer.escape(pattern))")
                    return nil
                }
            }
            let value = try compile(schemas[0], pointer: "\(p)/\(JSONPointer.escape(patterns.keys[0]))")
            return .sequence([.literal("\""), .choice(keys), .literal("\""), ws, .literal(":"), ws, value])
        }
        guard patterns.count <= 4 else {
            try unsupported("more than 4 patternProperties with different schemas (or beside additionalProperties) are not supported", p)
            return nil
        }
        var set = RegexSet()
        var ids: [Int] = []
        for pattern in patterns.keys {
            do {
                ids.append(try set.add(pattern: pattern))
            } catch {
                try unsupported("patternProperties: \(error)", "\(p)/\(JSONPointer.escape(pattern))")
                return nil
            }
        }
        let names = set.add(strings: declared.sorted())
        // Only the automata can be too large; errors from the members' schemas are their own.
        func tooLarge() throws(JSONSchemaError) {
            try unsupported("patternProperties keys need more than \(CodePointDFA.maxStates) automaton states", p)
        }
        let automata: [CodePointDFA]
        do {
            automata = try set.automata()
        } catch {
            try tooLarge()
            return nil
        }
        let undeclared = automata[names].complemented()
        var options: [GrammarExpr] = []
        for mask in 0..<(1 << ids.count) {
            var keys = undeclared
            do {
                for (i, id) in ids.enumerated() {
                    keys = try keys.intersection(mask & (1 << i) != 0 ? automata[id] : automata[id].complemented()).minimized()
                }
            } catch {
                try tooLarge()
                return nil
            }
            if keys.isEmpty { continue }
            var value = mask == 0 ? additional : JSONValue.bool(true)
            for (i, schema) in schemas.enumerated() where mask & (1 << i) != 0 {
                value = try mergeValues(value, schema, pointer: "\(p)/\(JSONPointer.escape(patterns.keys[i]))")
            }
            if value == .bool(false) { continue }
            let key = keys.grammar(encode: RegexCompiler.jsonEncoded, builder: &builder, name: "key",
                                   anyChar: try keyChar(except: []))
            let compiled = try compile(value, pointer: mask == 0 ? pointer + "/additionalProperties" : p)
            options.append(.sequence([.literal("\""), key, .literal("\""), ws, .literal(":"), ws, compiled]))
        }
        return .choice(options)
    }

    /// The schema a declared member `name` must also satisfy: every pattern of
    /// `patternProperties` it matches (nil when it matches none). A pattern that cannot be
    /// decided is refused.
    mutating func patternSchemas(for name: String, _ patterns: JSONObject, pointer: String) throws(JSONSchemaError) -> JSONValue? {
        var out: JSONValue? = nil
        for (pattern, schema) in patterns {
            switch JSONSchemaValidator.search(pattern, in: name) {
            case true?:
                if let previous = out { out = try mergeValues(previous, schema, pointer: pointer) } else { out = schema }
            case false?: continue
            case nil: try unsupported("patternProperties: cannot read the pattern '\(pattern)'", pointer)
            }
        }
        return out
    }

    /// A JSON string key that is none of `excluded`: a trie over the excluded keys' characters,
    /// leaving it at any character that leads away from every excluded key. Characters use their
    /// canonical spelling (as `compactText` writes them), so each key has one spelling.
    mutating func keyExcluding(_ excluded: Set<String>) throws(JSONSchemaError) -> GrammarExpr {
        let tail = try shared("key-tail") { c throws(JSONSchemaError) in
            .sequence([.repeated(try c.keyChar(except: []), min: 0, max: nil), .literal("\"")])
        }
        if excluded.isEmpty { return .sequence([.literal("\""), tail]) }
        let keys = excluded.map { Array($0.unicodeScalars.map(\.value)) }
        func node(_ prefix: [UInt32], _ c: inout SchemaGrammarCompiler) throws(JSONSchemaError) -> GrammarExpr {
            let matching = keys.filter { $0.count >= prefix.count && Array($0.prefix(prefix.count)) == prefix }
            var options: [GrammarExpr] = []
            if !matching.contains(where: { $0.count == prefix.count }) { options.append(.literal("\"")) }
            var next = Set<UInt32>()
            for k in matching where k.count > prefix.count { next.insert(k[prefix.count]) }
            for ch in next.sorted() {
                options.append(.sequence([RegexCompiler.jsonEncoded(CodePointSet([ch...ch])), try node(prefix + [ch], &c)]))
            }
            options.append(.sequence([try c.keyChar(except: next), tail]))
            return .choice(options)
        }
        return .sequence([.literal("\""), try node([], &self)])
    }

    /// One canonically spelled string character other than `except`. When `except` holds only
    /// plain printable ASCII, the escapes and non-ASCII characters come from shared rules, so a
    /// key trie costs a byte set per node rather than a full character class.
    mutating func keyChar(except: Set<UInt32>) throws(JSONSchemaError) -> GrammarExpr {
        let plainASCII: ClosedRange<UInt32> = 0x20...0x7E
        guard except.allSatisfy({ plainASCII.contains($0) && $0 != 0x22 && $0 != 0x5C }) else {
            return RegexCompiler.jsonEncoded(CodePointSet(except.map { $0...$0 }).inverted())
        }
        let escapes = try shared("key-escape") { _ throws(JSONSchemaError) in
            RegexCompiler.jsonEncoded(CodePointSet([0...0x1F, 0x22...0x22, 0x5C...0x5C]))
        }
        let nonASCII = try shared("key-non-ascii") { _ throws(JSONSchemaError) in
            CodePointSet([0x7F...CodePointSet.maxScalar]).utf8Expr
        }
        var ascii = ByteSet()
        for b in UInt8(0x20)...0x7E where b != 0x22 && b != 0x5C && !except.contains(UInt32(b)) { ascii.insert(b) }
        return .choice([.bytes(ascii), escapes, nonASCII])
    }
}
