import Runtime

extension BFCLScorer {
    /// BFCL's string normalisation: drops spaces and the marks `, . / - _ * ^`, lowercases, and
    /// writes single quotes as double quotes, so "April 1, 2024", "april 1,2024" and "April 1 2024"
    /// compare equal. Only the space character goes, as in BFCL (not tabs or newlines).
    public static func standardize(_ text: String) -> String {
        var kept = ""
        kept.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars where !ignoredScalars.contains(scalar) {
            kept.unicodeScalars.append(scalar == "'" ? "\"" : scalar)
        }
        return kept.lowercased()
    }

    private static let ignoredScalars: Set<Unicode.Scalar> = [" ", ",", ".", "/", "-", "_", "*", "^"]

    /// Whether `value` has the type a BFCL schema node declares, checked at every depth; nil when
    /// it does, otherwise a reason naming the path (`coord1[1]`, `conditions.school`).
    static func typeMismatch(_ value: JSONValue, schema: JSONValue, path: String) -> String? {
        guard let type = schema["type"]?.stringValue else { return nil }
        func mismatch() -> String { "type of '\(path)': expected \(type), got \(describe(value))" }
        switch type {
        case "string":
            return value.stringValue == nil ? mismatch() : nil
        case "integer":
            // A JSON `2.0` is a float to BFCL's Python checker, so it is not an integer here either.
            guard case .int = value else { return mismatch() }
            return nil
        case "float", "number":
            switch value {
            case .int, .double: return nil
            default: return mismatch()
            }
        case "boolean":
            return value.boolValue == nil ? mismatch() : nil
        case "array", "tuple":
            guard let elements = value.arrayValue else { return mismatch() }
            guard let items = schema["items"] else { return nil }
            for (index, element) in elements.enumerated() {
                if let inner = typeMismatch(element, schema: items, path: "\(path)[\(index)]") { return inner }
            }
            return nil
        case "dict", "object":
            guard let members = value.objectValue else { return mismatch() }
            let properties = schema["properties"]?.objectValue ?? JSONObject()
            for (key, member) in members {
                guard let inner = properties[key] else { continue }
                if let reason = typeMismatch(member, schema: inner, path: "\(path).\(key)") { return reason }
            }
            return nil
        default:
            // "any", and names BFCL does not use: no constraint.
            return nil
        }
    }

    /// Whether `value` equals one allowed value. An allowed object maps each key to its own list of
    /// allowed values (a key may be left out when that list holds `""`); an allowed array matches an
    /// array of the same length element by element, in order.
    static func matches(_ value: JSONValue, allowed: JSONValue) -> Bool {
        switch allowed {
        case .object(let allowedMembers):
            guard let members = value.objectValue else { return false }
            for (key, member) in members {
                guard let alternatives = allowedMembers[key] else { return false }
                guard (alternatives.arrayValue ?? [alternatives]).contains(where: { matches(member, allowed: $0) }) else {
                    return false
                }
            }
            return allowedMembers.allSatisfy { members[$0.key] != nil || canOmit($0.value) }
        case .array(let allowedElements):
            guard let elements = value.arrayValue, elements.count == allowedElements.count else { return false }
            return zip(elements, allowedElements).allSatisfy { matches($0, allowed: $1) }
        case .string(let allowedText):
            guard let text = value.stringValue else { return false }
            return standardize(text) == standardize(allowedText)
        case .int, .double:
            switch value {
            case .int, .double: return value.doubleValue == allowed.doubleValue
            default: return false
            }
        case .bool, .null:
            return value == allowed
        }
    }

    /// A short description of a value for type errors: its JSON type and text.
    static func describe(_ value: JSONValue) -> String {
        let kind = switch value {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "float"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
        let text = value.compactText
        return "\(kind) \(text.count > 60 ? String(text.prefix(57)) + "..." : text)"
    }
}
