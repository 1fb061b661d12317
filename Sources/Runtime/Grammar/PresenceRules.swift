/// A condition on which of an object's members are present — what `required` says, and `not`,
/// `anyOf`, `oneOf` and `allOf` of schemas that only say `required`. JSON Schema writes "exactly
/// one of these groups of members" this way (`oneOf: [{required: [radius]}, {required: [length,
/// width]}]`), and "not both" as `not: {required: [a, b]}`. On an instance that is not an object
/// `required` holds whatever it lists.
indirect enum Presence: Equatable {
    /// Every listed name is present.
    case all([String])
    case not(Presence)
    case and([Presence])
    case or([Presence])
    /// Exactly one of the conditions holds (`oneOf`).
    case one([Presence])

    /// The condition a schema states, when it states only conditions on member presence (and
    /// annotations); nil otherwise. `$ref`s are not followed.
    static func of(_ schema: JSONValue) -> Presence? {
        switch schema {
        case .bool(true): return .and([])
        case .bool(false): return .or([])
        case .object(let s):
            var parts: [Presence] = []
            for (key, value) in s {
                if SchemaKeywords.annotations.contains(key) || !SchemaKeywords.assertions.contains(key) { continue }
                switch key {
                case "required":
                    guard let names = value.arrayValue?.compactMap(\.stringValue) else { return nil }
                    parts.append(.all(names))
                case "not":
                    guard let inner = of(value) else { return nil }
                    parts.append(.not(inner))
                case "allOf", "anyOf", "oneOf":
                    guard let branches = value.arrayValue else { return nil }
                    var inner: [Presence] = []
                    for branch in branches {
                        guard let p = of(branch) else { return nil }
                        inner.append(p)
                    }
                    parts.append(key == "allOf" ? .and(inner) : key == "anyOf" ? .or(inner) : .one(inner))
                default:
                    return nil
                }
            }
            return parts.count == 1 ? parts[0] : .and(parts)
        default:
            return nil
        }
    }

    /// Every name the condition mentions, in order of first mention.
    var names: [String] {
        var out: [String] = []
        func visit(_ p: Presence) {
            switch p {
            case .all(let n): for name in n where !out.contains(name) { out.append(name) }
            case .not(let inner): visit(inner)
            case .and(let parts), .or(let parts), .one(let parts): parts.forEach(visit)
            }
        }
        visit(self)
        return out
    }

    /// Whether the condition holds on an object whose present members (among those it mentions)
    /// are `present`, or on a non-object when `present` is nil.
    func holds(_ present: Set<String>?) -> Bool {
        switch self {
        case .all(let names): return present.map { p in names.allSatisfy(p.contains) } ?? true
        case .not(let inner): return !inner.holds(present)
        case .and(let parts): return parts.allSatisfy { $0.holds(present) }
        case .or(let parts): return parts.contains { $0.holds(present) }
        case .one(let parts): return parts.lazy.filter { $0.holds(present) }.count == 1
        }
    }
}

/// The objects a `Presence` allows, as disjoint cubes: each says which names are present and
/// which absent, leaving the others free.
struct PresenceCubes {
    struct Cube: Equatable {
        var present: [String] = []
        var absent: [String] = []
    }

    /// The cubes, or nil when there are more than `maxCubes` (or more than 12 names to split on).
    let cubes: [Cube]
    /// Whether instances that are not objects satisfy the condition.
    let nonObjects: Bool

    init?(_ condition: Presence, fixedPresent: Set<String>, maxCubes: Int) {
        let variables = condition.names.filter { !fixedPresent.contains($0) }
        guard variables.count <= 12 else { return nil }
        nonObjects = condition.holds(nil)
        // Shannon splitting: a name at a time, until the condition is constant on what is left.
        var out: [Cube] = []
        var stack: [(Int, Cube)] = [(0, Cube())]
        while let (next, cube) = stack.popLast() {
            let free = Array(variables[next...])
            let decided = fixedPresent.union(cube.present)
            var anyTrue = false, anyFalse = false
            for pattern in 0..<(1 << free.count) {
                var present = decided
                for (bit, name) in free.enumerated() where pattern & (1 << bit) != 0 { present.insert(name) }
                if condition.holds(present) { anyTrue = true } else { anyFalse = true }
                if anyTrue && anyFalse { break }
            }
            if !anyFalse {
                out.append(cube)
                guard out.count <= maxCubes else { return nil }
            } else if anyTrue {
                var absent = cube, present = cube
                absent.absent.append(variables[next])
                present.present.append(variables[next])
                stack.append((next + 1, absent))
                stack.append((next + 1, present))
            }
        }
        cubes = out
    }
}

extension Presence {
    /// An object schema's conditions on member presence — `oneOf`/`not` whose branches only say
    /// `required`, `anyOf` of such branches next to one of those, and the name-list entries of
    /// `dependencies`/`dependentRequired` — joined in that order, and the schema without them.
    /// Nil when it has none. (`SchemaConformance.canonicalOrder` writes present names in the
    /// order the condition mentions them, as the variants require them.)
    static func split(_ schema: JSONObject) -> (Presence, JSONObject)? {
        var rest = schema
        var parts: [Presence] = []
        for key in ["oneOf", "not"] {
            guard let value = schema[key], let p = Presence.of(key == "not" ? value : .object(JSONObject([(key, value)]))) else { continue }
            parts.append(key == "not" ? .not(p) : p)
            rest[key] = nil
        }
        // `anyOf` of presence branches only when something else here is a presence condition
        // (alone, the usual merge of each branch is exact and smaller).
        if !parts.isEmpty, let value = schema["anyOf"], let p = Presence.of(.object(JSONObject([("anyOf", value)]))) {
            parts.append(p)
            rest["anyOf"] = nil
        }
        for key in ["dependencies", "dependentRequired"] {
            guard let deps = schema[key]?.objectValue else { continue }
            var remaining = JSONObject()
            for (trigger, dep) in deps {
                if let names = dep.arrayValue?.compactMap(\.stringValue), names.count == dep.arrayValue?.count {
                    // Needs first: the names go into `required` in order of mention, and
                    // `SchemaConformance.canonicalOrder` writes a dependency's needs before it.
                    parts.append(.or([.all(names), .not(.all([trigger]))]))
                } else {
                    remaining[trigger] = dep
                }
            }
            guard remaining.count < deps.count else { continue }
            rest[key] = remaining.isEmpty ? nil : .object(remaining)
        }
        guard !parts.isEmpty else { return nil }
        return (parts.count == 1 ? parts[0] : .and(parts), rest)
    }
}

extension SchemaGrammarCompiler {
    /// An object schema's conditions on member presence — `oneOf`/`anyOf`/`not` whose branches
    /// only say `required`, and `dependencies`/`dependentRequired` that list names — as variants
    /// of the schema without them: one per cube of present and absent members (present ones
    /// required, absent ones `false`), restricted to objects, plus the schema for the other
    /// types when the condition holds for non-objects. Exact, whatever the overlap of `oneOf`
    /// branches. Nil when the schema has no such condition.
    mutating func presenceVariants(_ schema: JSONObject, pointer: String) throws(JSONSchemaError) -> [JSONObject]? {
        guard let (condition, rest) = Presence.split(schema) else { return nil }
        let required = Set((schema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        guard let split = PresenceCubes(condition, fixedPresent: required, maxCubes: 32) else {
            try unsupported("conditions on which members are present split into more than 32 cases", pointer)
            return nil
        }
        var variants: [JSONObject] = []
        for cube in split.cubes {
            var v = try merge(rest, .object(JSONObject([("type", .string("object"))])), pointer: pointer)
            var names = (v["required"]?.arrayValue ?? []).compactMap(\.stringValue)
            for n in cube.present where !names.contains(n) { names.append(n) }
            if !names.isEmpty { v["required"] = .array(names.map { .string($0) }) }
            if !cube.absent.isEmpty {
                var props = v["properties"]?.objectValue ?? JSONObject()
                for n in cube.absent { props[n] = .bool(false) }
                v["properties"] = .object(props)
            }
            variants.append(v)
        }
        if split.nonObjects {
            let types = (SchemaGrammarCompiler.types(of: rest) ?? SchemaKeywords.allTypes).subtracting(["object"])
            if !types.isEmpty {
                var v = rest
                v["type"] = .array(types.sorted().map { .string($0) })
                variants.append(v)
            }
        }
        return variants
    }
}
