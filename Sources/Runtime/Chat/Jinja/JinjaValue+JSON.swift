/// Conversion between JSON documents and interpreter values.
extension JinjaValue {
    init(_ json: JSONValue) {
        switch json {
        case .null: self = .none
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .list(a.map(JinjaValue.init))
        case .object(let o): self = .dict(JinjaDict(o.members.map { (.string($0.key), JinjaValue($0.value)) }))
        }
    }

    /// The value as JSON; nil for values JSON cannot hold (undefined, functions, non-string keys).
    var jsonValue: JSONValue? {
        switch self {
        case .undefined, .function, .generator, .loop: return nil
        case .none: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s), .markup(let s): return .string(s)
        case .list(let a), .tuple(let a):
            var out: [JSONValue] = []
            for item in a {
                guard let j = item.jsonValue else { return nil }
                out.append(j)
            }
            return .array(out)
        case .dict(let d):
            return JinjaValue.jsonObject(d)
        case .namespace(let n):
            return JinjaValue.jsonObject(n.attributes)
        }
    }

    private static func jsonObject(_ d: JinjaDict) -> JSONValue? {
        var object = JSONObject()
        for pair in d.pairs {
            guard case .string(let key) = pair.key, let value = pair.value.jsonValue else { return nil }
            object[key] = value
        }
        return .object(object)
    }
}
