/// Regular expressions (and finite sets of strings) sharing one alphabet, each made into a
/// `CodePointDFA` on demand.
struct RegexSet {
    /// Every character class the expressions use, in order of use.
    private final class Leaves {
        var sets: [CodePointSet] = []
        func leaf(_ set: CodePointSet) -> GrammarExpr {
            sets.append(set)
            return .rule(sets.count - 1)
        }
    }

    private let leaves = Leaves()
    /// Each expression, with its character classes as `.rule(leaf)`.
    private var expressions: [GrammarExpr] = []

    /// Adds an ECMAScript pattern (unanchored ends match anything, as `RegexCompiler` reads
    /// them); returns its index.
    mutating func add(pattern: String) throws(RegexError) -> Int {
        let leaves = self.leaves
        var compiler = RegexCompiler(scalars: Array(pattern.unicodeScalars), encoder: { leaves.leaf($0) })
        expressions.append(try compiler.parseTop())
        return expressions.count - 1
    }

    /// Adds the set of exactly these strings; returns its index.
    mutating func add(strings: [String]) -> Int {
        expressions.append(.choice(strings.map { s in
            .sequence(s.unicodeScalars.map { leaves.leaf(CodePointSet([$0.value...$0.value])) })
        }))
        return expressions.count - 1
    }

    /// Adds the set of all strings; returns its index.
    mutating func addAnything() -> Int {
        expressions.append(.repeated(leaves.leaf(.any), min: 0, max: nil))
        return expressions.count - 1
    }

    /// The automata of every expression added, over one alphabet (add everything first).
    func automata() throws(CodePointDFA.TooLarge) -> [CodePointDFA] {
        let (alphabet, members) = RegexSet.alphabet(leaves.sets)
        var out: [CodePointDFA] = []
        for e in expressions {
            var nfa = NFA()
            let (start, end) = try nfa.build(e)
            out.append(try nfa.determinized(start: start, end: end, alphabet: alphabet, members: members))
        }
        return out
    }

    /// Disjoint classes covering all code points, each inside or outside every leaf set, and
    /// per leaf, whether each class is inside it.
    static func alphabet(_ sets: [CodePointSet]) -> ([CodePointSet], [[Bool]]) {
        var cuts: Set<UInt32> = [0]
        for set in sets {
            for r in set.ranges {
                cuts.insert(r.lowerBound)
                if r.upperBound < CodePointSet.maxScalar { cuts.insert(r.upperBound + 1) }
            }
        }
        let bounds = cuts.sorted()
        var classes: [CodePointSet] = []
        var bySignature: [[Bool]: Int] = [:]
        var members = Array(repeating: [Bool](), count: sets.count)
        for (i, low) in bounds.enumerated() {
            let high = i + 1 < bounds.count ? bounds[i + 1] - 1 : CodePointSet.maxScalar
            let signature = sets.map { $0.contains(low) }
            if let c = bySignature[signature] {
                classes[c].insert(low...high)
            } else {
                bySignature[signature] = classes.count
                classes.append(CodePointSet([low...high]))
                for (leaf, inside) in signature.enumerated() { members[leaf].append(inside) }
            }
        }
        return (classes, members)
    }

    /// A Thompson automaton: ε-moves and moves on a leaf's characters.
    private struct NFA {
        var epsilon: [[Int]] = []
        var moves: [[(leaf: Int, to: Int)]] = []

        mutating func state() throws(CodePointDFA.TooLarge) -> Int {
            guard epsilon.count < 4 * CodePointDFA.maxStates else { throw CodePointDFA.TooLarge() }
            epsilon.append([])
            moves.append([])
            return epsilon.count - 1
        }

        mutating func build(_ e: GrammarExpr) throws(CodePointDFA.TooLarge) -> (Int, Int) {
            let start = try state(), end = try state()
            switch e {
            case .rule(let leaf):
                moves[start].append((leaf, end))
            case .sequence(let parts):
                var at = start
                for part in parts {
                    let (s, t) = try build(part)
                    epsilon[at].append(s)
                    at = t
                }
                epsilon[at].append(end)
            case .choice(let options):
                for option in options {
                    let (s, t) = try build(option)
                    epsilon[start].append(s)
                    epsilon[t].append(end)
                }
            case .repeated(let inner, let min, let max):
                var at = start
                for _ in 0..<min {
                    let (s, t) = try build(inner)
                    epsilon[at].append(s)
                    at = t
                }
                if let max {
                    for _ in min..<max {
                        let (s, t) = try build(inner)
                        epsilon[at].append(s)
                        epsilon[at].append(end)
                        at = t
                    }
                    epsilon[at].append(end)
                } else {
                    let (s, t) = try build(inner)
                    epsilon[at].append(s)
                    epsilon[t].append(at)
                    epsilon[at].append(end)
                }
            case .bytes:
                // Not made by the recording encoder; no code point matches it here.
                break
            }
            return (start, end)
        }

        func closure(_ states: [Int]) -> [Int] {
            var seen = Set(states)
            var stack = states
            while let s = stack.popLast() {
                for n in epsilon[s] where seen.insert(n).inserted { stack.append(n) }
            }
            return seen.sorted()
        }

        func determinized(start: Int, end: Int, alphabet: [CodePointSet], members: [[Bool]]) throws(CodePointDFA.TooLarge) -> CodePointDFA {
            let first = closure([start])
            return try CodePointDFA.explore(alphabet: alphabet, start: first) { set, symbol in
                var targets: [Int] = []
                for s in set { for move in moves[s] where members[move.leaf][symbol] { targets.append(move.to) } }
                return targets.isEmpty ? nil : closure(targets)
            } accepting: { $0.contains(end) }
        }
    }
}
