/// One token-mask computation: a depth-first walk of the vocabulary trie that steps the
/// matcher's lazily built state table one byte per edge and prunes a subtree as soon as the
/// state dies. Where a big subtree meets a loop state (inside a string, a run of digits), the
/// tokens that stay in the loop come from `LoopTokens` in one bitmap OR and the walk continues
/// only from the loop's exits, which is what keeps a mask well below the vocabulary size in work.
///
/// The table is read through raw pointers (reloaded after each transition computed, since the
/// table can grow); everything else the hot loop touches is immutable.
struct MaskWalker {
    let matcher: GrammarMatcher
    let vocabulary: TokenVocabulary
    let words: UnsafeMutablePointer<UInt64>
    private let trie: TokenTrie, subtreeTokens: [Int32]
    private var table: UnsafeMutablePointer<Int32>
    private var continues: UnsafeMutablePointer<Bool>
    /// Edges stepped one by one (`edge`), for `GrammarTokenConstraint.mask` to decide whether
    /// regions are worth searching for (`StackArena.regionsWanted`).
    private(set) var edges = 0

    /// Subtrees with fewer tokens are walked edge by edge: the loop shortcut's lookups cost more.
    static let loopMinTokens: Int32 = 64

    init(matcher: GrammarMatcher, vocabulary v: TokenVocabulary, words: UnsafeMutablePointer<UInt64>) {
        self.matcher = matcher
        self.vocabulary = v
        self.words = words
        trie = v.trie
        subtreeTokens = v.subtreeTokens
        table = matcher.arena.table
        continues = matcher.arena.continues
    }

    private mutating func reload() {
        table = matcher.arena.table
        continues = matcher.arena.continues
    }

    /// Adds every token below `node` (the node's own tokens excluded) allowed from `state`.
    mutating func walk(node: Int32, state: Int32) {
        let n = Int(node)
        // A node with few children leaves the state by few edges (`stepOne`); knowing its loop
        // would fill the state's row. If the state loops, the children meet it again.
        if subtreeTokens[n] >= MaskWalker.loopMinTokens, node == 0 || trie.childCount[n] > MaskWalker.fewEdges {
            let loop = matcher.loopBytes(state)
            let utf8 = !loop.isEmpty && matcher.loopsOverUTF8(state)
            reload()
            // A region over more bytes than the state's own loop (a run's reset state loops over
            // the characters outside the run, and the region over all of them) leaves fewer exits.
            if node == 0, matcher.arena.regionsWanted, loop.count < 64, let region = matcher.region(state),
               matcher.arena.regions[Int(region)].bytes.count > loop.count {
                reload()
                regionWalk(state: state, region)
                return
            }
            reload()
            if !loop.isEmpty {
                let inside = vocabulary.loopCache.tokens(loop: loop, utf8: utf8, node: node, vocabulary: vocabulary)
                if inside.insideWords.isEmpty {
                    for t in inside.insideList { insert(t) }
                } else {
                    inside.insideWords.withUnsafeBufferPointer { source in
                        for i in source.indices { words[i] |= source[i] }
                    }
                }
                for k in inside.exits { edge(Int(k), from: state) }
                return
            }
            if node == 0, let first = matcher.chainStep(state), chainWalk(state: state, first) { return }
            reload()
            if let split = matcher.loopSplit(state) {
                reload()
                walk(node: node, state: split.loop)
                walk(node: node, state: split.rest)
                return
            }
            reload()
        }
        let start = Int(trie.childStart[n]), count = Int(trie.childCount[n])
        let few = count <= MaskWalker.fewEdges
        for k in start..<start + count { edge(k, from: state, few: few) }
    }

    /// The shortcut through a chain of counted states (`GrammarMatcher.Chain`) for the whole
    /// trie; false when the chain does not allow it (then nothing was added). Only at the root:
    /// a counted entry holds a bitmap of the vocabulary per character count. A one-step chain
    /// into a loop takes `wideWalk` instead.
    private mutating func chainWalk(state: Int32, _ first: ChainStep) -> Bool {
        let utf8 = matcher.chainsOverUTF8(state, to: first.next)
        if wideWalk(state: state, first, utf8: utf8) { return true }
        let inside = vocabulary.loopCache.tokens(loop: first.bytes, utf8: utf8, node: 0, counted: true,
                                                 vocabulary: vocabulary)
        // Counts are exact up to 254 characters (`LoopTokens` caps them at 255). The chain is
        // followed only as far as tokens reach: each new state on it costs a row (and, as far as
        // tokens with multi-byte characters reach, a UTF-8 check).
        guard inside.maxDepth < 255,
              let chain = matcher.chain(from: state, first, utf8: utf8, limit: inside.maxDepth, utf8Steps: inside.utf8Depth)
        else { return false }
        reload()
        let m = chain.unbounded ? Int.max : chain.states.count - 1
        if chain.unbounded {
            or(inside.insideWords)
        } else {
            or(inside.upTo[min(m, LoopTokens.countedBitmaps)])
            for long in inside.longTokens where long.chars <= m { insert(long.token) }
        }
        let last = chain.states.count - 1
        for (i, k) in inside.exits.enumerated() {
            let depth = Int(inside.exitDepths[i])
            if depth <= m { edge(Int(k), from: chain.states[min(depth, last)]) }
        }
        return true
    }

    /// The shortcut for a state that one step takes into a loop over those bytes or more
    /// (`GrammarMatcher.wideLoop`), for the whole trie; false when the state is not one. `utf8`:
    /// multi-byte characters take the step too (`chainsOverUTF8`).
    private mutating func wideWalk(state: Int32, _ first: ChainStep, utf8: Bool) -> Bool {
        guard let rest = matcher.wideLoop(after: state, first, utf8: utf8) else { return false }
        reload()
        // First character from the step's bytes, the others from the loop's: its own entry.
        let wide = vocabulary.loopCache.tokens(loop: first.bytes, utf8: utf8, node: 0, rest: rest.bytes,
                                               restUTF8: rest.utf8, vocabulary: vocabulary)
        or(wide.insideWords)
        for (i, k) in wide.exits.enumerated() { edge(Int(k), from: wide.exitDepths[i] == 0 ? state : first.next) }
        return true
    }

    /// The shortcut for a state of a region (`GrammarMatcher.region`), for the whole trie: the
    /// tokens made of the region's bytes from its loop entry, then each exit from the state its
    /// path leads to, the paths stepped once each in one pass.
    private mutating func regionWalk(state: Int32, _ index: Int32) {
        let region = matcher.arena.regions[Int(index)]
        let inside = vocabulary.loopCache.tokens(loop: region.bytes, utf8: region.utf8, node: 0, vocabulary: vocabulary)
        let paths = matcher.exitPaths(index, inside, trie: trie)
        reload()
        if inside.insideWords.isEmpty {
            for t in inside.insideList { insert(t) }
        } else {
            or(inside.insideWords)
        }
        var states = [Int32](repeating: StackArena.dead, count: paths.parent.count)
        for i in states.indices {
            let p = Int(paths.parent[i])
            let from = p < 0 ? state : states[p]
            // Region bytes and characters keep every path live; the check costs nothing.
            guard from >= 0 else { continue }
            let byte = paths.byte[i]
            var next = table[Int(from) &* 256 &+ Int(byte)]
            if next == StackArena.unknown {
                next = matcher.computeStep(from, byte)
                reload()
            }
            states[i] = next
        }
        for (i, k) in inside.exits.enumerated() {
            let p = Int(paths.exitParent[i])
            let from = p < 0 ? state : states[p]
            if from >= 0 { edge(Int(k), from: from) }
        }
    }

    private func or(_ bitmap: [UInt64]) {
        bitmap.withUnsafeBufferPointer { source in
            for i in source.indices { words[i] |= source[i] }
        }
    }

    /// A node with at most this many children steps its state one byte at a time
    /// (`GrammarMatcher.stepOne`) rather than filling the state's row.
    static let fewEdges = 2

    /// Steps edge k from `state` and adds what lies below it. `few`: the state is left by few
    /// edges here (a small node, or an exit, whose bytes repeat from exit to exit): compute
    /// that one step; otherwise the step's group of the row (`GrammarMatcher.stepGroup`).
    @inline(__always)
    private mutating func edge(_ k: Int, from state: Int32, few: Bool = true) {
        edges &+= 1
        let byte = trie.childByte[k]
        var next = table[Int(state) &* 256 &+ Int(byte)]
        if next == StackArena.unknown {
            next = few ? matcher.stepOne(state, byte) : matcher.stepGroup(state, byte)
            reload()
        }
        if next < 0 { return }
        let child = TokenTrie.child(k)
        for i in Int(trie.tokenStart[child])..<Int(trie.tokenStart[child + 1]) { insert(trie.nodeTokens[i]) }
        if trie.childCount[child] > 0, continues[Int(next)] { walk(node: Int32(child), state: next) }
    }

    @inline(__always)
    private func insert(_ token: Int32) {
        words[Int(token) >> 6] |= 1 << UInt64(token & 63)
    }
}
