/// Schemas whose instances are drawn from a list of values.
extension SchemaGrammarCompiler {
    /// A schema that lists its values — `enum` or `const` on itself, behind its `$ref` or in an
    /// `allOf` branch — allows at most those. Each is kept when the validator accepts it against
    /// the whole schema, so every other keyword beside the list (`not`, `if`/`then`, `oneOf`,
    /// `patternProperties`, …) is decided exactly, value by value, whatever the grammar compiler
    /// could express of it. Nil when nothing lists the values, or when the validator cannot
    /// decide a keyword for some value (the keyword-by-keyword compilation then reports it).
    func finiteValues(_ schema: JSONObject) -> GrammarExpr? {
        guard let candidates = SchemaGrammarCompiler.listedValues(.object(schema), root: root, depth: 0) else { return nil }
        let validator = JSONSchemaValidator(root: root)
        let standard = JSONValue.object(SchemaGrammarCompiler.standardized(schema))
        var kept: [JSONValue] = []
        for value in candidates {
            switch validator.validate(value, against: standard) {
            case .valid where !kept.contains(value): kept.append(value)
            case .valid, .invalid: continue
            case .unsupported: return nil
            }
        }
        return .choice(kept.map(valueLiteral))
    }

    /// The values `schema` lists for itself (its `const` or `enum`, else its `$ref` target's,
    /// else the first `allOf` branch's that lists some, else those of all its `anyOf` or `oneOf`
    /// branches when each lists some), or nil.
    static func listedValues(_ schema: JSONValue, root: JSONValue, depth: Int) -> [JSONValue]? {
        guard depth < 16, case .object(let s) = schema else { return nil }
        if let c = s["const"] { return [c] }
        if let e = s["enum"]?.arrayValue { return e }
        if let ref = s["$ref"]?.stringValue, ref.hasPrefix("#"), let target = JSONPointer.resolve(ref, in: root),
           let values = listedValues(target, root: root, depth: depth + 1) {
            return values
        }
        for branch in s["allOf"]?.arrayValue ?? [] {
            if let values = listedValues(branch, root: root, depth: depth + 1) { return values }
        }
        // Every branch of an `anyOf`/`oneOf` listing its values: the instance is one of them.
        for key in ["anyOf", "oneOf"] {
            guard let branches = s[key]?.arrayValue, !branches.isEmpty else { continue }
            var union: [JSONValue] = []
            for branch in branches {
                guard let values = listedValues(branch, root: root, depth: depth + 1) else { return nil }
                union += values
            }
            return union
        }
        return nil
    }
}
