/// A grammar expression before lowering: the convenient form for compilers that emit grammars.
public indirect enum GrammarExpr: Hashable, Sendable {
    case bytes(ByteSet)
    case rule(Int)
    case sequence([GrammarExpr])
    case choice([GrammarExpr])
    /// `min` to `max` copies (`max == nil`: unbounded).
    case repeated(GrammarExpr, min: Int, max: Int?)

    public static let empty: GrammarExpr = .sequence([])

    /// The exact bytes of `text`.
    public static func literal(_ text: String) -> GrammarExpr { literal(Array(text.utf8)) }

    public static func literal(_ bytes: [UInt8]) -> GrammarExpr {
        bytes.count == 1 ? .bytes(ByteSet(bytes[0])) : .sequence(bytes.map { .bytes(ByteSet($0)) })
    }

    public static func optional(_ e: GrammarExpr) -> GrammarExpr { .repeated(e, min: 0, max: 1) }
}

/// Builds a `Grammar` from named rules whose bodies are `GrammarExpr`s, lowering groups and
/// repetition into helper rules.
public struct GrammarBuilder {
    private var names: [String] = []
    private var bodies: [GrammarExpr?] = []
    private var nameToID: [String: Int] = [:]
    /// The next suffix to try per `freshRule` base (without it, the k-th rule of one base
    /// tried k names).
    private var nextSuffix: [String: Int] = [:]
    /// Upper bound on lowered rules, so hostile `{m,n}` counts cannot exhaust memory.
    public var maxRules = 500_000

    public init() {}

    /// The id of the rule called `name`, declaring it if new.
    public mutating func ruleID(_ name: String) -> Int {
        if let id = nameToID[name] { return id }
        let id = names.count
        names.append(name)
        bodies.append(nil)
        nameToID[name] = id
        return id
    }

    /// A new rule with a unique name derived from `base`.
    public mutating func freshRule(_ base: String) -> Int {
        var name = base
        var n = nextSuffix[base] ?? 1
        while nameToID[name] != nil {
            name = "\(base)-\(n)"
            n += 1
        }
        nextSuffix[base] = n
        return ruleID(name)
    }

    /// The id of an already-declared rule, nil if `name` was never used.
    public func existingRuleID(_ name: String) -> Int? { nameToID[name] }

    public func isDefined(_ id: Int) -> Bool { bodies[id] != nil }

    public func name(_ id: Int) -> String { names[id] }

    /// Sets (or, for a rule defined twice, adds an alternative to) the body of rule `id`.
    public mutating func define(_ id: Int, _ body: GrammarExpr) {
        if let old = bodies[id] {
            bodies[id] = .choice([old, body])
        } else {
            bodies[id] = body
        }
    }

    /// Lowers everything into a `Grammar` starting at `root`.
    public func build(root: Int) throws(GrammarError) -> Grammar {
        var lowering = Lowering(names: names, maxRules: maxRules)
        for (id, body) in bodies.enumerated() {
            guard let body else {
                throw GrammarError(message: "rule '\(names[id])' is used but not defined", line: 0, column: 0)
            }
            lowering.rules[id] = try lowering.alternatives(of: body, owner: id)
        }
        return try Grammar(rules: lowering.rules, ruleNames: lowering.names, root: root)
    }
}

private struct Lowering {
    var names: [String]
    var rules: [[[Grammar.Element]]]
    let maxRules: Int

    init(names: [String], maxRules: Int) {
        self.names = names
        self.rules = Array(repeating: [], count: names.count)
        self.maxRules = maxRules
    }

    mutating func newRule(_ name: String) throws(GrammarError) -> Int {
        guard rules.count < maxRules else {
            throw GrammarError(message: "grammar too large (over \(maxRules) rules)", line: 0, column: 0)
        }
        rules.append([])
        names.append(name)
        return rules.count - 1
    }

    mutating func alternatives(of e: GrammarExpr, owner: Int) throws(GrammarError) -> [[Grammar.Element]] {
        if case .choice(let options) = e {
            var result: [[Grammar.Element]] = []
            for option in options { result += try alternatives(of: option, owner: owner) }
            return result
        }
        return [try sequence(of: e, owner: owner)]
    }

    mutating func sequence(of e: GrammarExpr, owner: Int) throws(GrammarError) -> [Grammar.Element] {
        switch e {
        case .bytes(let set): return [.bytes(set)]
        case .rule(let id): return [.rule(id)]
        case .sequence(let parts):
            var out: [Grammar.Element] = []
            for part in parts { out += try sequence(of: part, owner: owner) }
            return out
        case .choice(let options):
            if options.count == 1 { return try sequence(of: options[0], owner: owner) }
            return [.rule(try helper(for: e, owner: owner))]
        case .repeated(let inner, let min, let max):
            if let max, max < min {
                throw GrammarError(message: "repetition {\(min),\(max)} has max below min", line: 0, column: 0)
            }
            var out: [Grammar.Element] = []
            let item = try sequence(of: inner, owner: owner)
            for _ in 0..<min { out += item }
            if max == min { return out }
            out.append(.rule(try helper(for: .repeated(inner, min: 0, max: max.map { $0 - min }), owner: owner)))
            return out
        }
    }

    /// A helper rule for a group or an optional tail. (Not shared between equal expressions:
    /// hashing deep expression trees cost more than the duplicate rules.)
    mutating func helper(for e: GrammarExpr, owner: Int) throws(GrammarError) -> Int {
        let id = try newRule("\(names[owner])-\(rules.count)")
        switch e {
        case .repeated(let inner, _, let max):
            let item = try sequence(of: inner, owner: owner)
            if let max {
                // x{0,k} = (x x{0,k-1})?, right-nested so every continuation is a tail call; built
                // bottom-up so large k needs no deep recursion.
                var previous: Int? = nil
                for j in 1...max {
                    let rule = j == max ? id : try newRule("\(names[owner])-\(rules.count)")
                    rules[rule] = [item + (previous.map { [Grammar.Element.rule($0)] } ?? []), []]
                    previous = rule
                }
            } else {
                rules[id] = [item + [.rule(id)], []]
            }
        default:
            rules[id] = try alternatives(of: e, owner: owner)
        }
        return id
    }
}
