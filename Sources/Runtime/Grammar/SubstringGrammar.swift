/// The JSON strings whose contents are a non-empty substring of one of some texts: the grammar of a
/// value copied from a question. Built from each text's suffix automaton (the smallest automaton
/// that accepts exactly the substrings of a text: at most 2n states, 3n transitions), one rule per
/// state. Bytes JSON must escape are written escaped, and a copy never starts or ends inside a
/// UTF-8 character.
///
/// ```swift
/// let copy = SubstringGrammar.expression(of: ["Weather in Paris"], builder: &builder)   // "\"Paris\"" ok, "\"London\"" not
/// ```
enum SubstringGrammar {
    /// `"` + a substring of one of `texts` + `"`; an empty choice when every text is empty.
    static func expression(of texts: [String], builder: inout GrammarBuilder) -> GrammarExpr {
        let starts = texts.map { Array($0.utf8) }.filter { !$0.isEmpty }.map { start(of: SuffixAutomaton($0), builder: &builder) }
        return .sequence([.literal("\""), .choice(starts), .literal("\"")])
    }

    /// Rules for one automaton; returns the expression of its start state (at least one byte).
    private static func start(of automaton: SuffixAutomaton, builder: inout GrammarBuilder) -> GrammarExpr {
        let text = automaton.text
        // Rule 0 stands for the start state, which no transition enters: it is never used.
        let rules = [0] + automaton.states.indices.dropFirst().map { builder.freshRule("copy-\($0)") }
        func isContinuation(_ b: UInt8) -> Bool { b & 0xC0 == 0x80 }
        func steps(from state: Int, leading: Bool) -> [GrammarExpr] {
            automaton.states[state].next.sorted { $0.key < $1.key }.compactMap { byte, target in
                leading && isContinuation(byte) ? nil : .sequence([escaped(byte), .rule(rules[target])])
            }
        }
        for state in automaton.states.indices.dropFirst() {
            // Every substring of a state ends at the same text positions: the copy may stop here
            // when the byte after its first end is not the middle of a character.
            let end = automaton.states[state].firstEnd
            let mayStop = end + 1 >= text.count || !isContinuation(text[end + 1])
            builder.define(rules[state], .choice((mayStop ? [.empty] : []) + steps(from: state, leading: false)))
        }
        return .choice(steps(from: 0, leading: true))
    }

    /// The JSON string spelling of one byte of copied text.
    private static func escaped(_ byte: UInt8) -> GrammarExpr {
        switch byte {
        case UInt8(ascii: "\""): return .literal("\\\"")
        case UInt8(ascii: "\\"): return .literal("\\\\")
        case 0x0A: return .literal("\\n")
        case 0x09: return .literal("\\t")
        case 0x0D: return .literal("\\r")
        case 0..<0x20:
            let hex = Array("0123456789abcdef".utf8)
            return .literal([UInt8(ascii: "\\"), UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
        default: return .bytes(ByteSet(byte))
        }
    }
}

/// The suffix automaton of a byte string (Blumer et al.), built online.
struct SuffixAutomaton {
    struct State {
        var length = 0
        var link = -1
        var next: [UInt8: Int] = [:]
        /// The position of the last byte of this state's first occurrence.
        var firstEnd = -1
    }

    let text: [UInt8]
    private(set) var states = [State()]

    init(_ text: [UInt8]) {
        self.text = text
        var last = 0
        for (i, byte) in text.enumerated() {
            let current = states.count
            states.append(State(length: states[last].length + 1, firstEnd: i))
            var p = last
            while p != -1, states[p].next[byte] == nil {
                states[p].next[byte] = current
                p = states[p].link
            }
            if p == -1 {
                states[current].link = 0
            } else {
                let q = states[p].next[byte] ?? 0
                if states[p].length + 1 == states[q].length {
                    states[current].link = q
                } else {
                    var clone = states[q]
                    clone.length = states[p].length + 1
                    let cloneID = states.count
                    states.append(clone)
                    while p != -1, states[p].next[byte] == q {
                        states[p].next[byte] = cloneID
                        p = states[p].link
                    }
                    states[q].link = cloneID
                    states[current].link = cloneID
                }
            }
            last = current
        }
    }

    /// Whether `bytes` occur in the text (for tests).
    func contains(_ bytes: [UInt8]) -> Bool {
        var state = 0
        for b in bytes {
            guard let next = states[state].next[b] else { return false }
            state = next
        }
        return true
    }
}
