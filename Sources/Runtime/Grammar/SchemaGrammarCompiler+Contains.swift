/// `contains` in the form an array grammar expresses exactly.
extension SchemaGrammarCompiler {
    /// At least one item (and at most any number) must match `contains`, with no length bound
    /// above, no per-position items, and `minContains` 0 or 1: then an array is valid exactly
    /// when it is items, one of which also matches `contains`. Other forms (`maxContains`,
    /// `minContains` above 1, `maxItems`, `prefixItems`) would need "items that do not match",
    /// which has no exact grammar here, so they stay unsupported.
    static func containsIsExpressible(_ schema: JSONObject) -> Bool {
        guard schema["contains"] != nil, schema["maxContains"] == nil, schema["maxItems"] == nil,
            schema["prefixItems"] == nil, schema["items"]?.arrayValue == nil
        else { return false }
        if let minContains = schema["minContains"] {
            guard let n = minContains.intValue, n == 0 || n == 1 else { return false }
        }
        return true
    }

    /// The array grammar for an expressible `contains` (nil when the schema has none):
    /// `[ (item ,)* item-and-contains (, item)* ]`.
    mutating func containingArray(_ schema: JSONObject, pointer: String) throws(JSONSchemaError) -> GrammarExpr? {
        guard let contains = schema["contains"], SchemaGrammarCompiler.containsIsExpressible(schema),
            schema["minContains"]?.intValue != 0
        else { return nil }
        let items = schema["items"] ?? .bool(true)
        let itemsPointer = schema["items"] == nil ? pointer : pointer + "/items"
        let containsPointer = pointer + "/contains"
        let matching: GrammarExpr
        switch try inlineRefs(items, pointer: itemsPointer) {
        case .bool(true): matching = try compile(contains, pointer: containsPointer)
        case .bool(false): return .choice([])
        case .object(let o): matching = try compileObject(try merge(o, contains, pointer: containsPointer), pointer: containsPointer)
        default: throw fail("a schema must be an object or a boolean", itemsPointer)
        }
        // No item can match both: no array is valid, and none may start (it could not finish).
        if matching == .choice([]) { return .choice([]) }
        let item = try compile(items, pointer: itemsPointer)
        let w = ws
        let comma = GrammarExpr.sequence([w, .literal(","), w])
        return .sequence([
            .literal("["), w,
            .repeated(.sequence([item, comma]), min: 0, max: nil),
            matching,
            .repeated(.sequence([comma, item]), min: 0, max: nil),
            w, .literal("]"),
        ])
    }
}
