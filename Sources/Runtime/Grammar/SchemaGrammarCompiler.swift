/// The state of one schema compilation: the grammar being built, rules for `$ref` targets, shared
/// helper rules and the warnings of lenient mode.
struct SchemaGrammarCompiler {
    let root: JSONValue
    let options: JSONSchemaCompiler.Options
    var builder = GrammarBuilder()
    var warnings: [String] = []
    var refRules: [String: Int] = [:]
    var sharedRules: [String: Int] = [:]
    /// Guards against `$ref` chains and `allOf` merges that never bottom out.
    var depth = 0

    init(root: JSONValue, options: JSONSchemaCompiler.Options) {
        self.root = root
        self.options = options
    }

    /// `null`, `true` and `false`, or Python's `None`, `True` and `False` (`Options.pythonLiterals`).
    var nullLiteral: String { options.pythonLiterals ? "None" : "null" }
    var trueLiteral: String { options.pythonLiterals ? "True" : "true" }
    var falseLiteral: String { options.pythonLiterals ? "False" : "false" }

    /// Whitespace allowed between tokens.
    var ws: GrammarExpr {
        switch options.whitespace {
        case .compact: return .empty
        case .flexible(let maxRun): return .repeated(.bytes(ByteSet(bytes: [0x20, 0x09, 0x0A])), min: 0, max: maxRun)
        }
    }

    func fail(_ message: String, _ pointer: String) -> JSONSchemaError {
        JSONSchemaError(message: message, pointer: pointer)
    }

    /// Reports an unsupported keyword: an error, or a warning in lenient mode.
    mutating func unsupported(_ message: String, _ pointer: String) throws(JSONSchemaError) {
        if options.lenient {
            warnings.append("\(pointer): \(message)")
        } else {
            throw fail(message, pointer)
        }
    }

    /// A rule shared by every use, built on first use (generic JSON value, string, number...).
    mutating func shared(_ name: String, _ make: (inout SchemaGrammarCompiler) throws(JSONSchemaError) -> GrammarExpr) throws(JSONSchemaError) -> GrammarExpr {
        if let id = sharedRules[name] { return .rule(id) }
        let id = builder.freshRule(name)
        sharedRules[name] = id
        builder.define(id, try make(&self))
        return .rule(id)
    }

    mutating func compile(_ schema: JSONValue, pointer: String) throws(JSONSchemaError) -> GrammarExpr {
        switch schema {
        case .bool(true): return try anyValue()
        case .bool(false): return .choice([])
        case .object(let object): return try compileObject(object, pointer: pointer)
        default: throw fail("a schema must be an object or a boolean", pointer)
        }
    }

    mutating func compileObject(_ schemaIn: JSONObject, pointer: String) throws(JSONSchemaError) -> GrammarExpr {
        depth += 1
        defer { depth -= 1 }
        guard depth < 200 else { throw fail("schema nests too deeply (recursive allOf or $ref?)", pointer) }
        if let values = finiteValues(schemaIn) { return values }
        var schema = try lowerNot(schemaIn, pointer: pointer)
        try checkKeywords(schema, pointer: pointer)

        if let ref = schema["$ref"]?.stringValue {
            let rest = schema.members.filter { !SchemaKeywords.annotations.contains($0.key) && $0.key != "$ref" }
            if rest.isEmpty { return try refRule(ref, pointer: pointer + "/$ref") }
            schema["$ref"] = nil
            // The target's keywords are checked as an allOf branch's are (merged unchecked, an
            // unsupported one would be silently dropped).
            let target = try inlineRefs(try resolveRef(ref, pointer: pointer + "/$ref"), pointer: pointer + "/$ref")
            if case .object(let t) = target { try checkKeywords(try lowerNot(t, pointer: pointer + "/$ref"), pointer: pointer + "/$ref") }
            schema = try merge(schema, target, pointer: pointer)
        }
        if let all = schema["allOf"]?.arrayValue {
            schema["allOf"] = nil
            for (i, branch) in all.enumerated() {
                let p = "\(pointer)/allOf/\(i)"
                guard case .object(let inlined) = try inlineRefs(branch, pointer: p) else {
                    if branch == .bool(false) { return .choice([]) }
                    continue
                }
                var b = try lowerNot(inlined, pointer: p)
                try checkKeywords(b, pointer: p)
                if let nested = b["allOf"]?.arrayValue {
                    b["allOf"] = nil
                    schema = try merge(schema, .object(b), pointer: p)
                    schema["allOf"] = .array(nested)
                    return try compileObject(schema, pointer: pointer)
                }
                schema = try merge(schema, .object(b), pointer: p)
            }
        }
        if let variants = try presenceVariants(schema, pointer: pointer) {
            var options: [GrammarExpr] = []
            for v in variants { options.append(try compileObject(v, pointer: pointer)) }
            return .choice(options)
        }
        for keyword in ["anyOf", "oneOf"] {
            guard var branches = schema[keyword]?.arrayValue else { continue }
            schema[keyword] = nil
            if keyword == "oneOf" {
                if let exclusive = try exclusiveStringBranches(branches, pointer: pointer + "/oneOf") {
                    branches = exclusive
                } else {
                    try checkDisjoint(branches, base: schema, pointer: pointer + "/oneOf")
                }
            }
            var options: [GrammarExpr] = []
            let base = schema.members.filter { !SchemaKeywords.annotations.contains($0.key) }
            for (i, branch) in branches.enumerated() {
                let p = "\(pointer)/\(keyword)/\(i)"
                if base.isEmpty {
                    options.append(try compile(branch, pointer: p))
                } else {
                    let resolved = try inlineRefs(branch, pointer: p)
                    if resolved == .bool(false) { continue }
                    let merged = resolved == .bool(true) ? schema : try merge(schema, resolved, pointer: p)
                    options.append(try compileObject(merged, pointer: p))
                }
            }
            return .choice(options)
        }
        if let variants = try dependencyVariants(schema, pointer: pointer) {
            var options: [GrammarExpr] = []
            for v in variants { options.append(try compileObject(v, pointer: pointer)) }
            return .choice(options)
        }
        return try compileTyped(schema, pointer: pointer)
    }

    /// `dependencies` / `dependentRequired` / `dependentSchemas` as a choice of variants: for each
    /// trigger property, either it is absent, or it is present together with what it requires.
    mutating func dependencyVariants(_ schema: JSONObject, pointer: String) throws(JSONSchemaError) -> [JSONObject]? {
        var deps: [(String, JSONValue)] = []
        var base = schema
        for key in ["dependencies", "dependentRequired", "dependentSchemas"] {
            guard let d = schema[key]?.objectValue else { continue }
            deps += d.members.map { ($0.key, $0.value) }
            base[key] = nil
        }
        if deps.isEmpty { return nil }
        guard deps.count <= 4 else {
            try unsupported("more than 4 dependencies are not supported", pointer + "/dependencies")
            return [base]
        }
        var variants = [base]
        for (name, dep) in deps {
            var next: [JSONObject] = []
            for v in variants {
                var absent = v
                var props = absent["properties"]?.objectValue ?? JSONObject()
                props[name] = .bool(false)
                absent["properties"] = .object(props)
                next.append(absent)
                var present = v
                var required = (present["required"]?.arrayValue ?? []).compactMap(\.stringValue)
                // What the trigger requires is written before it (the grammar fixes the order of
                // required members that `properties` does not list).
                let needs = (dep.arrayValue ?? []).compactMap(\.stringValue) + [name]
                for n in needs where !required.contains(n) { required.append(n) }
                present["required"] = .array(required.map { .string($0) })
                if dep.arrayValue == nil { present = try merge(present, dep, pointer: pointer + "/dependencies") }
                next.append(present)
            }
            variants = next
        }
        return variants
    }

    /// Errors (or warnings) for standard keywords this compiler does not enforce.
    mutating func checkKeywords(_ schema: JSONObject, pointer: String) throws(JSONSchemaError) {
        let handled: Set<String> = [
            "type", "enum", "const", "properties", "required", "additionalProperties", "items", "prefixItems",
            "additionalItems", "minItems", "maxItems", "minLength", "maxLength", "pattern", "format", "minimum",
            "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "allOf", "anyOf", "oneOf", "$ref",
            "minProperties", "maxProperties", "patternProperties", "dependencies", "dependentRequired",
            "dependentSchemas",
        ]
        for key in schema.keys where SchemaKeywords.assertions.contains(key) && !handled.contains(key) {
            let value = schema[key]
            // Keywords that assert nothing in these forms.
            if key == "uniqueItems", value == .bool(false) || SchemaGrammarCompiler.uniqueEnumItems(schema) != nil { continue }
            if key == "patternProperties" { continue }
            if key == "not", let value, Presence.of(value) != nil { continue }   // presenceVariants
            if key == "propertyNames", let value, Self.allowsAnything(value) { continue }
            if key == "then" || key == "else", schema["if"] == nil { continue }
            if key == "contains" || key == "minContains", SchemaGrammarCompiler.containsIsExpressible(schema) { continue }
            try unsupported("keyword '\(key)' is not supported", "\(pointer)/\(JSONPointer.escape(key))")
        }
    }

    /// The rule for a `$ref` target, compiled once, so recursive schemas become recursive rules.
    mutating func refRule(_ ref: String, pointer: String) throws(JSONSchemaError) -> GrammarExpr {
        let key = ref == "#" ? "#" : ref
        if let id = refRules[key] { return .rule(id) }
        let target = try resolveRef(ref, pointer: pointer)
        let id = builder.freshRule("ref" + key.replacingOccurrences(of: "/", with: "-"))
        refRules[key] = id
        builder.define(id, try compile(target, pointer: key))
        return .rule(id)
    }

    func resolveRef(_ ref: String, pointer: String) throws(JSONSchemaError) -> JSONValue {
        guard ref.hasPrefix("#") else {
            throw fail("$ref '\(ref)' is not a local '#...' reference (remote references are not supported)", pointer)
        }
        guard let target = JSONPointer.resolve(ref, in: root) else {
            throw fail("$ref '\(ref)' does not resolve (anchors other than JSON pointers are not supported)", pointer)
        }
        return target
    }

    /// A schema with a top-level `$ref` replaced by its target (merged with any siblings).
    mutating func inlineRefs(_ schema: JSONValue, pointer: String) throws(JSONSchemaError) -> JSONValue {
        var current = schema
        for _ in 0..<32 {
            guard case .object(var o) = current, let ref = o["$ref"]?.stringValue else { return current }
            o["$ref"] = nil
            let target = try resolveRef(ref, pointer: pointer + "/$ref")
            let rest = o.members.filter { !SchemaKeywords.annotations.contains($0.key) }
            current = rest.isEmpty ? target : .object(try merge(o, target, pointer: pointer))
        }
        throw fail("$ref chain too long", pointer)
    }

    /// The instance types a schema allows, from `type`, or nil when unrestricted.
    static func types(of schema: JSONObject) -> Set<String>? {
        switch schema["type"] {
        case .string(let t): return [t]
        case .array(let a): return Set(a.compactMap(\.stringValue))
        default: return nil
        }
    }

    mutating func compileTyped(_ schema: JSONObject, pointer: String) throws(JSONSchemaError) -> GrammarExpr {
        if let values = schema["enum"]?.arrayValue ?? schema["const"].map({ [$0] }) {
            let types = SchemaGrammarCompiler.types(of: schema)
            var options: [GrammarExpr] = []
            for v in values where types.map({ SchemaGrammarCompiler.value(v, hasOneOf: $0) }) ?? true {
                if !(try valueSatisfiesSimpleKeywords(v, schema, pointer: pointer)) { continue }
                options.append(valueLiteral(v))
            }
            if let c = schema["const"], schema["enum"] != nil {
                options = values.contains(c) ? [valueLiteral(c)] : []
            }
            return .choice(options)
        }
        var types = SchemaGrammarCompiler.types(of: schema) ?? SchemaKeywords.allTypes
        for t in types where !SchemaKeywords.allTypes.contains(t) {
            throw fail("unknown type '\(t)'", pointer + "/type")
        }
        if types.contains("number") { types.remove("integer") }
        var options: [GrammarExpr] = []
        for t in ["null", "boolean", "integer", "number", "string", "array", "object"] where types.contains(t) {
            switch t {
            case "null": options.append(.literal(nullLiteral))
            case "boolean": options.append(.choice([.literal(trueLiteral), .literal(falseLiteral)]))
            case "integer": options.append(try integer(schema, pointer: pointer))
            case "number": options.append(try number(schema, pointer: pointer))
            case "string": options.append(try string(schema, pointer: pointer))
            case "array": options.append(try array(schema, pointer: pointer))
            default: options.append(try object(schema, pointer: pointer))
            }
        }
        return options.count == 1 ? options[0] : .choice(options)
    }

    static func value(_ v: JSONValue, hasOneOf types: Set<String>) -> Bool {
        switch v {
        case .null: return types.contains("null")
        case .bool: return types.contains("boolean")
        case .int: return types.contains("integer") || types.contains("number")
        case .double(let d): return types.contains("number") || (types.contains("integer") && d.rounded() == d)
        case .string: return types.contains("string")
        case .array: return types.contains("array")
        case .object: return types.contains("object")
        }
    }

    /// For `enum` values next to other keywords: the value must also satisfy them. Checked with
    /// the validator, so enum members that the rest of the schema forbids are dropped.
    mutating func valueSatisfiesSimpleKeywords(_ v: JSONValue, _ schema: JSONObject, pointer: String) throws(JSONSchemaError) -> Bool {
        var rest = schema
        rest["enum"] = nil
        rest["const"] = nil
        rest["type"] = nil
        if rest.members.allSatisfy({ SchemaKeywords.annotations.contains($0.key) || !SchemaKeywords.assertions.contains($0.key) }) {
            return true
        }
        let validator = JSONSchemaValidator(root: root)
        switch validator.validate(v, against: .object(SchemaGrammarCompiler.standardized(rest))) {
        case .valid: return true
        case .invalid: return false
        case .unsupported(let keyword, let at):
            try unsupported("keyword '\(keyword)' next to enum is not supported", at)
            return true
        }
    }
}
