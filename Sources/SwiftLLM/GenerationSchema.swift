import Runtime

/// The JSON Schema a `Generable` type is generated under. The `@Generable` macro builds it from
/// the type's stored properties; build one by hand for a type you conform yourself, or parse one
/// with `init(jsonSchema:)` for content decided at run time.
public struct GenerationSchema: Sendable, Equatable, CustomStringConvertible {
    /// One member of an object schema.
    public struct Property: Sendable {
        let name: String
        let schema: GenerationSchema

        /// A member `name` of type `type`; an optional type makes the member optional.
        public init<Value: Generable>(name: String, description: String? = nil, type: Value.Type,
                                      guides: [GenerationGuide] = []) {
            self.name = name
            schema = Value.generationSchema.guided(by: guides.flatMap(\.rules)).described(description)
        }
    }

    let json: JSONValue
    /// Whether the value may be left out of an object (an optional type's schema).
    let isOptional: Bool

    init(json: JSONValue, isOptional: Bool = false) {
        self.json = json
        self.isOptional = isOptional
    }

    /// A schema from JSON Schema text (the subset the grammar compiler supports; see the README's
    /// grammar section).
    public init(jsonSchema text: String) throws {
        do {
            json = try JSONValue(parsing: text)
        } catch {
            throw GenerationContentError("the schema is not JSON: \(error)")
        }
        isOptional = false
    }

    /// The schema as compact JSON text.
    public var jsonSchema: String { json.compactText }
    public var description: String { jsonSchema }

    /// An object with `properties` in this order; the non-optional ones are required and no
    /// others are allowed.
    public static func object(description: String? = nil, properties: [Property]) -> GenerationSchema {
        var members: [(String, JSONValue)] = [("type", "object")]
        if let description { members.append(("description", .string(description))) }
        members.append(("properties", .object(JSONObject(properties.map { ($0.name, $0.schema.json) }))))
        members.append(("required", .array(properties.filter { !$0.schema.isOptional }.map { .string($0.name) })))
        members.append(("additionalProperties", false))
        return GenerationSchema(json: .object(JSONObject(members)))
    }

    /// One of these strings (an enum's cases).
    public static func enumeration(description: String? = nil, cases: [String]) -> GenerationSchema {
        var members: [(String, JSONValue)] = [("type", "string")]
        if let description { members.append(("description", .string(description))) }
        members.append(("enum", .array(cases.map { .string($0) })))
        return GenerationSchema(json: .object(JSONObject(members)))
    }

    /// An array of `element`.
    public static func array(of element: GenerationSchema) -> GenerationSchema {
        GenerationSchema(json: .object(JSONObject([("type", "array"), ("items", element.json)])))
    }

    static func primitive(_ type: String) -> GenerationSchema {
        GenerationSchema(json: .object(JSONObject([("type", .string(type))])))
    }

    /// This schema, optional.
    var optional: GenerationSchema { GenerationSchema(json: json, isOptional: true) }

    func described(_ text: String?) -> GenerationSchema {
        guard let text else { return self }
        return GenerationSchema(json: setting([("description", .string(text))], in: json), isOptional: isOptional)
    }

    /// The schema with `rules` applied: lengths to an array, everything else to its elements.
    func guided(by rules: [GenerationGuide.Rule]) -> GenerationSchema {
        guard !rules.isEmpty else { return self }
        if json["type"] == "array" {
            var own: [(String, JSONValue)] = []
            var elementRules: [GenerationGuide.Rule] = []
            for rule in rules {
                switch rule {
                case .minimumCount(let n): own.append(("minItems", .int(max(0, n))))
                case .maximumCount(let n): own.append(("maxItems", .int(max(0, n))))
                default: elementRules.append(rule)
                }
            }
            if !elementRules.isEmpty, let items = json["items"] {
                own.append(("items", GenerationSchema(json: items).guided(by: elementRules).json))
            }
            return GenerationSchema(json: setting(own, in: json), isOptional: isOptional)
        }
        let integer = json["type"] == "integer"
        func clamped(_ value: Double) -> Int {
            value.isNaN ? 0 : value >= 9.2e18 ? Int.max : value <= -9.2e18 ? Int.min : Int(value)
        }
        func number(_ value: Double) -> JSONValue {
            value == value.rounded() && abs(value) < 1e15 ? .int(clamped(value)) : .double(value)
        }
        var own: [(String, JSONValue)] = []
        for rule in rules {
            switch rule {
            case .minimum(let v): own.append(("minimum", integer ? .int(clamped(v.rounded(.up))) : number(v)))
            case .maximum(let v): own.append(("maximum", integer ? .int(clamped(v.rounded(.down))) : number(v)))
            case .pattern(let p): own.append(("pattern", .string("^(?:\(p))$")))
            case .anyOf(let values): own.append(("enum", .array(values.map { .string($0) })))
            case .constant(let value): own.append(("const", .string(value)))
            case .minimumCount, .maximumCount: break
            }
        }
        return GenerationSchema(json: setting(own, in: json), isOptional: isOptional)
    }

    /// `object` with `members` set: an existing member is replaced in place, a new one appended
    /// (in the order given; a later one of the same name wins).
    private func setting(_ members: [(String, JSONValue)], in object: JSONValue) -> JSONValue {
        guard case .object(let existing) = object else { return object }
        var result = existing.map { ($0.key, $0.value) }
        for (key, value) in members {
            if let index = result.firstIndex(where: { $0.0 == key }) {
                result[index].1 = value
            } else {
                result.append((key, value))
            }
        }
        return .object(JSONObject(result))
    }
}
