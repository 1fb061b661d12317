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

    /// The entry of a state that one character from `first` takes to a loop over `rest`
    /// (`Chain.rest`; `first` ⊆ `rest`), derived from the loop's own whole-trie entry `loop`
    /// instead of walking the trie again: its tokens but those whose first byte is in
    /// `rest` − `first`, and its exits but those at the root and in the subtrees of those
    /// bytes; plus, at depth 0, every root edge whose byte neither is in `first` nor (with
    /// `utf8`) starts a character.
    static func openKey(first: ByteSet, rest: ByteSet, utf8: Bool, loop: LoopTokens, vocabulary v: TokenVocabulary) -> LoopTokens {
        let trie = v.trie
        var words = loop.insideWords
        if words.isEmpty {
            words = [UInt64](repeating: 0, count: (v.count + 63) / 64)
            for t in loop.insideList { words[Int(t) >> 6] |= 1 << UInt64(t & 63) }
        }
        let rootStart = Int(trie.childStart[0]), rootEnd = rootStart + Int(trie.childCount[0])
        var exits: [Int32] = [], depths: [UInt8] = []
        var excludedEdges = Set<Int32>()
        let automaton = UTF8Automaton.next
        for k in rootStart..<rootEnd {
            let byte = trie.childByte[k]
            let starts = first.contains(byte) || (utf8 && automaton[Int(byte)] > 0)
            if !starts {
                exits.append(Int32(k))
                depths.append(0)
            }
            guard rest.contains(byte), !first.contains(byte) else { continue }
            // Drop the subtree's tokens; remember its edges.
            var pending = [Int32(k)]
            while let edge = pending.popLast() {
                excludedEdges.insert(edge)
                let node = TokenTrie.child(Int(edge))
                for i in Int(trie.tokenStart[node])..<Int(trie.tokenStart[node + 1]) {
                    let t = Int(trie.nodeTokens[i])
                    words[t >> 6] &= ~(1 << UInt64(t & 63))
                }
                let start = Int(trie.childStart[node])
                for c in start..<start + Int(trie.childCount[node]) { pending.append(Int32(c)) }
            }
        }
        for k in loop.exits where !(rootStart..<rootEnd).contains(Int(k)) && !excludedEdges.contains(k) {
            exits.append(k)
            depths.append(1)
        }
        return LoopTokens(insideWords: words, exits: exits, exitDepths: depths)
    }
}
