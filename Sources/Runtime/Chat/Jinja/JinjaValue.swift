/// A value inside the Jinja interpreter, with the Python semantics that jinja2 gives template values:
/// `1 == 1.0 == True`, `str(None) == "None"`, lists print as `['a', 1]`, a missing attribute is
/// `undefined` (prints as "", iterates as empty, fails on arithmetic).
enum JinjaValue {
    /// A name or member that does not exist; the payload names it for error messages.
    case undefined(String)
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([JinjaValue])
    case tuple([JinjaValue])
    /// What jinja2's `map`, `select`, `items`, … return: iterable, but no `len()`, no JSON, always truthy.
    case generator([JinjaValue])
    /// markupsafe's `Markup` (from `|safe`, `|escape`): a string that HTML-escapes plain strings added to it.
    case markup(String)
    /// The `loop` variable of a `for` body.
    case loop(JinjaLoop)
    case dict(JinjaDict)
    case namespace(JinjaNamespace)
    case function(JinjaFunction)

    /// Markup as a plain string; everything else unchanged.
    var unmarked: JinjaValue {
        if case .markup(let s) = self { return .string(s) }
        return self
    }

    var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }

    var isNone: Bool {
        if case .none = self { return true }
        return false
    }

    /// Python truthiness.
    var isTruthy: Bool {
        switch self {
        case .undefined, .none: false
        case .bool(let b): b
        case .int(let i): i != 0
        case .double(let d): d != 0
        case .string(let s), .markup(let s): !s.isEmpty
        case .list(let a), .tuple(let a): !a.isEmpty
        case .dict(let d): !d.isEmpty
        case .namespace, .function, .generator, .loop: true
        }
    }

    /// The Python type name, for error messages.
    var typeName: String {
        switch self {
        case .undefined: "Undefined"
        case .none: "NoneType"
        case .bool: "bool"
        case .int: "int"
        case .double: "float"
        case .string: "str"
        case .list: "list"
        case .tuple: "tuple"
        case .generator: "generator"
        case .markup: "Markup"
        case .loop: "LoopContext"
        case .dict: "dict"
        case .namespace: "Namespace"
        case .function: "function"
        }
    }

    /// The elements that `for` and list filters iterate: list items, string characters (code points, as
    /// Python does), dict keys; undefined iterates as empty.
    func iterated() throws -> [JinjaValue] {
        switch unmarked {
        case .undefined: return []
        case .list(let a), .tuple(let a), .generator(let a): return a
        case .string(let s): return s.unicodeScalars.map { .string(String($0)) }
        case .dict(let d): return d.keys
        default: throw JinjaError.type("'\(typeName)' object is not iterable")
        }
    }

    /// Python `len()`.
    func length() throws -> Int {
        switch unmarked {
        case .undefined: return 0
        case .string(let s): return s.unicodeScalars.count
        case .list(let a), .tuple(let a): return a.count
        case .dict(let d): return d.count
        default: throw JinjaError.type("object of type '\(typeName)' has no len()")
        }
    }

    /// Numeric view used by arithmetic: bools are ints in Python.
    var number: Double? {
        switch self {
        case .bool(let b): b ? 1 : 0
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }

    var integer: Int? {
        switch self {
        case .bool(let b): b ? 1 : 0
        case .int(let i): i
        default: nil
        }
    }
}

/// A Python dict: keys in insertion order, looked up with Python equality.
struct JinjaDict {
    private(set) var keys: [JinjaValue] = []
    private(set) var values: [JinjaValue] = []

    init() {}

    init(_ pairs: [(JinjaValue, JinjaValue)]) {
        for (key, value) in pairs { self[key] = value }
    }

    var count: Int { keys.count }
    var isEmpty: Bool { keys.isEmpty }
    var pairs: [(key: JinjaValue, value: JinjaValue)] { Array(zip(keys, values)).map { (key: $0.0, value: $0.1) } }

    private func index(of key: JinjaValue) -> Int? {
        if case .string(let s) = key {
            return keys.firstIndex { if case .string(let k) = $0 { k == s } else { false } }
        }
        return keys.firstIndex { $0.pythonEquals(key) }
    }

    subscript(key: JinjaValue) -> JinjaValue? {
        get { index(of: key).map { values[$0] } }
        set {
            if let i = index(of: key) {
                if let newValue { values[i] = newValue } else { keys.remove(at: i); values.remove(at: i) }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    subscript(key: String) -> JinjaValue? {
        get { self[.string(key)] }
        set { self[.string(key)] = newValue }
    }
}

/// The state behind `loop.*`: one object per `for`, advanced in place each iteration so an iteration
/// costs no allocation.
final class JinjaLoop {
    let items: [JinjaValue]
    var index0 = 0

    init(items: [JinjaValue]) {
        self.items = items
    }

    func attribute(_ name: String) -> JinjaValue? {
        let n = items.count
        switch name {
        case "index": return .int(index0 + 1)
        case "index0": return .int(index0)
        case "revindex": return .int(n - index0)
        case "revindex0": return .int(n - index0 - 1)
        case "first": return .bool(index0 == 0)
        case "last": return .bool(index0 == n - 1)
        case "length": return .int(n)
        case "depth": return .int(1)
        case "depth0": return .int(0)
        case "previtem": return index0 > 0 ? items[index0 - 1] : .undefined("loop.previtem")
        case "nextitem": return index0 < n - 1 ? items[index0 + 1] : .undefined("loop.nextitem")
        case "cycle":
            let i = index0
            return .function(JinjaFunction("loop.cycle") { args, _ in
                guard !args.positional.isEmpty else { throw JinjaError.type("no items for cycling given") }
                return args.positional[i % args.positional.count]
            })
        default: return nil
        }
    }
}

/// `namespace(...)`: the one mutable object templates get, so that a loop body can carry state out.
final class JinjaNamespace {
    var attributes = JinjaDict()
}

/// Arguments of a call: positional then keyword, as written.
struct JinjaArguments {
    var positional: [JinjaValue] = []
    var keywords: [(name: String, value: JinjaValue)] = []

    /// The argument at `index`, or the keyword `name`, or nil.
    func value(_ index: Int, _ name: String) -> JinjaValue? {
        if index < positional.count { return positional[index] }
        return keywords.first { $0.name == name }?.value
    }
}

/// A callable: a macro, a global such as `range`, or a bound method.
final class JinjaFunction {
    let name: String
    let body: (JinjaArguments, JinjaRenderer) throws -> JinjaValue

    init(_ name: String, body: @escaping (JinjaArguments, JinjaRenderer) throws -> JinjaValue) {
        self.name = name
        self.body = body
    }
}
