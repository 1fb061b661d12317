/// `oneOf` over string conditions, made exact where the branches may overlap.
extension SchemaGrammarCompiler {
    /// `oneOf` branches that each say no more than "a string" and one pattern or one format
    /// (`{"pattern": "customer"}`, `{"type": "string", "pattern": "^[0-9a-f]{24}$"}` beside
    /// `{"type": "string"}`), rewritten as branches no instance can match twice, so they compile
    /// like `anyOf`: string branch i matches its own condition and none of the others' (dropped
    /// if another branch takes every string); a non-string passes when exactly one branch leaves
    /// out `type` (patterns and formats say nothing about non-strings). Nil where the branches
    /// are not all of that form.
    mutating func exclusiveStringBranches(_ branches: [JSONValue], pointer: String) throws(JSONSchemaError) -> [JSONValue]? {
        guard branches.count >= 2 else { return nil }
        // Per branch: its condition as a regex (nil: any string), and whether it names a type.
        var conditions: [String?] = []
        var untyped = 0
        for (i, branch) in branches.enumerated() {
            guard case .object(let o) = try inlineRefs(branch, pointer: "\(pointer)/\(i)") else { return nil }
            var condition: String? = nil, typed = false
            for (key, value) in o.members where !SchemaKeywords.annotations.contains(key) {
                switch key {
                case "type":
                    guard value.stringValue == "string" || value.arrayValue == [.string("string")] else { return nil }
                    typed = true
                case "pattern":
                    guard condition == nil, let p = value.stringValue else { return nil }
                    condition = p
                case "format":
                    guard condition == nil, let f = value.stringValue, let p = StringFormats.patterns[f] else { return nil }
                    condition = p
                default:
                    return nil
                }
            }
            if !typed { untyped += 1 }
            conditions.append(condition)
        }
        let overlap = Self.overlaps(conditions)
        var out: [JSONValue] = []
        for (i, condition) in conditions.enumerated() {
            var others: [String] = []
            var excluded = false
            for (j, other) in conditions.enumerated() where j != i {
                guard let other else {
                    excluded = true
                    break
                }
                if overlap[i][j] { others.append(other) }
            }
            if excluded { continue }
            var members: [(String, JSONValue)] = [("type", .string("string"))]
            if let condition { members.append(("pattern", .string(condition))) }
            if !others.isEmpty { members.append((Self.notPatternsKey, .array(others.map { .string($0) }))) }
            out.append(.object(JSONObject(members)))
        }
        if untyped == 1 {
            let others = ["null", "boolean", "number", "array", "object"].map { JSONValue.string($0) }
            out.append(.object(JSONObject([("type", .array(others))])))
        }
        return out
    }

    /// Per pair of conditions, whether some string matches both (true where one is nil, any
    /// string, or where it cannot be decided cheaply): every pattern's automaton built once,
    /// over one alphabet, and each unordered pair intersected once.
    static func overlaps(_ conditions: [String?]) -> [[Bool]] {
        let n = conditions.count
        var overlap = [[Bool]](repeating: [Bool](repeating: true, count: n), count: n)
        var set = RegexSet()
        var ids: [Int?] = []
        for c in conditions { ids.append(c.flatMap { try? set.add(pattern: $0) }) }
        guard let automata = try? set.automata() else { return overlap }
        for i in 0..<n {
            for j in i + 1..<n {
                guard let x = ids[i], let y = ids[j], let both = try? automata[x].intersection(automata[y]) else { continue }
                overlap[i][j] = !both.isEmpty
                overlap[j][i] = overlap[i][j]
            }
        }
        return overlap
    }
}
