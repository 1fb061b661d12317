import Synchronization

/// What a loop state accepts under one trie node, independent of the grammar: a parser state
/// that every byte of a set L leads back to itself (inside a JSON string, L is every plain
/// character; in a run of digits, the digits) accepts every token below the node whose remaining
/// bytes all lie in L, and reaches every other allowed token through an edge labelled with a
/// byte outside L, taken from that same state. So the mask walk adds the inside tokens in one
/// bitmap OR and continues only from the exits, instead of visiting most of the trie. With
/// `utf8`, the state also loops over every valid multi-byte character (`UTF8Automaton`), so
/// tokens made of loop bytes and UTF-8 characters (or ending inside one) are inside too.
struct LoopTokens: Sendable {
    /// The inside tokens as a bitmap over the vocabulary when they are many (else empty).
    let insideWords: [UInt64]
    /// The inside tokens as a list when they are few (else empty).
    let insideList: [Int32]
    /// Trie edges (indices into `TokenVocabulary.childByte`) reached from the node through loop
    /// bytes only, whose own byte is outside the loop.
    let exits: [Int32]

    init(loop: ByteSet, utf8: Bool, node: Int32, vocabulary v: TokenVocabulary) {
        var inside: [Int32] = []
        var exits: [Int32] = []
        // (trie node, UTF-8 automaton state); exits happen only at character boundaries (0).
        var pending: [(Int32, Int)] = [(node, 0)]
        while let (n, u) = pending.popLast() {
            let start = Int(v.childStart[Int(n)])
            for k in start..<start + Int(v.childCount[Int(n)]) {
                let byte = v.childByte[k]
                let next: Int
                if u == 0 && loop.contains(byte) {
                    next = 0
                } else if utf8, UTF8Automaton.next[u * 256 + Int(byte)] >= 0 {
                    next = Int(UTF8Automaton.next[u * 256 + Int(byte)])
                } else {
                    if u == 0 { exits.append(Int32(k)) }
                    continue
                }
                let child = Int(v.childNode[k])
                inside.append(contentsOf: v.nodeTokens[Int(v.tokenStart[child])..<Int(v.tokenStart[child + 1])])
                pending.append((Int32(child), next))
            }
        }
        // A bitmap OR costs count/64 word operations; a list costs one insert per token.
        if inside.count > v.count / 32 {
            var mask = TokenMask(count: v.count)
            for t in inside { mask.insert(Int(t)) }
            insideWords = mask.words
            insideList = []
        } else {
            insideWords = []
            insideList = inside
        }
        self.exits = exits
    }
}

/// `LoopTokens` per (loop bytes, trie node), computed on first use and shared by every grammar
/// and thread using the vocabulary. Bounded: past `maxEntries` it starts over.
final class LoopTokenCache: Sendable {
    private struct Key: Hashable {
        let loop: ByteSet
        let utf8: Bool
        let node: Int32
    }

    private let entries = Mutex<[Key: LoopTokens]>([:])
    let maxEntries = 4096

    func tokens(loop: ByteSet, utf8: Bool, node: Int32, vocabulary: TokenVocabulary) -> LoopTokens {
        let key = Key(loop: loop, utf8: utf8, node: node)
        if let known = entries.withLock({ $0[key] }) { return known }
        let computed = LoopTokens(loop: loop, utf8: utf8, node: node, vocabulary: vocabulary)
        entries.withLock { table in
            if table.count >= maxEntries { table.removeAll() }
            table[key] = computed
        }
        return computed
    }
}
