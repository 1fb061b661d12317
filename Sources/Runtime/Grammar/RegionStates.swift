/// Regions of cached parser states, for the mask walk's shortcut where no single state loops.
///
/// An unanchored pattern such as `[a-z0-9_-]{162}` inside a string (the string must contain such
/// a run somewhere) puts the parser in a new state after every character: the run's length
/// changes with each one, and any other character sets it back to zero. No state loops, so
/// `LoopTokens` cannot serve a mask, and every mask walked the whole trie (2.9 ms at 262k tokens).
/// But the states form a region R closed under a byte set L: every byte of L leads from every
/// state of R to a state of R (and, with `utf8`, so does every multi-byte character, through
/// live states). From any state of R, a token made of L bytes and such characters is therefore
/// allowed — the same tokens as a loop over L, one cached bitmap — and every other allowed token
/// leaves L at some edge, reached from the state its path led to. Those paths are few (inside a
/// string: the quote, the backslash, control bytes), so a mask is the bitmap plus a short pass
/// over them (`ExitPaths`).
struct StateRegion {
    let bytes: ByteSet
    let utf8: Bool
    /// The paths to the exits of the region's whole-trie `LoopTokens`, built on first use.
    var paths: ExitPaths?
}

/// The trie nodes on the way from the root to the exits of a whole-trie `LoopTokens` entry,
/// parents first, so one pass over them in order steps a state down every path once.
struct ExitPaths {
    /// Per node on the paths: the index of its parent node here (-1: the root), and its byte.
    let parent: [Int32]
    let byte: [UInt8]
    /// Per exit of the entry: the index here of the node it leaves (-1: the root).
    let exitParent: [Int32]

    init(exits: [Int32], trie: TokenTrie) {
        var parent: [Int32] = [], byte: [UInt8] = [], exitParent: [Int32] = []
        exitParent.reserveCapacity(exits.count)
        var index: [Int32: Int32] = [:]
        // Node n (> 0) is entered by edge n - 1 (`TokenTrie` numbers nodes as it adds edges).
        func place(_ node: Int32) -> Int32 {
            if node == 0 { return -1 }
            if let known = index[node] { return known }
            let up = place(trie.edgeParent[Int(node) - 1])
            parent.append(up)
            byte.append(trie.childByte[Int(node) - 1])
            let at = Int32(parent.count - 1)
            index[node] = at
            return at
        }
        for k in exits { exitParent.append(place(trie.edgeParent[Int(k)])) }
        self.parent = parent
        self.byte = byte
        self.exitParent = exitParent
    }
}

extension GrammarMatcher {
    /// Regions bigger than this are not followed (the search fills a row per state).
    static var maxRegionStates: Int { 1024 }
    /// The most stacks the rows a search fills may hold together: a row costs about one
    /// expansion per stack and byte class, and the states of a nondeterministic grammar (an
    /// unanchored alternation of literals) hold hundreds of stacks each.
    static var maxRegionWork: Int { 16_000 }

    /// The region (an index into `arena.regions`) cached state `id` belongs to, or nil. Found
    /// once per state; every state of a region found gets it too.
    func region(_ id: Int32) -> Int32? {
        let known = arena.stateRegion[Int(id)]
        if known != StackArena.unknown { return known < 0 ? nil : known }
        let (found, met) = findRegion(id)
        guard let found else {
            // States met on the way reach the same dead ends (a chain of counted states ends in
            // one): searching again from each would cost the same pass per state.
            for s in met where arena.stateRegion[Int(s)] == StackArena.unknown { arena.stateRegion[Int(s)] = -1 }
            arena.stateRegion[Int(id)] = -1
            return nil
        }
        let index = Int32(arena.regions.count)
        arena.regions.append(StateRegion(bytes: found.bytes, utf8: found.utf8))
        for s in found.states where arena.stateRegion[Int(s)] == StackArena.unknown { arena.stateRegion[Int(s)] = index }
        arena.stateRegion[Int(id)] = index
        return index
    }

    /// The exit paths of region `index` for `loop`, its whole-trie entry (built once).
    func exitPaths(_ index: Int32, _ loop: LoopTokens, trie: TokenTrie) -> ExitPaths {
        if let known = arena.regions[Int(index)].paths, known.exitParent.count == loop.exits.count { return known }
        let built = ExitPaths(exits: loop.exits, trie: trie)
        arena.regions[Int(index)].paths = built
        return built
    }

    /// A region around `id`, found by shrinking L from the ASCII bytes `id` allows: follow
    /// every L byte (and with `utf8` every multi-byte character) from every state met; where a
    /// state has no successor over some L bytes, drop from L either those bytes or the bytes
    /// that led to the state, whichever are fewer (a backslash leads to an escape, where most
    /// bytes are dead: drop the backslash; a chain of counted states ends where every byte is
    /// dead: drop them all), and start again. First with UTF-8 characters (a string's), then
    /// without. Nil when L falls below 32 bytes, the region passes `maxRegionStates`, or `id` is
    /// its only state (a loop: `loopBytes`). Also returns the states met.
    private func findRegion(_ id: Int32) -> (found: (bytes: ByteSet, utf8: Bool, states: [Int32])?, met: [Int32]) {
        guard arena.continues[Int(id)] else { return (nil, []) }
        if !rowIsFilled(id) { fillRow(id) }
        var allowed = ByteSet()
        let first = arena.table + Int(id) &* 256
        for b in 0..<128 where first[b] >= 0 { allowed.insert(UInt8(b)) }
        // A chain of counted states (a string's `maxLength`) sends nearly every byte one step on
        // and ends where none is allowed: no region, and searching would make every state of a
        // long chain (`chain` follows it only as far as tokens reach). A region's states send
        // many bytes elsewhere too (a run's other characters start it over).
        if let step = chainStep(id), allowed.subtracting(step.bytes).count < 8 { return (nil, []) }
        var met: [Int32] = []
        var work = 0
        func fill(_ s: Int32) -> Bool {
            if rowIsFilled(s) { return true }
            work += arena.stateStacks[Int(s)].count
            fillRow(s)
            return work <= Self.maxRegionWork
        }
        for utf8 in [true, false] {
            var loop = allowed
            while loop.count >= 32 {
                var members: [UInt8] = []
                loop.forEachMember { members.append($0) }
                // The states met, and for each the index of the state it was met from (-1: `id`).
                var states: [Int32] = [id], from: [Int] = [-1]
                var seen: Set<Int32> = [id]
                var drop = ByteSet(), utf8Failed = false
                var i = 0
                search: while i < states.count {
                    let r = states[i]
                    i += 1
                    guard fill(r) else { return (nil, states) }
                    let row = arena.table + Int(r) &* 256
                    var failing = ByteSet()
                    for b in members where row[Int(b)] < 0 { failing.insert(b) }
                    if !failing.isEmpty {
                        var entry = ByteSet()
                        if from[i - 1] >= 0 {
                            let up = arena.table + Int(states[from[i - 1]]) &* 256
                            for b in members where up[Int(b)] == r { entry.insert(b) }
                        }
                        drop = !entry.isEmpty && entry.count < failing.count ? entry : failing
                        break search
                    }
                    for b in members {
                        let t = row[Int(b)]
                        if seen.insert(t).inserted {
                            states.append(t)
                            from.append(i - 1)
                            if states.count > Self.maxRegionStates { return (nil, states) }
                        }
                    }
                    if utf8 {
                        guard let ends = utf8Ends(from: r, fill: fill) else {
                            if work > Self.maxRegionWork { return (nil, states) }
                            utf8Failed = true
                            break search
                        }
                        for t in ends where seen.insert(t).inserted {
                            states.append(t)
                            from.append(i - 1)
                            if states.count > Self.maxRegionStates { return (nil, states) }
                        }
                    }
                }
                met = states
                if utf8Failed { break }
                if drop.isEmpty {
                    return states.count > 1 ? ((loop, utf8, states), states) : (nil, [])
                }
                loop = loop.subtracting(drop)
            }
        }
        return (nil, met)
    }
}
