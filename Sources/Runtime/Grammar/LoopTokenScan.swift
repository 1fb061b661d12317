/// The two walks behind `LoopTokens`: what a loop accepts below one trie node, given its moves
/// (`moves[u * 256 + byte]`: the UTF-8 state after `byte` in state `u`, 0 = a character
/// boundary where loop bytes stay, -1 = leaves the loop).
struct LoopTokenScan {
    /// The inside tokens as a bitmap over the vocabulary.
    var words: [UInt64]
    var insideCount = 0
    /// Edges reached through loop bytes whose own byte leaves the loop at a boundary.
    var exits: [Int32] = []
    /// Counted: per exit, the characters before it.
    var exitDepths: [UInt8] = []
    /// Counted: per token id, the characters an inside token starts (capped at 255), 0 for a
    /// token that is not inside (an inside token starts at least one). Indexed by id, so the
    /// per-count bitmaps are built word by word afterwards (`LoopTokens`) instead of scattered
    /// over all of them.
    var tokenChars: [UInt8] = []
    /// Counted: the most characters an inside token or exit with a multi-byte character on its
    /// path reaches.
    var utf8Depth = 0

    init(count: Int, counted: Bool) {
        words = [UInt64](repeating: 0, count: (count + 63) / 64)
        if counted { tokenChars = [UInt8](repeating: 0, count: count) }
    }

    /// One table for both automata: `moves[u * 256 + byte]` is the UTF-8 state after `byte` in
    /// state `u` (0 = a character boundary, where loop bytes stay), or -1 (an exit at a
    /// boundary, else a token that leaves the loop mid-character and is dropped).
    static func moves(loop: ByteSet, utf8: Bool) -> [Int8] {
        var moves = [Int8](repeating: -1, count: UTF8Automaton.states * 256)
        let automaton = UTF8Automaton.next
        for b in 0..<256 {
            if loop.contains(UInt8(b)) { moves[b] = 0 } else if utf8 { moves[b] = automaton[b] }
        }
        if utf8 { for i in 256..<moves.count { moves[i] = automaton[i] } }
        return moves
    }

    /// Counted: inside token `t` starts `chars` characters.
    @inline(__always)
    private mutating func count(_ t: Int32, chars: Int) { tokenChars[Int(t)] = UInt8(min(chars, 255)) }

    /// The whole trie as one pass over its edges in index order: an edge's parent comes before
    /// it (`TokenTrie.edgeParent`), so each node's state is known when its edges are read, and
    /// the arrays are read front to back. Then the tokens of every node that stayed inside. A
    /// walk that pops nodes one by one cost several times more per node.
    static func wholeTrie(moves: [Int8], counted: Bool, vocabulary v: TokenVocabulary) -> LoopTokenScan {
        var scan = LoopTokenScan(count: v.count, counted: counted)
        let trie = v.trie
        let nodes = trie.childStart.count
        // Per node: the UTF-8 state it is entered in (-1: not inside), and when counted the
        // characters started on its path and whether the path has a multi-byte character.
        var state = [Int8](repeating: -1, count: nodes)
        var chars = [UInt8](repeating: 0, count: counted ? nodes : 0)
        var wide = [Bool](repeating: false, count: counted ? nodes : 0)
        state[0] = 0
        var exits: [Int32] = [], exitDepths: [UInt8] = []
        var utf8Depth = 0
        moves.withUnsafeBufferPointer { moves in
            trie.edgeParent.withUnsafeBufferPointer { edgeParent in
                trie.childByte.withUnsafeBufferPointer { childByte in
                    state.withUnsafeMutableBufferPointer { state in
                        chars.withUnsafeMutableBufferPointer { chars in
                            wide.withUnsafeMutableBufferPointer { wide in
                                for k in 0..<childByte.count {
                                    let p = Int(edgeParent[k])
                                    let u = state[p]
                                    if u < 0 { continue }
                                    let next = moves[Int(u) &* 256 &+ Int(childByte[k])]
                                    if next < 0 {
                                        // Leaving mid-character drops the token; at a
                                        // boundary the edge is an exit.
                                        guard u == 0 else { continue }
                                        exits.append(Int32(k))
                                        if counted {
                                            exitDepths.append(chars[p])
                                            if wide[p] { utf8Depth = max(utf8Depth, Int(chars[p])) }
                                        }
                                        continue
                                    }
                                    let child = TokenTrie.child(k)
                                    state[child] = next
                                    if counted {
                                        let c = Int(chars[p]) &+ (u == 0 ? 1 : 0)
                                        chars[child] = UInt8(min(255, c))
                                        wide[child] = wide[p] || next != 0 || u != 0
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        scan.exits = exits
        scan.exitDepths = exitDepths
        var insideCount = 0
        var words = scan.words
        scan.words = []
        words.withUnsafeMutableBufferPointer { words in
            trie.tokenStart.withUnsafeBufferPointer { tokenStart in
                trie.nodeTokens.withUnsafeBufferPointer { nodeTokens in
                    for n in 1..<nodes where state[n] >= 0 {
                        let lo = Int(tokenStart[n]), hi = Int(tokenStart[n + 1])
                        guard lo < hi else { continue }
                        for i in lo..<hi {
                            let t = Int(nodeTokens[i])
                            words[t >> 6] |= 1 << UInt64(t & 63)
                        }
                        insideCount += hi - lo
                        if counted {
                            for i in lo..<hi { scan.count(nodeTokens[i], chars: Int(chars[n])) }
                            if wide[n] { utf8Depth = max(utf8Depth, Int(chars[n])) }
                        }
                    }
                }
            }
        }
        scan.words = words
        scan.insideCount = insideCount
        scan.utf8Depth = utf8Depth
        return scan
    }

    /// The subtree below `node`, depth first (a subtree is small next to the trie: walking
    /// only it beats a pass over every edge).
    static func subtree(_ node: Int32, moves: [Int8], counted: Bool, vocabulary v: TokenVocabulary) -> LoopTokenScan {
        var scan = LoopTokenScan(count: v.count, counted: counted)
        let trie = v.trie
        // Pending nodes packed as node << 12 | wide << 11 | chars << 3 | UTF-8 state.
        var pending: [Int64] = [Int64(node) << 12]
        while let top = pending.popLast() {
            let n = Int(top >> 12)
            let u = Int(top & 7)
            let chars = Int((top >> 3) & 0xFF)
            let wide = (top >> 11) & 1 == 1
            let childChars = min(255, chars + (u == 0 ? 1 : 0))
            let start = Int(trie.childStart[n])
            for k in start..<start + Int(trie.childCount[n]) {
                let next = moves[u &* 256 &+ Int(trie.childByte[k])]
                if next < 0 {
                    if u == 0 {
                        scan.exits.append(Int32(k))
                        if counted {
                            scan.exitDepths.append(UInt8(chars))
                            if wide { scan.utf8Depth = max(scan.utf8Depth, chars) }
                        }
                    }
                    continue
                }
                let child = TokenTrie.child(k)
                let childWide = wide || next != 0 || u != 0
                for i in Int(trie.tokenStart[child])..<Int(trie.tokenStart[child + 1]) {
                    let t = trie.nodeTokens[i]
                    scan.words[Int(t) >> 6] |= 1 << UInt64(t & 63)
                    scan.insideCount += 1
                    if counted {
                        scan.count(t, chars: childChars)
                        if childWide { scan.utf8Depth = max(scan.utf8Depth, childChars) }
                    }
                }
                guard trie.childCount[child] > 0 else { continue }
                pending.append(Int64(child) << 12 | (childWide ? 1 << 11 : 0) | Int64(childChars) << 3 | Int64(next))
            }
        }
        return scan
    }
}
