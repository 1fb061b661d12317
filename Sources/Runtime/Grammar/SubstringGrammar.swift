/// The JSON strings whose contents are a span of one of some texts: the grammar of a value copied
/// from a question. A span starts at the start of a word (not at a blank) and ends at the end of
/// a word or after a punctuation mark, so a copy is never cut inside a word (`"M"` for
/// `Mississippi`) or inside a UTF-8 character, and is at most `maxLength` bytes. Built as a trie of
/// the texts' spans (one rule per node); bytes JSON must escape are written escaped.
///
/// ```swift
/// let copy = SubstringGrammar.expression(of: ["Weather in Paris"], builder: &builder)   // "\"Paris\"" ok, "\"aris\"" not
/// ```
enum SubstringGrammar {
    static let maxLength = 160

    /// `"` + a span of one of `texts` + `"`; an empty choice when no text has a word.
    static func expression(of texts: [String], builder: inout GrammarBuilder) -> GrammarExpr {
        let trie = SpanTrie(texts.map { Array($0.utf8) }, maxLength: maxLength)
        let rules = trie.nodes.indices.map { $0 == 0 ? 0 : builder.freshRule("copy-\($0)") }
        func steps(_ node: Int) -> [GrammarExpr] {
            trie.nodes[node].next.sorted { $0.key < $1.key }.map { .sequence([escaped($0.key), .rule(rules[$0.value])]) }
        }
        for node in trie.nodes.indices.dropFirst() {
            builder.define(rules[node], .choice((trie.nodes[node].mayEnd ? [.empty] : []) + steps(node)))
        }
        return .sequence([.literal("\""), .choice(steps(0)), .literal("\"")])
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

/// Every span of some texts that starts at a word and ends at a word's end or after punctuation,
/// up to a length, in one trie. Bytes of 0x80 and above count as word bytes, so spans keep whole
/// UTF-8 characters.
public struct SpanTrie {
    struct Node {
        var next: [UInt8: Int] = [:]
        /// Some span ends here.
        var mayEnd = false
    }

    private(set) var nodes = [Node()]

    init(_ texts: [[UInt8]], maxLength: Int) {
        for text in texts {
            for start in text.indices where Self.mayStart(text, at: start) {
                var node = 0
                for end in start..<min(text.count, start + maxLength) {
                    let byte = text[end]
                    if let next = nodes[node].next[byte] {
                        node = next
                    } else {
                        nodes.append(Node())
                        nodes[node].next[byte] = nodes.count - 1
                        node = nodes.count - 1
                    }
                    if Self.mayEnd(text, after: end) { nodes[node].mayEnd = true }
                }
            }
        }
    }

    /// A word byte: a letter, a digit or a byte of a multi-byte UTF-8 character (the agent's
    /// `ArgumentEvidence` matches whole words by it too).
    public static func isWord(_ b: UInt8) -> Bool {
        b >= 0x80 || (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
    }

    static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    /// A span may start at a word byte that follows a non-word byte, or at punctuation.
    static func mayStart(_ text: [UInt8], at i: Int) -> Bool {
        let b = text[i]
        if isBlank(b) || b & 0xC0 == 0x80 { return false }
        return !isWord(b) || i == 0 || !isWord(text[i - 1])
    }

    /// A span may end after byte `i` unless that byte is a blank or the next one continues its word.
    static func mayEnd(_ text: [UInt8], after i: Int) -> Bool {
        if isBlank(text[i]) { return false }
        return i + 1 == text.count || !isWord(text[i]) || !isWord(text[i + 1])
    }

    /// Whether `bytes` is a span (for tests).
    func contains(_ bytes: [UInt8]) -> Bool {
        var node = 0
        for b in bytes {
            guard let next = nodes[node].next[b] else { return false }
            node = next
        }
        return node != 0 && nodes[node].mayEnd
    }
}
