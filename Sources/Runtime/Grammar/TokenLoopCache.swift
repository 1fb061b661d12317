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

    /// The memory the entry holds, roughly (what `LoopTokenCache` bounds).
    var byteCount: Int {
        insideWords.count * 8 + insideList.count * 4 + exits.count * 4 + exitDepths.count
            + upTo.reduce(0) { $0 + $1.count * 8 } + longTokens.count * 16
    }

    /// Counted entries keep bitmaps up to this many characters (a bitmap per count).
    static let countedBitmaps = 24

    init(loop: ByteSet, utf8: Bool, node: Int32, vocabulary v: TokenVocabulary, counted: Bool = false) {
        let moves = LoopTokenScan.moves(loop: loop, utf8: utf8)
        let scan = node == 0
            ? LoopTokenScan.wholeTrie(moves: moves, counted: counted, vocabulary: v)
            : LoopTokenScan.subtree(node, moves: moves, counted: counted, vocabulary: v)
        let words = scan.words, insideCount = scan.insideCount
        exits = scan.exits
        exitDepths = scan.exitDepths
        if counted {
            // Word by word: the tokens of exactly c characters in that word, then running
            // unions into upTo[c]; tokens of more characters go to the list.
            let bitmaps = Self.countedBitmaps, w = words.count
            var flat = [UInt64](repeating: 0, count: w * (bitmaps + 1))
            var long: [(token: Int32, chars: Int)] = []
            var most = 0
            scan.tokenChars.withUnsafeBufferPointer { chars in
                flat.withUnsafeMutableBufferPointer { flat in
                    var exact = [UInt64](repeating: 0, count: bitmaps + 1)
                    for i in 0..<w where words[i] != 0 {
                        for c in 0...bitmaps { exact[c] = 0 }
                        var bits = words[i]
                        while bits != 0 {
                            let t = i &* 64 &+ bits.trailingZeroBitCount
                            bits &= bits &- 1
                            let c = Int(chars[t])
                            most = max(most, c)
                            if c > bitmaps { long.append((Int32(t), c)) } else { exact[c] |= 1 << UInt64(t & 63) }
                        }
                        var running: UInt64 = 0
                        for c in 0...bitmaps {
                            running |= exact[c]
                            flat[c &* w &+ i] = running
                        }
                    }
                }
            }
            upTo = (0...bitmaps).map { c in Array(flat[c * w..<(c + 1) * w]) }
            longTokens = long
            maxDepth = max(Int(scan.exitDepths.max() ?? 0), most)
            utf8Depth = scan.utf8Depth
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
        /// (`LoopTokens.openKey`; whole trie only). Then `utf8` says whether that first
        /// character may be a multi-byte one, and `restUTF8` whether the loop runs over them.
        var rest: ByteSet? = nil
        var restUTF8 = false
    }

    /// One entry: empty until the first caller (or the warm-up) has computed it.
    private final class Entry: Sendable {
        let value = Mutex<LoopTokens?>(nil)
    }

    /// The entries, and the order they came in for eviction (oldest first, from `head`).
    private struct Table {
        var entries: [Key: Entry] = [:]
        var order: [(key: Key, entry: Entry)] = []
        var head = 0
        /// The computed entries' sizes, and their sum.
        var sizes: [Key: Int] = [:]
        var bytes = 0

        /// Drops the oldest entry still held; false when none is left.
        mutating func evictOldest() -> Bool {
            while head < order.count {
                let (key, entry) = order[head]
                head += 1
                if head > 64, head * 2 > order.count {
                    order.removeFirst(head)
                    head = 0
                }
                // A key evicted and asked for again sits in `order` twice: only its newest
                // place evicts it.
                guard let held = entries[key], held === entry else { continue }
                entries[key] = nil
                bytes -= sizes.removeValue(forKey: key) ?? 0
                return true
            }
            return false
        }
    }

    private let table = Mutex(Table())
    /// Bounds on the entries held: how many, and the bytes of the computed ones. A whole-trie
    /// entry is large (a counted one at 262k tokens: 25 bitmaps, ~0.8 MiB) and costs a pass over
    /// the trie; an entry below a node is small and cheap. Past either bound the oldest go first,
    /// so a flood of small entries does not throw away the large ones a grammar is still using.
    let maxEntries: Int
    let maxBytes: Int

    init(maxEntries: Int = 4096, maxBytes: Int = 128 << 20) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
    }

    func tokens(loop: ByteSet, utf8: Bool, node: Int32, counted: Bool = false, rest: ByteSet? = nil,
                restUTF8: Bool = false, vocabulary: TokenVocabulary) -> LoopTokens {
        let key = Key(loop: loop, utf8: utf8, node: node, counted: counted, rest: rest, restUTF8: restUTF8)
        let entry = entry(key).entry
        return entry.value.withLock { value in
            if let value { return value }
            let computed: LoopTokens
            if let rest = key.rest {
                // Derived from the loop's own entry (warmed by `prepareLoops` for strings).
                let loop = tokens(loop: rest, utf8: key.restUTF8, node: 0, vocabulary: vocabulary)
                computed = LoopTokens.openKey(first: key.loop, utf8: key.utf8, rest: rest, restUTF8: key.restUTF8,
                                              loop: loop, vocabulary: vocabulary)
            } else {
                computed = LoopTokens(loop: key.loop, utf8: key.utf8, node: key.node, vocabulary: vocabulary,
                                      counted: key.counted)
            }
            value = computed
            record(key, entry, bytes: computed.byteCount)
            return computed
        }
    }

    /// Whether the entry for `key` exists (computed or being computed).
    func contains(_ key: Key) -> Bool { table.withLock { $0.entries[key] != nil } }

    /// The bytes held by computed entries.
    var heldBytes: Int { table.withLock { $0.bytes } }

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
        table.withLock { table in
            if let known = table.entries[key] { return (known, false) }
            while table.entries.count >= maxEntries, table.evictOldest() {}
            let created = Entry()
            table.entries[key] = created
            table.order.append((key, created))
            return (created, true)
        }
    }

    /// Counts a computed entry's size (if it is still held) and evicts the oldest others while
    /// the computed entries hold more than `maxBytes`.
    private func record(_ key: Key, _ entry: Entry, bytes: Int) {
        table.withLock { table in
            guard let held = table.entries[key], held === entry else { return }
            table.sizes[key] = bytes
            table.bytes += bytes
            while table.bytes > maxBytes, table.order.count - table.head > 1 {
                // Stop at this entry: it is in use now, and the entries after it came later.
                if table.order[table.head].entry === entry { break }
                guard table.evictOldest() else { break }
            }
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
    /// also runs over UTF-8 characters); such a rule with many ASCII bytes, repeated, is a
    /// likely loop. A wrong guess costs background time only (on a small machine, time the
    /// masks would have had): entries are keyed by the exact loop, and the mask walk computes
    /// what it needs itself.
    ///
    /// `GrammarConstraint` calls this when it is made, before the prompt is processed, so the
    /// warm-up (6 ms at 262k tokens) overlaps that; `GrammarTokenConstraint` calls it too, for
    /// callers that make one directly (a second call finds the entries and returns).
    public func prepareLoops(for grammar: CompiledGrammar) {
        let keys = Self.likelyLoops(grammar)
        if keys.isEmpty || keys.allSatisfy(loopCache.contains) { return }
        loopCache.prepare(keys, vocabulary: self)
    }

    /// The entries `prepareLoops` warms up for `grammar` (at most `maxPreparedLoops`).
    static func likelyLoops(_ grammar: CompiledGrammar) -> [LoopTokenCache.Key] {
        let rules = grammar.grammar.rules
        // A character rule's single ASCII bytes and whether it has multi-byte characters,
        // through alternatives that are one rule (a key's `choice` of plain bytes, escapes and
        // a shared rule of non-ASCII characters).
        func characters(_ r: Int, depth: Int) -> (ascii: ByteSet, utf8: Bool) {
            var ascii = ByteSet()
            var utf8 = false
            for alt in rules[r] {
                switch alt.first {
                case .bytes(let first)?:
                    if first.contains(0xC2) { utf8 = true }
                    if alt.count == 1, !first.contains(0x80...0xFF) { ascii = ascii.union(first) }
                case .rule(let inner)? where alt.count == 1 && depth < 2:
                    let more = characters(inner, depth: depth + 1)
                    ascii = ascii.union(more.ascii)
                    utf8 = utf8 || more.utf8
                default:
                    break
                }
            }
            return (ascii, utf8)
        }
        var loopRules: [Int: LoopTokenCache.Key] = [:]
        for r in rules.indices {
            let (ascii, utf8) = characters(r, depth: 0)
            guard ascii.count >= 32 else { continue }
            loopRules[r] = LoopTokenCache.Key(loop: ascii, utf8: utf8, node: 0)
        }
        // Only where such a rule repeats: `x*` is lowered to `R ::= x R | ε`, bounded repetition
        // `x{0,k}` to `R_j ::= x R_(j-1) | ε` (see `GrammarBuilder.helper`), which meets chains
        // of counted states (their own entry). A character class used once (an open key's
        // first character, a name's next letter) would only take time from the masks.
        var loops: [LoopTokenCache.Key] = [], counted: [LoopTokenCache.Key] = []
        for (r, alternatives) in rules.enumerated() where alternatives.count == 2 && alternatives.contains([]) {
            guard let alt = alternatives.first(where: { !$0.isEmpty }), case .rule(let item) = alt[0],
                  var key = loopRules[item] else { continue }
            if alt.count == 2, alt[1] == .rule(r) {
                if !loops.contains(key) { loops.append(key) }
            } else if alt.count == 1 || alt.count == 2 {
                key.counted = true
                if !counted.contains(key) { counted.append(key) }
            }
        }
        return Array((loops + counted).prefix(maxPreparedLoops))
    }
}
