/// Grammars of the call syntaxes whose arguments are not a JSON object (`ToolCallFormat+Native`).
/// Each tool's parameters become that syntax's key/value items in the schema's property order
/// (Gemma 4: sorted, as its template writes them), required ones always, optional ones maybe;
/// every value is constrained by its property's schema.
extension Composer {
    /// The calls after the prefix, for `qwenXML`, `pythonic` and `gemma4`.
    mutating func nativeCalls(_ format: ToolCallFormat, _ functions: [ToolCallFormat.Function], max many: Int) throws -> GrammarExpr {
        var alternatives: [GrammarExpr] = []
        for (i, function) in functions.enumerated() {
            let pointer = "#/tools/\(i)/parameters"
            let members = try Self.members(function.parameters, pointer: pointer)
            switch format.family {
            case .qwenXML:
                var items: [(GrammarExpr, Bool)] = []
                for (j, m) in members.enumerated() {
                    let value = try qwenValue(m.schema, pointer: pointer + "/properties/\(j)")
                    items.append((.sequence([.literal("<parameter=\(m.key)>\n"), value, .literal("\n</parameter>\n")]), m.required))
                }
                alternatives.append(.sequence([.literal("<function=\(function.name)>\n"), separated(items, separator: "", name: "xml-\(i)"),
                                               .literal("</function>")]))
            case .pythonic:
                var items: [(GrammarExpr, Bool)] = []
                for (j, m) in members.enumerated() {
                    let value = try schema(m.schema, pointer: pointer + "/properties/\(j)")
                    items.append((.sequence([.literal(m.key + "="), value]), m.required))
                }
                alternatives.append(.sequence([.literal(function.name + "("), separated(items, separator: ", ", name: "py-\(i)"), .literal(")")]))
            default:
                alternatives.append(.sequence([.literal(function.name), try gemmaObject(members, pointer: pointer, name: "gemma-\(i)")]))
            }
        }
        let one = GrammarExpr.choice(alternatives)
        let more = many - 1
        switch format.family {
        case .qwenXML:
            let block = GrammarExpr.sequence([one, .literal(format.suffix)])
            return .sequence([block, .repeated(.sequence([.literal("\n" + format.prefix), block]), min: 0, max: more)])
        case .pythonic:
            return .sequence([one, .repeated(.sequence([.literal(", "), one]), min: 0, max: more), .literal(format.suffix)])
        default:
            let block = GrammarExpr.sequence([one, .literal(format.suffix)])
            return .sequence([block, .repeated(.sequence([.literal(format.prefix), block]), min: 0, max: more)])
        }
    }

    struct Member {
        let key: String
        let schema: JSONValue
        let required: Bool
    }

    /// An object schema's properties (then required keys it does not list), in order.
    static func members(_ schema: JSONValue, pointer: String) throws -> [Member] {
        guard let object = schema.objectValue else { throw ToolDefinitionError(message: "\(pointer) is not an object schema") }
        for keyword in ["anyOf", "oneOf", "allOf", "$ref", "not", "if", "patternProperties", "dependentRequired", "dependentSchemas", "minProperties"]
        where object[keyword] != nil {
            throw ToolDefinitionError(message: "\(pointer): '\(keyword)' on the parameters object is not supported in this call syntax")
        }
        let required = Set((object["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        var result: [Member] = []
        for (key, value) in object["properties"]?.objectValue?.members ?? [] {
            result.append(Member(key: key, schema: value, required: required.contains(key)))
        }
        for key in (object["required"]?.arrayValue ?? []).compactMap(\.stringValue) where !result.contains(where: { $0.key == key }) {
            result.append(Member(key: key, schema: .bool(true), required: true))
        }
        return result
    }

    /// Items in order, each required or optional, with `separator` between the ones written: rule
    /// (i, e) is "items i… when e says whether one was written before".
    mutating func separated(_ items: [(GrammarExpr, Bool)], separator: String, name: String) -> GrammarExpr {
        let n = items.count
        let rules = (0...n).map { i in [builder.freshRule("\(name)-\(i)-first"), builder.freshRule("\(name)-\(i)-next")] }
        for e in 0..<2 { builder.define(rules[n][e], .empty) }
        for i in stride(from: n - 1, through: 0, by: -1) {
            for e in 0..<2 {
                let lead: GrammarExpr = e == 1 && !separator.isEmpty ? .literal(separator) : .empty
                var options: [GrammarExpr] = [.sequence([lead, items[i].0, .rule(rules[i + 1][1])])]
                if !items[i].1 { options.append(.rule(rules[i + 1][e])) }
                builder.define(rules[i][e], options.count == 1 ? options[0] : .choice(options))
            }
        }
        return .rule(rules[0][0])
    }

    /// Keywords that constrain a string's text.
    static let stringConstraints = ["pattern", "format", "minLength", "maxLength"]

    /// Whether a string schema carries nothing but its type (and annotations).
    static func isPlainString(_ schema: JSONObject) -> Bool {
        guard schema["type"]?.stringValue == "string" else { return false }
        return (stringConstraints + ["enum", "const", "anyOf", "oneOf", "allOf", "$ref", "not"]).allSatisfy { schema[$0] == nil }
    }

    /// String enum/const values, when the schema admits only those strings.
    static func stringValues(_ schema: JSONObject) -> [String]? {
        guard let values = schema["enum"]?.arrayValue ?? schema["const"].map({ [$0] }) else { return nil }
        let strings = values.compactMap(\.stringValue)
        guard strings.count == values.count, schema["type"].map({ $0.stringValue == "string" }) ?? true else { return nil }
        return strings
    }

    /// A string with constraints beyond its type, written raw.
    static func isConstrainedString(_ schema: JSONObject) -> Bool {
        guard schema["type"]?.stringValue == "string", stringValues(schema) == nil else { return false }
        return ["anyOf", "oneOf", "allOf", "$ref", "not"].allSatisfy { schema[$0] == nil }
    }

    mutating func rawString(_ schema: JSONObject, pointer: String, forbidden: UInt8) throws -> GrammarExpr {
        try compiling(.object(schema)) { compiler throws(JSONSchemaError) in
            try compiler.rawString(schema, pointer: pointer, forbidden: forbidden)
        }
    }

    /// A Qwen parameter value: strings raw (a plain string is any text without the closing
    /// `\n</parameter>`), everything else JSON.
    mutating func qwenValue(_ schema: JSONValue, pointer: String) throws -> GrammarExpr {
        guard let object = schema.objectValue else { return try self.schema(schema, pointer: pointer) }
        if Self.isPlainString(object) { return textAvoiding(Array("\n</parameter>".utf8), then: nil) }
        if let strings = Self.stringValues(object) { return .choice(strings.map { .literal($0) }) }
        if Self.isConstrainedString(object) { return try rawString(object, pointer: pointer, forbidden: 0x0A) }
        return try self.schema(schema, pointer: pointer)
    }

    /// Gemma 4's `{key:value,…}`: keys bare and sorted, as its template writes them.
    mutating func gemmaObject(_ members: [Member], pointer: String, name: String) throws -> GrammarExpr {
        var items: [(GrammarExpr, Bool)] = []
        for m in members.sorted(by: { $0.key < $1.key }) {
            items.append((.sequence([.literal(m.key + ":"), try gemmaValue(m.schema, pointer: pointer + "/properties/" + m.key, name: name + "-" + m.key)]), m.required))
        }
        return .sequence([.literal("{"), separated(items, separator: ",", name: name), .literal("}")])
    }

    /// A value in Gemma 4's literal syntax under `schema`.
    mutating func gemmaValue(_ schema: JSONValue, pointer: String, name: String) throws -> GrammarExpr {
        let quote = ToolCallFormat.gemmaQuote
        guard let object = schema.objectValue else {
            if schema == .bool(false) { return .choice([]) }
            return try gemmaAny(name: name)
        }
        if let values = object["enum"]?.arrayValue ?? object["const"].map({ [$0] }) {
            return .choice(values.map { .literal(ToolCallFormat.gemmaText($0)) })
        }
        for keyword in ["anyOf", "oneOf", "allOf", "$ref", "not"] where object[keyword] != nil {
            throw ToolDefinitionError(message: "\(pointer): '\(keyword)' is not supported in Gemma 4's call syntax")
        }
        let types = SchemaGrammarCompiler.types(of: object) ?? SchemaKeywords.allTypes
        var options: [GrammarExpr] = []
        for type in ["null", "boolean", "integer", "number", "string", "array", "object"] where types.contains(type) {
            switch type {
            case "null": options.append(.literal("None"))
            case "boolean": options.append(.choice([.literal("true"), .literal("false")]))
            case "integer", "number":
                if type == "integer" && types.contains("number") { continue }
                var numeric = JSONObject([("type", .string(type))])
                for key in ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"] { numeric[key] = object[key] }
                options.append(try self.schema(.object(numeric), pointer: pointer))
            case "string":
                // enum/const were handled above and combinators refused: only text constraints remain.
                if Self.stringConstraints.allSatisfy({ object[$0] == nil }) {
                    options.append(.sequence([.literal(quote), textAvoiding(Array(quote.utf8), then: nil), .literal(quote)]))
                } else {
                    options.append(.sequence([.literal(quote), try rawString(object, pointer: pointer, forbidden: UInt8(ascii: "<")), .literal(quote)]))
                }
            case "array":
                let item = try gemmaValue(object["items"] ?? .bool(true), pointer: pointer + "/items", name: name + "-item")
                let low = object["minItems"]?.intValue ?? 0, high = object["maxItems"]?.intValue
                if let high, high < low { continue }
                let rest = GrammarExpr.repeated(.sequence([.literal(","), item]), min: max(low - 1, 0), max: high.map { max($0 - 1, 0) })
                let some = GrammarExpr.sequence([item, rest])
                options.append(.sequence([.literal("["), (low == 0 && high != 0) ? .optional(some) : (high == 0 ? .empty : some), .literal("]")]))
            default:
                if object["properties"] == nil && object["required"] == nil {
                    options.append(try gemmaAnyObject(name: name))
                } else {
                    options.append(try gemmaObject(try Self.members(schema, pointer: pointer), pointer: pointer, name: name))
                }
            }
        }
        return options.count == 1 ? options[0] : .choice(options)
    }

    /// Any Gemma 4 value (a parameter without a schema).
    mutating func gemmaAny(name: String) throws -> GrammarExpr {
        if let id = sharedRules["gemma-any"] { return .rule(id) }
        let rule = builder.freshRule("gemma-any")
        sharedRules["gemma-any"] = rule
        let quote = ToolCallFormat.gemmaQuote
        let number = try schema(.object(JSONObject([("type", "number")])), pointer: "#")
        let string = GrammarExpr.sequence([.literal(quote), textAvoiding(Array(quote.utf8), then: nil), .literal(quote)])
        let list = GrammarExpr.sequence([.literal("["), .optional(.sequence([.rule(rule), .repeated(.sequence([.literal(","), .rule(rule)]), min: 0, max: nil)])), .literal("]")])
        builder.define(rule, .choice([.literal("None"), .literal("true"), .literal("false"), number, string, list, try gemmaAnyObject(name: name)]))
        return .rule(rule)
    }

    /// `{key:value,…}` with any identifier keys and values.
    mutating func gemmaAnyObject(name: String) throws -> GrammarExpr {
        if let id = sharedRules["gemma-any-object"] { return .rule(id) }
        let rule = builder.freshRule("gemma-any-object")
        sharedRules["gemma-any-object"] = rule
        let value = try gemmaAny(name: name)
        var first = ByteSet(UInt8(ascii: "a")...UInt8(ascii: "z"))
        first.insert(UInt8(ascii: "A")...UInt8(ascii: "Z"))
        first.insert(UInt8(ascii: "_"))
        var rest = first
        rest.insert(UInt8(ascii: "0")...UInt8(ascii: "9"))
        let key = GrammarExpr.sequence([.bytes(first), .repeated(.bytes(rest), min: 0, max: 64)])
        let member = GrammarExpr.sequence([key, .literal(":"), value])
        builder.define(rule, .sequence([.literal("{"), .optional(.sequence([member, .repeated(.sequence([.literal(","), member]), min: 0, max: nil)])), .literal("}")]))
        return .rule(rule)
    }
}
