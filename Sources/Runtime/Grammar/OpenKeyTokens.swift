extension LoopTokens {
    /// An entry with only inside tokens and exits (for `openKey`).
    init(insideWords: [UInt64], exits: [Int32], exitDepths: [UInt8]) {
        self.insideWords = insideWords
        insideList = []
        self.exits = exits
        self.exitDepths = exitDepths
        upTo = []
        longTokens = []
        maxDepth = Int(exitDepths.max() ?? 0)
        utf8Depth = 0
    }

    /// The entry of a state that one character from `first` (and, with `utf8`, any multi-byte
    /// character) takes to a loop over `rest` (and, with `restUTF8`, multi-byte characters):
    /// `GrammarMatcher.wideLoop`, with `first` ⊆ `rest` and `utf8` only with `restUTF8`. Derived
    /// from the loop's own whole-trie entry `loop` instead of walking the trie again: its tokens
    /// but those whose first byte only the loop takes (`rest` − `first`, and the lead bytes when
    /// only the loop runs over characters; `TokenVocabulary.byFirstByte`), and its exits but
    /// those at the root and below those bytes; plus, at depth 0, every root edge whose byte
    /// neither is in `first` nor (with `utf8`) starts a character.
    static func openKey(first: ByteSet, utf8: Bool, rest: ByteSet, restUTF8: Bool, loop: LoopTokens,
                        vocabulary v: TokenVocabulary) -> LoopTokens {
        let trie = v.trie
        var words = loop.insideWords
        if words.isEmpty {
            words = [UInt64](repeating: 0, count: (v.count + 63) / 64)
            for t in loop.insideList { words[Int(t) >> 6] |= 1 << UInt64(t & 63) }
        }
        // Bytes only the loop takes: no allowed token starts with one (the state's own edges
        // for them are walked as depth-0 exits where the grammar allows them).
        var dropped = rest.subtracting(first)
        if restUTF8, !utf8 { dropped = dropped.union(ByteSet(0xC2...0xF4)) }
        dropped.forEachMember { b in
            for i in Int(v.firstByteStart[Int(b)])..<Int(v.firstByteStart[Int(b) + 1]) {
                let t = Int(v.byFirstByte[i])
                words[t >> 6] &= ~(1 << UInt64(t & 63))
            }
        }
        var exits: [Int32] = [], depths: [UInt8] = []
        let automaton = UTF8Automaton.next
        let rootStart = Int(trie.childStart[0])
        for k in rootStart..<rootStart + Int(trie.childCount[0]) {
            let byte = trie.childByte[k]
            if !first.contains(byte), !(utf8 && automaton[Int(byte)] > 0) {
                exits.append(Int32(k))
                depths.append(0)
            }
        }
        // The loop's exits below the root, but those under a dropped first byte. An edge's
        // parent node n is reached by edge n - 1: climb to the root edge.
        for k in loop.exits {
            var e = Int(k)
            guard trie.edgeParent[e] != 0 else { continue }
            while trie.edgeParent[e] != 0 { e = Int(trie.edgeParent[e]) - 1 }
            if dropped.contains(trie.childByte[e]) { continue }
            exits.append(k)
            depths.append(1)
        }
        return LoopTokens(insideWords: words, exits: exits, exitDepths: depths)
    }
}
