/// Finds special tokens (control, user-defined, unknown) in text before the model's encoder sees
/// it, with llama.cpp's precedence (`tokenizer_st_partition`): longer tokens are taken first
/// anywhere in the text, each token's occurrences left to right without overlap, and text that a
/// taken token covers is no longer available to shorter ones.
///
/// Rather than scanning the whole text once per special token (Gemma has over 6000), one pass
/// over a byte trie collects every occurrence; the precedence is then applied to that list.
struct SpecialTokenMatcher: Sendable {
    /// A piece of input: plain text to encode, or one special token.
    enum Fragment: Equatable {
        case text(Range<Int>)
        case token(Int32)
    }

    private struct Candidate {
        let id: Int32
        let precedence: Int32
        let start: Int
        let length: Int
    }

    /// Trie edges: `(node << 8) | byte` → child node. Node 0 is the root.
    private var edges: [UInt32: Int32] = [:]
    /// For each node, the token that ends there (-1 if none).
    private var terminal: [Int32] = [-1]
    /// Whether a token may start with each byte (fast rejection at the root).
    private var firstBytes = [Bool](repeating: false, count: 256)
    /// Precedence of each matchable token: its place in (length descending, id ascending).
    private var precedence: [Int32: Int32] = [:]
    /// Tokens matched even when special parsing is off (user-defined ones).
    private var alwaysMatched: Set<Int32> = []

    init(tokens: [(id: Int32, text: [UInt8], alwaysMatched: Bool)]) {
        let ordered = tokens.filter { !$0.text.isEmpty }.sorted {
            $0.text.count != $1.text.count ? $0.text.count > $1.text.count : $0.id < $1.id
        }
        for (rank, token) in ordered.enumerated() {
            precedence[token.id] = Int32(rank)
            if token.alwaysMatched { alwaysMatched.insert(token.id) }
            var node: Int32 = 0
            for byte in token.text {
                let key = UInt32(node) << 8 | UInt32(byte)
                if let child = edges[key] {
                    node = child
                } else {
                    let child = Int32(terminal.count)
                    terminal.append(-1)
                    edges[key] = child
                    node = child
                }
            }
            // Two tokens with the same text: llama.cpp's lookup keeps the later id.
            terminal[Int(node)] = token.id
            firstBytes[Int(token.text[0])] = true
        }
    }

    var isEmpty: Bool { precedence.isEmpty }

    /// Splits `text` into plain-text ranges and special tokens, in order.
    func partition(_ text: UnsafeBufferPointer<UInt8>, parseSpecial: Bool) -> [Fragment] {
        var candidates: [Candidate] = []
        if !isEmpty {
            for start in 0..<text.count where firstBytes[Int(text[start])] {
                var node: Int32 = 0
                var position = start
                while position < text.count, let child = edges[UInt32(node) << 8 | UInt32(text[position])] {
                    node = child
                    position += 1
                    let id = terminal[Int(node)]
                    if id >= 0, parseSpecial || alwaysMatched.contains(id), let rank = precedence[id] {
                        candidates.append(Candidate(id: id, precedence: rank, start: start, length: position - start))
                    }
                }
            }
        }
        if candidates.isEmpty { return text.isEmpty ? [] : [.text(0..<text.count)] }
        candidates.sort { $0.precedence != $1.precedence ? $0.precedence < $1.precedence : $0.start < $1.start }
        var taken = [Bool](repeating: false, count: text.count)
        var accepted: [Candidate] = []
        for candidate in candidates {
            let range = candidate.start..<(candidate.start + candidate.length)
            if range.contains(where: { taken[$0] }) { continue }
            for i in range { taken[i] = true }
            accepted.append(candidate)
        }
        accepted.sort { $0.start < $1.start }
        var fragments: [Fragment] = []
        var cursor = 0
        for match in accepted {
            if cursor < match.start { fragments.append(.text(cursor..<match.start)) }
            fragments.append(.token(match.id))
            cursor = match.start + match.length
        }
        if cursor < text.count { fragments.append(.text(cursor..<text.count)) }
        return fragments
    }
}
