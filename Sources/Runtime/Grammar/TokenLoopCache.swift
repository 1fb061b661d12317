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
    /// Trie edges (indices into `TokenTrie.childByte`) reached from the node through loop
    /// bytes only, whose own byte is outside the loop.
    let exits: [Int32]
    /// For a counted entry (`ChainSteps`): per exit, the characters before it.
    let exitDepths: [UInt8]
    /// For a counted entry: `upTo[c]` is the bitmap of the inside tokens that start at most `c`
    /// characters, for c up to `countedBitmaps`; the longer ones are in `longTokens`.
    let upTo: [[UInt64]]
    /// For a counted entry: the inside tokens that start more than `countedBitmaps` characters,
    /// with their character counts.
    let longTokens: [(token: Int32, chars: Int)]
    /// For a counted entry: the most characters any inside token starts or any exit follows.
    let maxDepth: Int
    /// For a counted entry: the same, over the inside tokens and exits whose path has a
    /// multi-byte character (0 without `utf8`).
    let utf8Depth: Int

    /// Counted entries keep bitmaps up to this many characters (a bitmap per count).
    static let countedBitmaps = 24

    init(loop: ByteSet, utf8: Bool, node: Int32, vocabulary v: TokenVocabulary, counted: Bool = false) {
        // One table for both automata: moves[u * 256 + byte] is the UTF-8 state after `byte` in
        // state `u` (0 = a character boundary, where loop bytes stay), or -1 (an exit at a
        // boundary, else a token that leaves the loop mid-character and is dropped).
        var moves = [Int8](repeating: -1, count: UTF8Automaton.states * 256)
        let automaton = UTF8Automaton.next
        for b in 0..<256 {
            if loop.contains(UInt8(b)) { moves[b] = 0 } else if utf8 { moves[b] = automaton[b] }
        }
        if utf8 { for i in 256..<moves.count { moves[i] = automaton[i] } }
        var words = [UInt64](repeating: 0, count: (v.count + 63) / 64)
        var exits: [Int32] = []
        var exitDepths: [UInt8] = []
        // Counted: characters started by each inside token (capped at 255).
        var tokenChars: [(Int32, UInt8)] = []
        var utf8Depth = 0
        var insideCount = 0
        moves.withUnsafeBufferPointer { moves in
            words.withUnsafeMutableBufferPointer { words in
                v.trie.childStart.withUnsafeBufferPointer { childStart in
                    v.trie.childCount.withUnsafeBufferPointer { childCount in
                        v.trie.childByte.withUnsafeBufferPointer { childByte in
                            v.trie.childNode.withUnsafeBufferPointer { childNode in
                                v.trie.tokenStart.withUnsafeBufferPointer { tokenStart in
                                    v.trie.nodeTokens.withUnsafeBufferPointer { nodeTokens in
                                        // Inside tokens go to `words`; each kept child is entered with
                                        // its UTF-8 state (and, counted, the characters started on the
                                        // way): the whole trie in index (breadth-first) order, parents
                                        // before children, so every array is read front to back; a
                                        // subtree depth first.
                                        let whole = node == 0
                                        var state = [Int8](repeating: -1, count: whole ? childStart.count : 0)
                                        var charsAt = [UInt8](repeating: 0, count: whole && counted ? childStart.count : 0)
                                        var wideAt = [Bool](repeating: false, count: whole && counted ? childStart.count : 0)
                                        var pending: [Int64] = whole ? [] : [Int64(node) << 12]
                                        var n = 0
                                        state.withUnsafeMutableBufferPointer { state in
                                            if whole { state[0] = 0 }
                                            while true {
                                                let u: Int
                                                var chars = 0
                                                // The path to the node has a multi-byte character.
                                                var wide = false
                                                if whole {
                                                    while n < state.count, state[n] < 0 { n += 1 }
                                                    guard n < state.count else { break }
                                                    u = Int(state[n])
                                                    if counted { chars = Int(charsAt[n]); wide = wideAt[n] }
                                                } else {
                                                    guard let top = pending.popLast() else { break }
                                                    n = Int(top >> 12)
                                                    u = Int(top & 7)
                                                    chars = Int((top >> 3) & 0xFF)
                                                    wide = (top >> 11) & 1 == 1
                                                }
                                                let childChars = min(255, chars + (u == 0 ? 1 : 0))
                                                let start = Int(childStart[n])
                                                for k in start..<start + Int(childCount[n]) {
                                                    let next = moves[u &* 256 &+ Int(childByte[k])]
                                                    if next < 0 {
                                                        if u == 0 {
                                                            exits.append(Int32(k))
                                                            if counted {
                                                                exitDepths.append(UInt8(chars))
                                                                if wide { utf8Depth = max(utf8Depth, chars) }
                                                            }
                                                        }
                                                        continue
                                                    }
                                                    let child = Int(childNode[k])
                                                    let childWide = wide || next != 0 || u != 0
                                                    for i in Int(tokenStart[child])..<Int(tokenStart[child + 1]) {
                                                        let t = Int(nodeTokens[i])
                                                        words[t >> 6] |= 1 << UInt64(t & 63)
                                                        insideCount += 1
                                                        if counted {
                                                            tokenChars.append((Int32(t), UInt8(childChars)))
                                                            if childWide { utf8Depth = max(utf8Depth, childChars) }
                                                        }
                                                    }
                                                    guard childCount[child] > 0 else { continue }
                                                    if whole {
                                                        state[child] = next
                                                        if counted { charsAt[child] = UInt8(childChars); wideAt[child] = childWide }
                                                    } else {
                                                        pending.append(Int64(child) << 12 | (childWide ? 1 << 11 : 0)
                                                                       | Int64(childChars) << 3 | Int64(next))
                                                    }
                                                }
                                                if whole { n += 1 }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        self.exits = exits
        self.exitDepths = exitDepths
        if counted {
            // Per count c, the tokens of exactly c characters, then running unions.
            let bitmaps = Self.countedBitmaps
            var upTo = [[UInt64]](repeating: [UInt64](repeating: 0, count: words.count), count: bitmaps + 1)
            var long: [(token: Int32, chars: Int)] = []
            var maxDepth = Int(exitDepths.max() ?? 0)
            for (t, c) in tokenChars {
                maxDepth = max(maxDepth, Int(c))
                if Int(c) > bitmaps {
                    long.append((t, Int(c)))
                } else {
                    upTo[Int(c)][Int(t) >> 6] |= 1 << UInt64(t & 63)
                }
            }
            for c in 1...bitmaps {
                for i in 0..<words.count { upTo[c][i] |= upTo[c - 1][i] }
            }
            self.upTo = upTo
            longTokens = long
            self.maxDepth = maxDepth
            self.utf8Depth = utf8Depth
            insideWords = words
            insideList = []
            return
        }
        upTo = []
        longTokens = []
        maxDepth = 0
        self.utf8Depth = 0
        // A bitmap OR costs count/64 word operations; a list costs one insert per token.
        if insideCount > v.count / 32 {
            insideWords = words
            insideList = []
        } else {
            var list: [Int32] = []
            list.reserveCapacity(insideCount)
            for (w, word) in words.enumerated() {
                var bits = word
                while bits != 0 {
                    list.append(Int32(w * 64 + bits.trailingZeroBitCount))
                    bits &= bits &- 1
                }
            }
            insideWords = []
            insideList = list
        }
    }
}

/// `LoopTokens` per (loop bytes, trie node), computed once and shared by every grammar and thread
/// using the vocabulary. Each entry is computed under its own lock, so a mask that needs an entry
/// a background warm-up (`prepare`) is still computing waits for it instead of computing it
/// again. Bounded: past `maxEntries` it starts over.
final class LoopTokenCache: Sendable {
    struct Key: Hashable, Sendable {
        let loop: ByteSet
        let utf8: Bool
        let node: Int32
        var counted = false
        /// Set for the entry of a state that one character takes to a loop over these bytes
        /// (`LoopTokens.openKey`; whole trie only).
        var rest: ByteSet? = nil
    }

    /// One entry: empty until the first caller (or the warm-up) has computed it.
    private final class Entry: Sendable {
        let value = Mutex<LoopTokens?>(nil)
    }

    private let entries = Mutex<[Key: Entry]>([:])
    let maxEntries = 4096

    func tokens(loop: ByteSet, utf8: Bool, node: Int32, counted: Bool = false, rest: ByteSet? = nil,
                vocabulary: TokenVocabulary) -> LoopTokens {
        let key = Key(loop: loop, utf8: utf8, node: node, counted: counted, rest: rest)
        return entry(key).entry.value.withLock { value in
            if let value { return value }
            let computed: LoopTokens
            if let rest = key.rest {
                // Derived from the loop's own entry (warmed by `prepareLoops` for strings).
                let loop = tokens(loop: rest, utf8: key.utf8, node: 0, vocabulary: vocabulary)
                computed = LoopTokens.openKey(first: key.loop, rest: rest, utf8: key.utf8, loop: loop, vocabulary: vocabulary)
            } else {
                computed = LoopTokens(loop: key.loop, utf8: key.utf8, node: key.node, vocabulary: vocabulary,
                                      counted: key.counted)
            }
            value = computed
            return computed
        }
    }

    /// Whether the entry for `key` exists (computed or being computed).
    func contains(_ key: Key) -> Bool { entries.withLock { $0[key] != nil } }

    /// Starts computing the entries for `keys` that nobody has asked for yet, in the background.
    func prepare(_ keys: [Key], vocabulary: TokenVocabulary) {
        for key in keys where entry(key).isNew {
            Task.detached(priority: .utility) {
                _ = vocabulary.loopCache.tokens(loop: key.loop, utf8: key.utf8, node: key.node, counted: key.counted,
                                                vocabulary: vocabulary)
            }
        }
    }

    private func entry(_ key: Key) -> (entry: Entry, isNew: Bool) {
        entries.withLock { table in
            if let known = table[key] { return (known, false) }
            if table.count >= maxEntries { table.removeAll() }
            let created = Entry()
            table[key] = created
            return (created, true)
        }
    }
}

extension TokenVocabulary {
    /// At most this many loop shapes are warmed up per grammar.
    static let maxPreparedLoops = 4

    /// Starts building, in the background, the whole-vocabulary token sets of the loops that
    /// `grammar`'s strings will likely meet, so the first mask inside a string does not pay for
    /// a walk of the whole trie (1.4 ms at 49k tokens, 6 ms at 262k). A string's characters are a
    /// rule whose alternatives are single ASCII byte sets (the loop's bytes, together: for JSON,
    /// printable ASCII but the quote and the backslash) and multi-byte sequences (then the loop
    /// also runs over UTF-8 characters); such a rule with many ASCII bytes is a likely loop. A
    /// wrong guess costs background time only: entries are keyed by the exact loop, and the mask
    /// walk computes what it needs itself.
    ///
    /// `GrammarConstraint` calls this when it is made, before the prompt is processed, so the
    /// warm-up (6 ms at 262k tokens) overlaps that; `GrammarTokenConstraint` calls it too, for
    /// callers that make one directly (a second call finds the entries and returns).
    public func prepareLoops(for grammar: CompiledGrammar) {
        var keys: [LoopTokenCache.Key] = []
        var loopRules: [Int: LoopTokenCache.Key] = [:]
        let rules = grammar.grammar.rules
        for (r, alternatives) in rules.enumerated() where keys.count < Self.maxPreparedLoops {
            var ascii = ByteSet()
            var utf8 = false
            for alt in alternatives {
                guard case .bytes(let first) = alt.first else { continue }
                if first.contains(0xC2) { utf8 = true }
                if alt.count == 1, !first.contains(0x80...0xFF) { ascii = ascii.union(first) }
            }
            let key = LoopTokenCache.Key(loop: ascii, utf8: utf8, node: 0)
            guard ascii.count >= 32 else { continue }
            loopRules[r] = key
            if !keys.contains(key) { keys.append(key) }
        }
        // Bounded repetition of such a rule (`x{0,k}` lowered to `R_j ::= x R_(j-1) | ε`, see
        // `GrammarBuilder.helper`) meets chains of counted states: warm their entry too.
        for (r, alternatives) in rules.enumerated() where alternatives.count == 2 && alternatives.contains([]) {
            guard let alt = alternatives.first(where: { !$0.isEmpty }), case .rule(let item) = alt[0],
                  var key = loopRules[item] else { continue }
            if alt.count == 1 || (alt.count == 2 && alt[1] != .rule(r)) {
                key.counted = true
                if !keys.contains(key) { keys.append(key) }
            }
        }
        if keys.isEmpty || keys.allSatisfy(loopCache.contains) { return }
        loopCache.prepare(keys, vocabulary: self)
    }
}
