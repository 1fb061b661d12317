/// Strings under several regular constraints at once, and the internal keywords that carry them.
extension SchemaGrammarCompiler {
    /// Internal keywords (never in a user's schema: `$` names are reserved) that `lowerNot` and
    /// `merge` write: patterns a string must also match (a second `pattern` from an `allOf`), and
    /// patterns it must not match (`not: {pattern}`, `not: {enum: [strings]}`). Like `pattern`,
    /// they apply to strings only.
    static let extraPatternsKey = "$swiftllm:patterns"
    static let notPatternsKey = "$swiftllm:notPatterns"
    /// Strings a string must not be (`not: {enum: [strings]}`).
    static let notStringsKey = "$swiftllm:notStrings"
    /// The internal keywords, lists that `merge` concatenates.
    static let internalListKeys: Set<String> = [extraPatternsKey, notPatternsKey, notStringsKey]

    static func strings(_ value: JSONValue?) -> [String] { (value?.arrayValue ?? []).compactMap(\.stringValue) }

    /// `schema` with the internal keywords written as standard ones, for the validator.
    static func standardized(_ schema: JSONObject) -> JSONObject {
        var out = schema
        var all = out["allOf"]?.arrayValue ?? []
        for p in strings(schema[extraPatternsKey]) { all.append(.object(JSONObject([("pattern", .string(p))]))) }
        for p in strings(schema[notPatternsKey]) {
            // Not a string, or not matching.
            all.append(.object(JSONObject([("anyOf", .array([
                .object(JSONObject([("not", .object(JSONObject([("type", .string("string"))])))])),
                .object(JSONObject([("not", .object(JSONObject([("pattern", .string(p))])))])),
            ]))])))
        }
        let excluded = schema[notStringsKey]?.arrayValue ?? []
        if !excluded.isEmpty { all.append(.object(JSONObject([("not", .object(JSONObject([("enum", .array(excluded))])))]))) }
        out[extraPatternsKey] = nil
        out[notPatternsKey] = nil
        out[notStringsKey] = nil
        if !all.isEmpty { out["allOf"] = .array(all) }
        return out
    }

    /// The anchored pattern matching exactly `text`.
    static func literalPattern(_ text: String) -> String {
        var out = "^"
        for scalar in text.unicodeScalars {
            if "\\^$.|?*+()[]{}/-".unicodeScalars.contains(scalar) { out += "\\" }
            out.unicodeScalars.append(scalar)
        }
        return out + "$"
    }

    /// A string matching `pattern`: its automaton over code points, minimized, as one rule per
    /// state. Throws where the pattern has an error or the automaton is too large.
    mutating func minimizedPatternString(_ pattern: String) throws -> GrammarExpr {
        var set = RegexSet()
        let id = try set.add(pattern: pattern)
        let anything = set.addAnything()
        let automata = try set.automata()
        let dfa = try automata[anything].intersection(automata[id]).minimized()
        let anyChar = try shared("char") { _ throws(JSONSchemaError) in SchemaGrammarCompiler.stringChar }
        let body = dfa.grammar(encode: RegexCompiler.jsonEncoded, builder: &builder, name: "str", anyChar: anyChar)
        return .sequence([.literal("\""), body, .literal("\"")])
    }

    /// A string matching every pattern in `positives`, none in `negatives`, with `minLength` to
    /// `maxLength` characters: the product of their automata, minimized, as one rule per state.
    mutating func automatonString(_ positives: [String], not negatives: [String], minLength: Int, maxLength: Int?,
                                  pointer: String) throws(JSONSchemaError) -> GrammarExpr {
        var set = RegexSet()
        var positiveIDs: [Int] = [], negativeIDs: [Int] = []
        do {
            for p in positives { positiveIDs.append(try set.add(pattern: p)) }
            for p in negatives { negativeIDs.append(try set.add(pattern: p)) }
        } catch {
            try unsupported("pattern: \(error)", pointer + "/pattern")
            return try genericString()
        }
        let anything = set.addAnything()
        do {
            let automata = try set.automata()
            var dfa = automata[anything]
            for id in positiveIDs { dfa = try dfa.intersection(automata[id]).minimized() }
            for id in negativeIDs { dfa = try dfa.intersection(automata[id].complemented()).minimized() }
            // Not minimized after the counter: states at different counts rarely merge, and
            // Moore's refinement would take a round per count.
            if minLength > 0 || maxLength != nil { dfa = try dfa.lengthBounded(min: minLength, max: maxLength) }
            let anyChar = try shared("char") { _ throws(JSONSchemaError) in SchemaGrammarCompiler.stringChar }
            let body = dfa.grammar(encode: RegexCompiler.jsonEncoded, builder: &builder, name: "str", anyChar: anyChar)
            return .sequence([.literal("\""), body, .literal("\"")])
        } catch {
            try unsupported("these patterns and length bounds together need more than \(CodePointDFA.maxStates) automaton states", pointer)
            return try genericString()
        }
    }
}
