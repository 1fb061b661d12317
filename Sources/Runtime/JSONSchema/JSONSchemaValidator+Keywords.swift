import Foundation

extension JSONSchemaValidator {
    typealias Sub = (JSONValue, JSONValue, String, String) throws(Failure) -> Void

    func checkNumber(_ v: JSONValue, _ s: JSONObject, _ fail: (String) -> Failure) throws(Failure) {
        guard let x = v.doubleValue else { return }
        if let m = s["minimum"]?.doubleValue {
            if s["exclusiveMinimum"] == .bool(true) ? !(x > m) : !(x >= m) { throw fail("minimum") }
        }
        if let m = s["maximum"]?.doubleValue {
            if s["exclusiveMaximum"] == .bool(true) ? !(x < m) : !(x <= m) { throw fail("maximum") }
        }
        if let m = s["exclusiveMinimum"]?.doubleValue, !(x > m) { throw fail("exclusiveMinimum") }
        if let m = s["exclusiveMaximum"]?.doubleValue, !(x < m) { throw fail("exclusiveMaximum") }
        if let m = s["multipleOf"] {
            if case .int(let a) = v, case .int(let b) = m, b != 0 {
                if a % b != 0 { throw fail("multipleOf") }
            } else if let d = m.doubleValue, d > 0 {
                let q = x / d
                if !q.isFinite { throw .unsupported("multipleOf", "multipleOf") }
                if q.rounded() != q { throw fail("multipleOf") }
            }
        }
    }

    func checkString(_ v: JSONValue, _ s: JSONObject, schemaPath: String, _ fail: (String) -> Failure) throws(Failure) {
        guard case .string(let text) = v else { return }
        let length = text.unicodeScalars.count
        if let m = s["minLength"]?.intValue, length < m { throw fail("minLength") }
        if let m = s["maxLength"]?.intValue, length > m { throw fail("maxLength") }
        if let p = s["pattern"]?.stringValue {
            guard let ok = JSONSchemaValidator.search(p, in: text) else { throw .unsupported("pattern", schemaPath + "/pattern") }
            if !ok { throw fail("pattern") }
        }
        if assertFormat, let f = s["format"]?.stringValue {
            guard let regex = StringFormats.patterns[f] else { throw .unsupported("format", schemaPath + "/format") }
            if JSONSchemaValidator.search(regex, in: text) != true { throw fail("format") }
        }
    }

    /// Whether `pattern` matches somewhere in `text`; nil if the pattern is outside the supported
    /// regex dialect.
    static func search(_ pattern: String, in text: String) -> Bool? {
        guard let expr = try? RegexCompiler.compile(pattern, encoding: .utf8) else { return nil }
        var builder = GrammarBuilder()
        let root = builder.ruleID("root")
        builder.define(root, expr)
        guard let grammar = try? builder.build(root: root) else { return nil }
        var matcher = GrammarMatcher(grammar)
        return matcher.accept(Array(text.utf8)) && matcher.isComplete
    }

    func checkArray(_ a: [JSONValue], _ s: JSONObject, path: String, schemaPath: String, _ sub: Sub, _ fail: (String) -> Failure) throws(Failure) {
        if let m = s["minItems"]?.intValue, a.count < m { throw fail("minItems") }
        if let m = s["maxItems"]?.intValue, a.count > m { throw fail("maxItems") }
        if s["uniqueItems"] == .bool(true) {
            for i in a.indices {
                for j in a.indices where j > i && JSONSchemaValidator.equal(a[i], a[j]) { throw fail("uniqueItems") }
            }
        }
        var prefix: [JSONValue] = []
        var rest: JSONValue? = nil
        var restKeyword = "items"
        if let p = s["prefixItems"]?.arrayValue {
            prefix = p
            rest = s["items"]
        } else if let p = s["items"]?.arrayValue {
            prefix = p
            rest = s["additionalItems"]
            restKeyword = "additionalItems"
        } else {
            rest = s["items"]
        }
        for (i, element) in a.enumerated() {
            if i < prefix.count {
                try sub(element, prefix[i], "\(path)/\(i)", "\(schemaPath)/\(s["prefixItems"] != nil ? "prefixItems" : "items")/\(i)")
            } else if let rest {
                try sub(element, rest, "\(path)/\(i)", "\(schemaPath)/\(restKeyword)")
            }
        }
        if let contains = s["contains"] {
            var count = 0
            for (i, element) in a.enumerated() {
                if try passes({ () throws(Failure) in try sub(element, contains, "\(path)/\(i)", schemaPath + "/contains") }) { count += 1 }
            }
            let minC = s["minContains"]?.intValue ?? 1
            if count < minC { throw fail("contains") }
            if let maxC = s["maxContains"]?.intValue, count > maxC { throw fail("maxContains") }
        }
    }

    func checkObject(_ o: JSONObject, _ s: JSONObject, path: String, schemaPath: String, _ sub: Sub, _ fail: (String) -> Failure) throws(Failure) {
        if let m = s["minProperties"]?.intValue, o.count < m { throw fail("minProperties") }
        if let m = s["maxProperties"]?.intValue, o.count > m { throw fail("maxProperties") }
        for name in (s["required"]?.arrayValue ?? []).compactMap(\.stringValue) where o[name] == nil {
            throw fail("required")
        }
        let props = s["properties"]?.objectValue ?? JSONObject()
        let patterns = s["patternProperties"]?.objectValue ?? JSONObject()
        for (key, value) in o {
            let p = "\(path)/\(JSONPointer.escape(key))"
            var matched = false
            if let ps = props[key] {
                matched = true
                try sub(value, ps, p, "\(schemaPath)/properties/\(JSONPointer.escape(key))")
            }
            for (pattern, ps) in patterns {
                guard let hit = JSONSchemaValidator.search(pattern, in: key) else {
                    throw .unsupported("patternProperties", schemaPath + "/patternProperties")
                }
                if hit {
                    matched = true
                    try sub(value, ps, p, "\(schemaPath)/patternProperties/\(JSONPointer.escape(pattern))")
                }
            }
            if !matched, let extra = s["additionalProperties"] {
                try sub(value, extra, p, schemaPath + "/additionalProperties")
            }
            if let names = s["propertyNames"] { try sub(.string(key), names, p, schemaPath + "/propertyNames") }
        }
        for (name, needs) in s["dependentRequired"]?.objectValue ?? JSONObject() where o[name] != nil {
            for n in (needs.arrayValue ?? []).compactMap(\.stringValue) where o[n] == nil { throw fail("dependentRequired") }
        }
        for (name, schema) in s["dependentSchemas"]?.objectValue ?? JSONObject() where o[name] != nil {
            try sub(.object(o), schema, path, "\(schemaPath)/dependentSchemas/\(JSONPointer.escape(name))")
        }
        for (name, dep) in s["dependencies"]?.objectValue ?? JSONObject() where o[name] != nil {
            if let needs = dep.arrayValue {
                for n in needs.compactMap(\.stringValue) where o[n] == nil { throw fail("dependencies") }
            } else {
                try sub(.object(o), dep, path, "\(schemaPath)/dependencies/\(JSONPointer.escape(name))")
            }
        }
    }
}
