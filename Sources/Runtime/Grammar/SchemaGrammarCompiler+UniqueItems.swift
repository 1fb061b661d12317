/// `uniqueItems` over a few enumerated scalars, written out as every order of distinct values.
extension SchemaGrammarCompiler {
    /// Enumerations longer than this make too many orders (5 values: 326 prefixes).
    static let maxUniqueEnumValues = 5

    /// The values when `uniqueItems: true` applies to items that are one of at most
    /// `maxUniqueEnumValues` pairwise distinct scalars (`enum`/`const`, optionally with `type`),
    /// with no per-position items or `contains`: then the valid arrays are exactly the sequences
    /// of distinct values, which a finite grammar lists. Nil otherwise (unsupported).
    static func uniqueEnumItems(_ schema: JSONObject) -> [JSONValue]? {
        guard schema["uniqueItems"] == .bool(true), schema["prefixItems"] == nil, schema["contains"] == nil,
            case .object(let items)? = schema["items"],
            items.keys.allSatisfy({ ["enum", "const", "type"].contains($0) || SchemaKeywords.annotations.contains($0) }),
            let values = items["enum"]?.arrayValue ?? items["const"].map({ [$0] }),
            values.count <= maxUniqueEnumValues
        else { return nil }
        for (i, v) in values.enumerated() {
            if v.arrayValue != nil || v.objectValue != nil { return nil }
            for w in values[..<i] where JSONSchemaValidator.equal(v, w) { return nil }
        }
        return values
    }

    /// The array grammar for `uniqueEnumItems` (nil when it does not apply): from each prefix of
    /// distinct values, end (when `minItems` is met) or go on with a value not used yet.
    mutating func uniqueEnumArray(_ schema: JSONObject, pointer: String) throws(JSONSchemaError) -> GrammarExpr? {
        guard let values = SchemaGrammarCompiler.uniqueEnumItems(schema), case .object(let items)? = schema["items"] else { return nil }
        // Only values of the items' type: a value that can never be written must not count
        // towards minItems (that would leave arrays that start but cannot finish).
        let types = SchemaGrammarCompiler.types(of: items)
        var literals: [GrammarExpr] = []
        for v in values where types.map({ SchemaGrammarCompiler.value(v, hasOneOf: $0) }) ?? true {
            var one = items
            one["enum"] = nil
            one["const"] = v
            literals.append(try compileObject(one, pointer: pointer + "/items"))
        }
        let minItems = schema["minItems"]?.intValue ?? 0
        let maxItems = min(schema["maxItems"]?.intValue ?? literals.count, literals.count)
        if maxItems < minItems { return .choice([]) }
        let w = ws
        let comma = GrammarExpr.sequence([w, .literal(","), w])
        func rest(_ used: [Int]) -> GrammarExpr {
            var options: [GrammarExpr] = []
            if used.count >= minItems { options.append(.empty) }
            if used.count < maxItems {
                for i in literals.indices where !used.contains(i) {
                    options.append(.sequence([used.isEmpty ? .empty : comma, literals[i], rest(used + [i])]))
                }
            }
            return options.count == 1 ? options[0] : .choice(options)
        }
        return .sequence([.literal("["), w, rest([]), w, .literal("]")])
    }
}
