/// Regular expressions as deterministic automata over code points, for what the grammar of one
/// regex cannot say: a pattern together with length bounds or a format, a pattern a string must
/// not match, keys that match one pattern and not another. Several expressions share one
/// alphabet — disjoint code point classes, refined from every character class they use — so
/// their automata combine by product (intersection), by completion (complement) and with a
/// counter (length bounds), and the result is written back as grammar rules, one per state.
///
/// ```swift
/// var set = RegexSet()
/// let id = try set.add(pattern: "^[a-z][a-z0-9-]*$")
/// let dfa = try set.automata()[id].minimized().lengthBounded(min: 3, max: 63)
/// ```
struct CodePointDFA {
    /// Most states an automaton may have (subset construction, products, counters).
    static let maxStates = 20_000
    /// Most states of a length counter's product (`lengthBounded`): its states are written as
    /// rules without minimization, and a format such as email (~130 states) times a length of
    /// 1024 needs about 134 000.
    static let maxCountedStates = 160_000

    struct TooLarge: Error {}

    /// The shared alphabet: disjoint classes covering every code point.
    let alphabet: [CodePointSet]
    /// `next[state * alphabet.count + symbol]`: the next state, or -1 (no match from there).
    var next: [Int32]
    var accepting: [Bool]
    /// The start state is 0.
    var stateCount: Int { accepting.count }

    /// Whether some string is accepted.
    var isEmpty: Bool { !live().contains(true) }

    /// Whether `text`'s code points are accepted.
    func accepts(_ text: String) -> Bool {
        var state = 0
        for scalar in text.unicodeScalars {
            guard let symbol = alphabet.firstIndex(where: { $0.contains(scalar.value) }) else { return false }
            let n = next[state * alphabet.count + symbol]
            if n < 0 { return false }
            state = Int(n)
        }
        return accepting[state]
    }

    /// The strings this automaton rejects.
    func complemented() -> CodePointDFA {
        let k = alphabet.count
        var out = self
        let dead = Int32(stateCount)
        var needsDead = false
        for i in out.next.indices where out.next[i] < 0 {
            out.next[i] = dead
            needsDead = true
        }
        if needsDead {
            out.next += Array(repeating: dead, count: k)
            out.accepting.append(false)
        }
        out.accepting = out.accepting.map { !$0 }
        return out
    }

    /// The strings both accept (same alphabet).
    func intersection(_ other: CodePointDFA) throws(TooLarge) -> CodePointDFA {
        let k = alphabet.count
        return try CodePointDFA.explore(alphabet: alphabet, start: [0, 0]) { pair, symbol in
            let a = next[pair[0] * k + symbol], b = other.next[pair[1] * k + symbol]
            return a < 0 || b < 0 ? nil : [Int(a), Int(b)]
        } accepting: { pair in accepting[pair[0]] && other.accepting[pair[1]] }
    }

    /// The accepted strings of `min` to `max` code points (max nil: no upper bound).
    func lengthBounded(min: Int, max: Int?) throws(TooLarge) -> CodePointDFA {
        let k = alphabet.count
        let cap = max ?? min
        return try CodePointDFA.explore(alphabet: alphabet, start: [0, 0], limit: CodePointDFA.maxCountedStates) { key, symbol in
            let n = next[key[0] * k + symbol]
            if n < 0 { return nil }
            if let max, key[1] >= max { return nil }
            return [Int(n), Swift.min(key[1] + 1, cap)]
        } accepting: { key in accepting[key[0]] && key[1] >= min }
    }

    /// Breadth-first construction of an automaton whose states are keys reachable from `start`.
    static func explore(
        alphabet: [CodePointSet], start: [Int], limit: Int = maxStates, step: ([Int], Int) -> [Int]?,
        accepting isAccepting: ([Int]) -> Bool
    ) throws(TooLarge) -> CodePointDFA {
        let k = alphabet.count
        var index: [[Int]: Int] = [start: 0]
        var keys = [start]
        var next: [Int32] = []
        var accepting: [Bool] = []
        var i = 0
        while i < keys.count {
            let key = keys[i]
            accepting.append(isAccepting(key))
            for symbol in 0..<k {
                guard let target = step(key, symbol) else {
                    next.append(-1)
                    continue
                }
                if let j = index[target] {
                    next.append(Int32(j))
                } else {
                    guard keys.count < limit else { throw TooLarge() }
                    index[target] = keys.count
                    next.append(Int32(keys.count))
                    keys.append(target)
                }
            }
            i += 1
        }
        return CodePointDFA(alphabet: alphabet, next: next, accepting: accepting)
    }

    /// Per state, whether an accepting state can be reached from it.
    func live() -> [Bool] {
        let k = alphabet.count
        var live = accepting
        var changed = true
        while changed {
            changed = false
            for s in 0..<stateCount where !live[s] {
                for symbol in 0..<k {
                    let n = next[s * k + symbol]
                    if n >= 0 && live[Int(n)] {
                        live[s] = true
                        changed = true
                        break
                    }
                }
            }
        }
        return live
    }

    /// The same language with dead states removed and equivalent states merged (Moore's
    /// partition refinement).
    func minimized() -> CodePointDFA {
        let k = alphabet.count
        let alive = live()
        guard alive[0] else { return CodePointDFA(alphabet: alphabet, next: Array(repeating: -1, count: k), accepting: [false]) }
        // Block of each live state; dead states count as -1.
        var block = (0..<stateCount).map { alive[$0] ? (accepting[$0] ? 1 : 0) : -1 }
        var blocks = 0
        while true {
            var signatures: [[Int]: Int] = [:]
            var refined = Array(repeating: -1, count: stateCount)
            for s in 0..<stateCount where alive[s] {
                var signature = [block[s]]
                for symbol in 0..<k {
                    let n = Int(next[s * k + symbol])
                    signature.append(n < 0 ? -1 : block[n])
                }
                if let b = signatures[signature] {
                    refined[s] = b
                } else {
                    refined[s] = signatures.count
                    signatures[signature] = signatures.count
                }
            }
            let count = signatures.count
            block = refined
            if count == blocks { break }
            blocks = count
        }
        // Renumber blocks so that the start state's block is 0, in order of first reach.
        var order: [Int: Int] = [block[0]: 0]
        var representatives = [0]
        var i = 0
        while i < representatives.count {
            let s = representatives[i]
            for symbol in 0..<k {
                let n = Int(next[s * k + symbol])
                if n >= 0, block[n] >= 0, order[block[n]] == nil {
                    order[block[n]] = representatives.count
                    representatives.append(n)
                }
            }
            i += 1
        }
        var out = CodePointDFA(alphabet: alphabet, next: [], accepting: [])
        for s in representatives {
            out.accepting.append(accepting[s])
            for symbol in 0..<k {
                let n = Int(next[s * k + symbol])
                out.next.append(n < 0 || block[n] < 0 ? -1 : Int32(order[block[n]] ?? -1))
            }
        }
        return out
    }

    /// The automaton as grammar rules (one per state, made with `builder`): each state a choice
    /// of one code point from a class (spelled by `encode`) followed by the next state's rule,
    /// and the empty string where it accepts. States that cannot reach acceptance get no rule.
    /// `anyChar`, when given, spells a self-loop over every code point (a state past which
    /// anything goes): the caller's shared character rule, whose loop the mask caches already know.
    func grammar(encode: (CodePointSet) -> GrammarExpr, builder: inout GrammarBuilder, name: String,
                 anyChar: GrammarExpr? = nil) -> GrammarExpr {
        let k = alphabet.count
        let alive = live()
        guard alive[0] else { return .choice([]) }
        var rules: [Int: Int] = [:]
        for s in 0..<stateCount where alive[s] { rules[s] = builder.freshRule(name) }
        for s in 0..<stateCount where alive[s] {
            var targets: [Int: CodePointSet] = [:]
            var order: [Int] = []
            for symbol in 0..<k {
                let n = Int(next[s * k + symbol])
                guard n >= 0, alive[n] else { continue }
                if targets[n] == nil { order.append(n) }
                targets[n, default: CodePointSet()].insert(alphabet[symbol])
            }
            // A self-loop is written as a repetition before the other moves (the shape of a
            // string's character loop, which the mask's loop caches recognise).
            let loop = targets[s]
            var options: [GrammarExpr] = order.compactMap { n in
                guard n != s, let set = targets[n], let rule = rules[n] else { return nil }
                return .sequence([encode(set), .rule(rule)])
            }
            if accepting[s] { options.append(.empty) }
            let exits: GrammarExpr = options.count == 1 ? options[0] : .choice(options)
            guard let rule = rules[s] else { continue }
            if let loop {
                let everything = loop.ranges == CodePointSet.any.ranges
                let step = everything ? anyChar ?? encode(loop) : encode(loop)
                builder.define(rule, .sequence([.repeated(step, min: 0, max: nil), exits]))
            } else {
                builder.define(rule, exits)
            }
        }
        return rules[0].map { .rule($0) } ?? .choice([])
    }
}
