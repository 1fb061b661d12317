import Synchronization

/// What a loop state accepts under one trie node, independent of the grammar: a parser state
/// that every byte of a set L leads back to itself (inside a JSON string, L is every plain
/// character; in a run of digits, the digits) accepts every token below the node whose remaining
/// bytes all lie in L, and reaches every other allowed token through an edge labelled with a
/// byte outside L, taken from that same state. So the mask walk adds the inside tokens in one
/// bitmap OR and continues only from the exits, instead of visiting most of the trie.
struct LoopTokens: Sendable {
    /// The inside tokens as a bitmap over the vocabulary when they are many (else empty).
    let insideWords: [UInt64]
    /// The inside tokens as a list when they are few (else empty).
    let insideList: [Int32]
    /// Trie edges (indices into `TokenVocabulary.childByte`) reached from the node through loop
    /// bytes only, whose own byte is outside the loop.
    let exits: [Int32]

    init(loop: ByteSet, node: Int32, vocabulary v: TokenVocabulary) {
        var inside: [Int32] = []
        var exits: [Int32] = []
        var pending = [node]
        while let n = pending.popLast() {
            let start = Int(v.childStart[Int(n)])
            for k in start..<start + Int(v.childCount[Int(n)]) {
                guard loop.contains(v.childByte[k]) else {
                    exits.append(Int32(k))
                    continue
                }
                let child = Int(v.childNode[k])
                inside.append(contentsOf: v.nodeTokens[Int(v.tokenStart[child])..<Int(v.tokenStart[child + 1])])
                pending.append(Int32(child))
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
        let node: Int32
    }

    private let entries = Mutex<[Key: LoopTokens]>([:])
    let maxEntries = 4096

    func tokens(loop: ByteSet, node: Int32, vocabulary: TokenVocabulary) -> LoopTokens {
        let key = Key(loop: loop, node: node)
        if let known = entries.withLock({ $0[key] }) { return known }
        let computed = LoopTokens(loop: loop, node: node, vocabulary: vocabulary)
        entries.withLock { table in
            if table.count >= maxEntries { table.removeAll() }
            table[key] = computed
        }
        return computed
    }
}
