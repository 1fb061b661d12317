/// A context-free grammar over bytes: the common form that GBNF text, JSON Schemas and regular
/// expressions compile to, and that `GrammarMatcher` runs.
///
/// Each rule is a list of alternatives; each alternative is a sequence of elements, either a set of
/// bytes (one input byte) or a reference to another rule. Repetition and grouping are lowered to
/// helper rules when the grammar is built (see `GrammarBuilder`), with repetition written
/// right-recursively so the matcher's stacks stay flat. Left recursion is rejected at build time.
///
/// ```swift
/// let grammar = try Grammar(gbnf: #"root ::= "yes" | "no""#)
/// var matcher = GrammarMatcher(grammar: grammar)
/// ```
public struct Grammar: Sendable {
    /// One element of an alternative.
    public enum Element: Hashable, Sendable {
        case bytes(ByteSet)
        case rule(Int)
    }

    /// The rules' alternatives, indexed by rule id.
    public let rules: [[[Element]]]
    /// Rule names, for messages (helper rules get derived names).
    public let ruleNames: [String]
    /// The start rule.
    public let root: Int

    init(rules: [[[Element]]], ruleNames: [String], root: Int) throws(GrammarError) {
        self.rules = rules
        self.ruleNames = ruleNames
        self.root = root
        try checkNoLeftRecursion()
    }

    /// Which rules can match the empty string.
    func nullableRules() -> [Bool] {
        var nullable = [Bool](repeating: false, count: rules.count)
        var changed = true
        while changed {
            changed = false
            // Helper rules come after the rules using them, so a backward sweep converges fast.
            for r in rules.indices.reversed() where !nullable[r] {
                let alternatives = rules[r]
                let canBeEmpty = alternatives.contains { alt in
                    alt.allSatisfy { if case .rule(let s) = $0 { nullable[s] } else { false } }
                }
                if canBeEmpty {
                    nullable[r] = true
                    changed = true
                }
            }
        }
        return nullable
    }

    /// A rule that can reach itself without consuming a byte would make the matcher expand forever.
    private func checkNoLeftRecursion() throws(GrammarError) {
        let nullable = nullableRules()
        var leftEdges = [[Int]](repeating: [], count: rules.count)
        for (r, alternatives) in rules.enumerated() {
            for alt in alternatives {
                for element in alt {
                    guard case .rule(let s) = element else { break }
                    leftEdges[r].append(s)
                    if !nullable[s] { break }
                }
            }
        }
        // Iterative DFS colouring: 1 = on the current path, 2 = finished.
        var colour = [UInt8](repeating: 0, count: rules.count)
        for start in rules.indices where colour[start] == 0 {
            var path: [(rule: Int, next: Int)] = [(start, 0)]
            colour[start] = 1
            while let top = path.last {
                if top.next < leftEdges[top.rule].count {
                    path[path.count - 1].next += 1
                    let s = leftEdges[top.rule][top.next]
                    if colour[s] == 1 {
                        throw GrammarError(message: "rule '\(ruleNames[s])' is left-recursive", line: 0, column: 0)
                    }
                    if colour[s] == 0 {
                        colour[s] = 1
                        path.append((s, 0))
                    }
                } else {
                    colour[top.rule] = 2
                    path.removeLast()
                }
            }
        }
    }
}

/// An error building or parsing a grammar. `line` and `column` are 1-based positions in GBNF text,
/// 0 when the error is not tied to a place in a text.
public struct GrammarError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public let line: Int
    public let column: Int
    public var description: String {
        line > 0 ? "grammar error at line \(line), column \(column): \(message)" : "grammar error: \(message)"
    }
}
