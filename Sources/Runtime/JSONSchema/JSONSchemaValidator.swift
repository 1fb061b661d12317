import Foundation

/// Validates JSON instances against a JSON Schema (draft 2020-12, plus the draft-04..07 spellings
/// `definitions`, `dependencies`, `items` arrays with `additionalItems`, boolean
/// `exclusiveMinimum`). Keywords it cannot decide correctly (`unevaluatedProperties`,
/// `$dynamicRef`, remote `$ref`, `$ref` under a nested `$id`...) make the answer `.unsupported`
/// rather than a guess. `format` is an annotation in 2020-12, so it is only checked when
/// `assertFormat` is set (for the formats in the grammar compiler's table).
///
/// ```swift
/// let validator = JSONSchemaValidator(root: schema)
/// if case .invalid(let why) = validator.validate(instance) { print(why) }
/// ```
public struct JSONSchemaValidator: Sendable {
    public enum Result: Equatable, Sendable {
        case valid
        /// Invalid: which keyword failed and where (instance pointer and schema pointer).
        case invalid(String)
        /// The schema uses `keyword` (at `pointer`) in a way this validator does not implement.
        case unsupported(keyword: String, pointer: String)
    }

    public let root: JSONValue
    public var assertFormat: Bool

    public init(root: JSONValue, assertFormat: Bool = false) {
        self.root = root
        self.assertFormat = assertFormat
    }

    /// Validates `instance` against the root schema.
    public func validate(_ instance: JSONValue) -> Result { validate(instance, against: root) }

    /// Validates `instance` against `schema`, resolving `$ref`s in the root document.
    public func validate(_ instance: JSONValue, against schema: JSONValue) -> Result {
        if let dialect = root["$schema"]?.stringValue, !JSONSchemaValidator.knownDialects.contains(dialect) {
            return .unsupported(keyword: "$schema", pointer: "#/$schema")
        }
        do {
            try check(instance, schema, path: "", schemaPath: "#", depth: 0, nestedID: false)
            return .valid
        } catch {
            switch error {
            case .invalid(let why): return .invalid(why)
            case .unsupported(let keyword, let pointer): return .unsupported(keyword: keyword, pointer: pointer)
            }
        }
    }

    enum Failure: Error {
        case invalid(String)
        case unsupported(String, String)
    }

    /// Runs `body`, turning an invalid outcome into false (unsupported propagates).
    func passes(_ body: () throws(Failure) -> Void) throws(Failure) -> Bool {
        do {
            try body()
            return true
        } catch .invalid {
            return false
        } catch {
            throw error
        }
    }

    /// Metaschemas whose vocabularies this validator implements (a custom one may turn some off).
    static let knownDialects: Set<String> = [
        "https://json-schema.org/draft/2020-12/schema", "https://json-schema.org/draft/2019-09/schema",
        "http://json-schema.org/draft-07/schema#", "http://json-schema.org/draft-07/schema",
        "http://json-schema.org/draft-06/schema#", "http://json-schema.org/draft-06/schema",
        "http://json-schema.org/draft-04/schema#", "http://json-schema.org/draft-04/schema",
        "http://json-schema.org/schema#", "http://json-schema.org/schema",
    ]

    static let unsupportedKeywords: Set<String> = [
        "unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$recursiveRef",
    ]

    func check(_ v: JSONValue, _ schema: JSONValue, path: String, schemaPath: String, depth: Int, nestedID: Bool) throws(Failure) {
        guard depth < 64 else { throw .unsupported("$ref", schemaPath) }
        let s: JSONObject
        switch schema {
        case .bool(true): return
        case .bool(false): throw .invalid("\(path): false schema at \(schemaPath)")
        case .object(let o): s = o
        default: return
        }
        for key in s.keys where JSONSchemaValidator.unsupportedKeywords.contains(key) {
            throw .unsupported(key, "\(schemaPath)/\(key)")
        }
        let nested = nestedID || (depth > 0 && s["$id"] != nil && schemaPath != "#")
        func fail(_ keyword: String) -> Failure { .invalid("\(path.isEmpty ? "/" : path): '\(keyword)' failed at \(schemaPath)") }
        func sub(_ value: JSONValue, _ subschema: JSONValue, _ p: String, _ sp: String) throws(Failure) {
            try check(value, subschema, path: p, schemaPath: sp, depth: depth + 1, nestedID: nested)
        }

        if let ref = s["$ref"]?.stringValue {
            if nested || !ref.hasPrefix("#") { throw .unsupported("$ref", schemaPath + "/$ref") }
            guard let target = JSONPointer.resolve(ref, in: root) else { throw .unsupported("$ref", schemaPath + "/$ref") }
            try check(v, target, path: path, schemaPath: ref, depth: depth + 1, nestedID: false)
        }
        if let t = s["type"] {
            let names = t.stringValue.map { [$0] } ?? (t.arrayValue ?? []).compactMap(\.stringValue)
            if !names.contains(where: { JSONSchemaValidator.has(v, type: $0) }) { throw fail("type") }
        }
        if let e = s["enum"]?.arrayValue, !e.contains(where: { JSONSchemaValidator.equal($0, v) }) { throw fail("enum") }
        if let c = s["const"], !JSONSchemaValidator.equal(c, v) { throw fail("const") }
        try checkNumber(v, s, fail)
        try checkString(v, s, schemaPath: schemaPath, fail)
        if case .array(let a) = v { try checkArray(a, s, path: path, schemaPath: schemaPath, sub, fail) }
        if case .object(let o) = v { try checkObject(o, s, path: path, schemaPath: schemaPath, sub, fail) }

        if let all = s["allOf"]?.arrayValue {
            for (i, b) in all.enumerated() { try sub(v, b, path, "\(schemaPath)/allOf/\(i)") }
        }
        if let any = s["anyOf"]?.arrayValue {
            var ok = false
            for (i, b) in any.enumerated() where !ok {
                ok = try passes { () throws(Failure) in try sub(v, b, path, "\(schemaPath)/anyOf/\(i)") }
            }
            if !ok { throw fail("anyOf") }
        }
        if let one = s["oneOf"]?.arrayValue {
            var count = 0
            for (i, b) in one.enumerated() {
                if try passes({ () throws(Failure) in try sub(v, b, path, "\(schemaPath)/oneOf/\(i)") }) { count += 1 }
            }
            if count != 1 { throw fail("oneOf") }
        }
        if let not = s["not"] {
            if try passes({ () throws(Failure) in try sub(v, not, path, schemaPath + "/not") }) { throw fail("not") }
        }
        if let condition = s["if"] {
            if try passes({ () throws(Failure) in try sub(v, condition, path, schemaPath + "/if") }) {
                if let then = s["then"] { try sub(v, then, path, schemaPath + "/then") }
            } else if let otherwise = s["else"] {
                try sub(v, otherwise, path, schemaPath + "/else")
            }
        }
    }

    static func has(_ v: JSONValue, type: String) -> Bool {
        switch (type, v) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): return true
        case ("number", .int), ("number", .double), ("integer", .int): return true
        case ("integer", .double(let d)): return d.isFinite && d.rounded() == d
        default: return false
        }
    }

    /// JSON equality: numbers by value (1 == 1.0), objects regardless of member order.
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x == y
        case (.int, .double), (.double, .int), (.double, .double): return a.doubleValue == b.doubleValue
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { m in y[m.key].map { equal(m.value, $0) } ?? false }
        // Code point equality: Swift's String == would equate canonically equivalent spellings.
        case (.string(let x), .string(let y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
        default: return a == b
        }
    }
}
