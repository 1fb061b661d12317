/// `allOf` by merging: two schemas into one that allows exactly the instances both allow, for the
/// keyword combinations where that is simple; anything else is reported as unsupported.
extension SchemaGrammarCompiler {
    mutating func merge(_ aIn: JSONObject, _ bIn: JSONValue, pointer: String) throws(JSONSchemaError) -> JSONObject {
        var a = aIn, b: JSONObject
        switch try inlineRefs(bIn, pointer: pointer) {
        case .bool(true): return a
        case .bool(false):
            var never = a
            never["not"] = nil
            never["enum"] = .array([])
            return never
        case .object(let o): b = o
        default: throw fail("a schema must be an object or a boolean", pointer)
        }
        SchemaGrammarCompiler.prune(&b, closedBy: a)
        SchemaGrammarCompiler.prune(&a, closedBy: b)
        var out = a
        for (key, bv) in b {
            guard let av = out[key] else {
                out[key] = bv
                continue
            }
            if av == bv { continue }
            if SchemaGrammarCompiler.internalListKeys.contains(key) {
                out[key] = .array((av.arrayValue ?? []) + (bv.arrayValue ?? []))
                continue
            }
            if SchemaKeywords.annotations.contains(key) || !SchemaKeywords.assertions.contains(key) { continue }
            switch key {
            case "type":
                let ta = SchemaGrammarCompiler.types(of: a) ?? SchemaKeywords.allTypes
                let tb = SchemaGrammarCompiler.types(of: b) ?? SchemaKeywords.allTypes
                var both = ta.intersection(tb)
                if ta.contains("number") && tb.contains("integer") || tb.contains("number") && ta.contains("integer") {
                    both.insert("integer")
                }
                if both.contains("integer"), both.contains("number"), !(ta.contains("number") && tb.contains("number")) {
                    both.remove("number")
                }
                out[key] = .array(both.sorted().map { .string($0) })
            case "required":
                var names = (av.arrayValue ?? []).compactMap(\.stringValue)
                for n in (bv.arrayValue ?? []).compactMap(\.stringValue) where !names.contains(n) { names.append(n) }
                out[key] = .array(names.map { .string($0) })
            case "properties":
                var merged = av.objectValue ?? JSONObject()
                for (name, schema) in bv.objectValue ?? JSONObject() {
                    if let existing = merged[name] {
                        merged[name] = try mergeValues(existing, schema, pointer: "\(pointer)/properties/\(JSONPointer.escape(name))")
                    } else {
                        merged[name] = schema
                    }
                }
                out[key] = .object(merged)
            case "not":
                out[key] = .object(JSONObject([("anyOf", .array([av, bv]))]))   // ¬a ∧ ¬b = ¬(a ∨ b)
            case "pattern":
                // Both apply: the second joins the patterns a string must also match.
                out[SchemaGrammarCompiler.extraPatternsKey] = .array((out[SchemaGrammarCompiler.extraPatternsKey]?.arrayValue ?? []) + [bv])
            case "items", "additionalProperties", "additionalItems":
                out[key] = try mergeValues(av, bv, pointer: "\(pointer)/\(key)")
            case "enum":
                let other = bv.arrayValue ?? []
                out[key] = .array((av.arrayValue ?? []).filter { other.contains($0) })
            case "minimum", "minLength", "minItems", "minProperties":
                if let x = av.doubleValue, let y = bv.doubleValue { out[key] = x >= y ? av : bv }
            case "maximum", "maxLength", "maxItems", "maxProperties":
                if let x = av.doubleValue, let y = bv.doubleValue { out[key] = x <= y ? av : bv }
            case "exclusiveMinimum" where av.doubleValue != nil && bv.doubleValue != nil:
                out[key] = (av.doubleValue ?? 0) >= (bv.doubleValue ?? 0) ? av : bv
            case "exclusiveMaximum" where av.doubleValue != nil && bv.doubleValue != nil:
                out[key] = (av.doubleValue ?? 0) <= (bv.doubleValue ?? 0) ? av : bv
            default:
                try unsupported("cannot combine two different '\(key)' in allOf", "\(pointer)/\(JSONPointer.escape(key))")
            }
        }
        // `items` next to no `prefixItems` applies to every element, so the other side's prefix
        // schemas must satisfy it too (merged as they are, it would only apply after the prefix).
        if (a["prefixItems"] == nil) != (b["prefixItems"] == nil) {
            let (withPrefix, other) = a["prefixItems"] != nil ? (a, b) : (b, a)
            if let items = other["items"], items.arrayValue == nil, let prefix = withPrefix["prefixItems"]?.arrayValue {
                var merged: [JSONValue] = []
                for (i, schema) in prefix.enumerated() {
                    merged.append(try mergeValues(schema, items, pointer: "\(pointer)/prefixItems/\(i)"))
                }
                out["prefixItems"] = .array(merged)
            }
        }
        try checkClosedObjects(a, b, pointer: pointer)
        return out
    }

    /// When `closed` allows no members but its `properties` (`additionalProperties: false`, no
    /// `patternProperties`), `other`'s schemas for any other name never apply and are dropped, and
    /// if `other` requires such a name no object satisfies both: objects leave `other`'s types.
    static func prune(_ other: inout JSONObject, closedBy closed: JSONObject) {
        guard closed["additionalProperties"] == .bool(false), closed["patternProperties"] == nil else { return }
        let known = Set(closed["properties"]?.objectValue?.keys ?? [])
        if let properties = other["properties"]?.objectValue, properties.keys.contains(where: { !known.contains($0) }) {
            other["properties"] = .object(JSONObject(properties.members.filter { known.contains($0.key) }.map { ($0.key, $0.value) }))
        }
        let required = (other["required"]?.arrayValue ?? []).compactMap(\.stringValue)
        if required.contains(where: { !known.contains($0) }) {
            let types = (types(of: other) ?? SchemaKeywords.allTypes).subtracting(["object"])
            other["type"] = .array(types.sorted().map { .string($0) })
            other["required"] = .array(required.filter { known.contains($0) }.map { .string($0) })
        }
    }

    /// Whether `schema` constrains nothing (`true` or `{}`).
    static func allowsAnything(_ schema: JSONValue) -> Bool {
        schema == .bool(true) || schema == .object(JSONObject())
    }

    /// `additionalProperties` only sees its own schema's `properties`: merging is exact only when
    /// the other side declares no property the closed side does not.
    mutating func checkClosedObjects(_ a: JSONObject, _ b: JSONObject, pointer: String) throws(JSONSchemaError) {
        for (closed, other) in [(a, b), (b, a)] where !(closed["additionalProperties"].map(Self.allowsAnything) ?? true) {
            let known = Set(closed["properties"]?.objectValue?.keys ?? [])
            let extra = (other["properties"]?.objectValue?.keys ?? []) + (other["required"]?.arrayValue ?? []).compactMap(\.stringValue)
            if extra.contains(where: { !known.contains($0) }) {
                try unsupported("allOf of a closed object schema with other properties is not supported", pointer)
            }
        }
    }

    mutating func mergeValues(_ a: JSONValue, _ b: JSONValue, pointer: String) throws(JSONSchemaError) -> JSONValue {
        if a == .bool(true) { return b }
        if b == .bool(true) { return a }
        if a == .bool(false) || b == .bool(false) { return .bool(false) }
        guard case .object(let ao) = try inlineRefs(a, pointer: pointer) else { return b }
        return .object(try merge(ao, b, pointer: pointer))
    }

    /// `oneOf` compiles like `anyOf`, which is exact only when no instance can match two branches.
    /// Branches count as disjoint when their types differ, their `const`/`enum` values differ, or
    /// they require a common property whose `const`/`enum` values differ.
    /// A branch that is an `allOf` is disjoint from another when any of its parts is (its
    /// instances satisfy every part): a `$ref` to a tagged object plus a refinement is read
    /// through its parts.
    mutating func checkDisjoint(_ branches: [JSONValue], base: JSONObject, pointer: String) throws(JSONSchemaError) {
        var resolved: [[JSONObject]?] = []
        for (i, b) in branches.enumerated() {
            let r = try inlineRefs(b, pointer: "\(pointer)/\(i)")
            if r == .bool(false) { continue }
            guard let object = r.objectValue else {
                resolved.append(nil)
                continue
            }
            var parts = [object]
            for (k, part) in (object["allOf"]?.arrayValue ?? []).enumerated() {
                if let o = try inlineRefs(part, pointer: "\(pointer)/\(i)/allOf/\(k)").objectValue { parts.append(o) }
            }
            resolved.append(parts)
        }
        for i in resolved.indices {
            for j in resolved.indices where j > i {
                guard let xs = resolved[i], let ys = resolved[j],
                    xs.contains(where: { x in ys.contains { y in disjoint(x, y, base: base) } })
                else {
                    try unsupported("oneOf branches \(i) and \(j) may overlap (only provably disjoint oneOf is supported)", pointer)
                    return
                }
            }
        }
    }

    func disjoint(_ x: JSONObject, _ y: JSONObject, base: JSONObject) -> Bool {
        func types(_ s: JSONObject) -> Set<String> {
            var t = SchemaGrammarCompiler.types(of: s) ?? SchemaGrammarCompiler.values(s).map(SchemaGrammarCompiler.types(ofValues:))
                ?? SchemaGrammarCompiler.types(of: base) ?? SchemaKeywords.allTypes
            if t.contains("number") { t.insert("integer") }
            return t
        }
        if types(x).isDisjoint(with: types(y)) { return true }
        if let vx = SchemaGrammarCompiler.values(x), let vy = SchemaGrammarCompiler.values(y) {
            return !vx.contains(where: { vy.contains($0) })
        }
        let rx = Set((x["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        let ry = Set((y["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        // An object branch requiring a property the other (closed, object-only) branch forbids.
        for (req, other) in [(rx, y), (ry, x)] where other["additionalProperties"] == .bool(false)
            && other["patternProperties"] == nil && types(other) == ["object"]
        {
            let known = Set(other["properties"]?.objectValue?.keys ?? [])
            if req.contains(where: { !known.contains($0) }) { return true }
        }
        for name in rx.intersection(ry) {
            if let px = x["properties"]?[name]?.objectValue, let py = y["properties"]?[name]?.objectValue,
                let vx = SchemaGrammarCompiler.values(px), let vy = SchemaGrammarCompiler.values(py),
                !vx.contains(where: { vy.contains($0) })
            {
                return true
            }
        }
        return false
    }

    /// The types of `values` (an integral number is both an integer and a number).
    static func types(ofValues values: [JSONValue]) -> Set<String> {
        var out: Set<String> = []
        for v in values {
            switch v {
            case .null: out.insert("null")
            case .bool: out.insert("boolean")
            case .int: out.formUnion(["integer", "number"])
            case .double(let d): out.formUnion(d.rounded() == d ? ["integer", "number"] : ["number"])
            case .string: out.insert("string")
            case .array: out.insert("array")
            case .object: out.insert("object")
            }
        }
        return out
    }

    static func values(_ s: JSONObject) -> [JSONValue]? {
        if let c = s["const"] { return [c] }
        return s["enum"]?.arrayValue
    }
}

/// `not`, where the negation is exactly a type restriction.
extension SchemaGrammarCompiler {
    /// `not` whose schema asserts only `type` allows exactly the other types, so it becomes a
    /// `type` list merged into the schema; `not: false` asserts nothing and `not: true` allows
    /// nothing. Every other `not` is left in place for `checkKeywords` to report. Excluding
    /// `integer` but not `number` is left too: "a number that is not an integer" is not a type
    /// (1.0 is an integer in JSON Schema), so it has no exact grammar here.
    mutating func lowerNot(_ schema: JSONObject, pointer: String) throws(JSONSchemaError) -> JSONObject {
        guard let negated = schema["not"] else { return schema }
        let p = pointer + "/not"
        var out = schema
        out["not"] = nil
        switch try inlineRefs(negated, pointer: p) {
        case .bool(false):
            return out
        case .bool(true):
            return try merge(out, .bool(false), pointer: p)
        case .object(let o):
            let asserted = o.members.filter { !SchemaKeywords.annotations.contains($0.key) }
            // `not: {pattern}`: a string that does not match (a non-string matches any pattern).
            if asserted.count == 1, let pattern = o["pattern"]?.stringValue {
                let internalNot = JSONObject([("type", .string("string")), (SchemaGrammarCompiler.notPatternsKey, .array([.string(pattern)]))])
                return try merge(out, .object(internalNot), pointer: p)
            }
            // `not: {enum: [strings]}`: a string that is none of them (any other value passes).
            if asserted.count == 1, let values = o["enum"]?.arrayValue ?? o["const"].map({ [$0] }),
                values.allSatisfy({ $0.stringValue != nil })
            {
                return try merge(out, .object(JSONObject([(SchemaGrammarCompiler.notStringsKey, .array(values))])), pointer: p)
            }
            guard o.keys.allSatisfy({ $0 == "type" || SchemaKeywords.annotations.contains($0) }),
                var excluded = SchemaGrammarCompiler.types(of: o), excluded.isSubset(of: SchemaKeywords.allTypes),
                !excluded.contains("integer") || excluded.contains("number")
            else { return schema }
            if excluded.contains("number") { excluded.insert("integer") }
            let allowed = SchemaKeywords.allTypes.subtracting(excluded).sorted().map { JSONValue.string($0) }
            return try merge(out, .object(JSONObject([("type", .array(allowed))])), pointer: p)
        default:
            return schema
        }
    }
}
