import Runtime

/// Converts BFCL's parameter schemas, written with Python type names, to JSON Schema (draft
/// 2020-12) that our grammar compiler, validator and OpenAI-compatible remotes accept.
///
/// - `"dict"` → `"object"`, `"float"` → `"number"`, `"tuple"` → `"array"` (JSON has no tuple; BFCL
///   gives no per-position types, only `items`), `"any"` → no `type` at all; `"integer"`,
///   `"string"`, `"boolean"`, `"array"` (and any standard name) stay.
/// - `properties`, `items` and `additionalProperties` are converted recursively; `enum`,
///   `required`, `description`, `format` and bounds stay; `default` stays as the annotation it is in
///   JSON Schema (it constrains nothing).
/// - BFCL's `"optional"` (`true` on a property, or a list of names on the object) is dropped: it
///   repeats what absence from `required` already says, and is not a JSON Schema keyword.
/// - The top-level arguments object gets `"additionalProperties": false`. BFCL's checker fails
///   any parameter the function does not declare, so a constrained generator must produce a closed
///   object; without it the grammar would let a model spend tokens on names that can only score
///   zero. Nested objects stay open: BFCL declares some (`"cards": {"type": "dict"}`) with no
///   `properties`, meaning any keys.
///
/// Function names are kept as they are, dots included (`math.factorial`): our grammar matches any
/// string constant, and BFCL's checker compares the name exactly.
public enum BFCLSchema {
    /// JSON Schema for a BFCL `parameters` object (the top level of a function's arguments).
    public static func convert(parameters: JSONValue) -> JSONValue {
        guard case .object(var object) = convert(parameters) else { return parameters }
        if object["type"] == nil { object["type"] = "object" }
        object["additionalProperties"] = false
        return .object(object)
    }

    /// JSON Schema for any BFCL schema node.
    public static func convert(_ schema: JSONValue) -> JSONValue {
        guard let object = schema.objectValue else { return schema }
        var converted = JSONObject()
        for (key, value) in object {
            switch key {
            case "type":
                if let type = jsonSchemaType(value) { converted[key] = type }
            case "properties":
                guard let properties = value.objectValue else {
                    converted[key] = value
                    continue
                }
                converted[key] = .object(JSONObject(properties.map { ($0.key, convert($0.value)) }))
            case "items", "additionalProperties":
                converted[key] = convert(value)
            case "optional":
                continue
            default:
                converted[key] = value
            }
        }
        return .object(converted)
    }

    /// The JSON Schema `type` for a BFCL type name (or list of names); nil for `"any"`.
    static func jsonSchemaType(_ type: JSONValue) -> JSONValue? {
        switch type {
        case .string(let name):
            return jsonTypeName(name).map(JSONValue.string)
        case .array(let names):
            let mapped = names.map { name -> JSONValue? in
                guard let string = name.stringValue else { return name }
                return jsonTypeName(string).map(JSONValue.string)
            }
            // `any` among the alternatives admits everything, so the whole constraint goes.
            if mapped.contains(where: { $0 == nil }) { return nil }
            return .array(mapped.compactMap { $0 })
        default:
            return type
        }
    }

    static func jsonTypeName(_ name: String) -> String? {
        switch name {
        case "dict": "object"
        case "float": "number"
        case "tuple": "array"
        case "any": nil
        default: name
        }
    }
}

extension BFCLFunction {
    /// The function as a tool whose parameters are JSON Schema (see `BFCLSchema`).
    public var tool: ToolDefinition {
        ToolDefinition(name: name, description: description, parameters: BFCLSchema.convert(parameters: parameters))
    }

    /// The BFCL type name (`"float"`, `"dict"`...) of a top-level parameter, nil when undeclared.
    func declaredType(of parameter: String) -> String? {
        parameters["properties"]?[parameter]?["type"]?.stringValue
    }

    /// The top-level parameters the function requires.
    var requiredParameters: [String] {
        parameters["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}
