/// The UTF-8 automaton (RFC 3629: shortest forms, no surrogates) as a byte table: state 0 is a
/// character boundary, states 1–7 are inside a multi-byte character, -1 is invalid. A parser
/// state inside a string whose characters are "anything but a few ASCII bytes" moves exactly
/// like this automaton on non-ASCII bytes, so the tokens it accepts under a trie node depend
/// only on its ASCII loop bytes (see `LoopTokens`), which lets big multilingual vocabularies
/// (Gemma's 262k) share one precomputed set instead of walking every non-ASCII token.
enum UTF8Automaton {
    static let states = 8

    /// next[state * 256 + byte]
    static let next: [Int8] = {
        var t = [Int8](repeating: -1, count: states * 256)
        func set(_ s: Int, _ bytes: ClosedRange<Int>, _ to: Int8) { for b in bytes { t[s * 256 + b] = to } }
        set(0, 0xC2...0xDF, 1)
        set(0, 0xE0...0xE0, 2)
        set(0, 0xE1...0xEC, 3)
        set(0, 0xED...0xED, 4)
        set(0, 0xEE...0xEF, 3)
        set(0, 0xF0...0xF0, 5)
        set(0, 0xF1...0xF3, 6)
        set(0, 0xF4...0xF4, 7)
        set(1, 0x80...0xBF, 0)
        set(2, 0xA0...0xBF, 1)
        set(3, 0x80...0xBF, 1)
        set(4, 0x80...0x9F, 1)
        set(5, 0x90...0xBF, 3)
        set(6, 0x80...0xBF, 3)
        set(7, 0x80...0x8F, 3)
        return t
    }()
}

extension GrammarMatcher {
    /// Whether cached state `id` mirrors `UTF8Automaton` on multi-byte characters: every lead
    /// byte and valid continuation leads through live states back to exactly `id` at the end of
    /// the character, and every invalid byte inside a character is dead. Different lead bytes may
    /// pass through different parser states (a grammar splits the ranges into alternatives), so
    /// every (automaton state, parser state) pair met is checked. Checked once per state.
    func loopsOverUTF8(_ id: Int32) -> Bool {
        if let known = arena.stateUTF8Loop[Int(id)] { return known }
        let result = checkUTF8(from: id, to: id)
        arena.stateUTF8Loop[Int(id)] = result
        return result
    }

    /// Pairs beyond this mean a grammar that is not a plain UTF-8 loop: give up (no shortcut).
    private static var maxUTF8Pairs: Int { 64 }

    /// Whether every multi-byte character read from cached state `id` leads through live states
    /// (neither `id` nor `to`) to exactly `to`, and every invalid byte inside a character is dead.
    func checkUTF8(from id: Int32, to end: Int32) -> Bool {
        characterCheck(from: id, to: end) ?? searchUTF8(from: id, to: end)
    }

    /// `checkUTF8` answered by `characterTarget`, or nil where that does not tell.
    func characterCheck(from id: Int32, to end: Int32) -> Bool? {
        guard let target = characterTarget(id) else { return nil }
        if target != end { return false }
        // `end` must not be a state met inside a character either.
        return acceptsContinuation(end) ? nil : true
    }

    /// `checkUTF8` by reading every character from `id`: a state and a row per byte of each.
    func searchUTF8(from id: Int32, to end: Int32) -> Bool {
        let ends = utf8Ends(from: id, avoiding: [id, end]) { s in
            if !rowIsFilled(s) { fillRow(s) }
            return true
        }
        return ends?.allSatisfy { $0 == end } ?? false
    }

    /// The states the multi-byte characters read from cached state `id` end in, or nil unless
    /// each one passes through live states (none of them in `avoiding`) and every invalid byte
    /// inside a character is dead. `fill` fills a state's row before it is read; false stops
    /// the walk (nil).
    func utf8Ends(from id: Int32, avoiding: [Int32] = [], fill: (Int32) -> Bool) -> [Int32]? {
        // (automaton state, parser state) pairs still to check, and those met (few: a list).
        var pending: [(Int, Int32)] = [(0, id)]
        var seen: [Int64] = [Int64(id)]
        var ends: [Int32] = []
        return UTF8Automaton.next.withUnsafeBufferPointer { automaton -> [Int32]? in
            while let (u, from) = pending.popLast() {
                guard fill(from) else { return nil }
                // The row is read after filling; pair states met below are filled on their turn.
                let row = arena.table + Int(from) &* 256
                // At a boundary only lead bytes matter (the rest is the loop's own business).
                // Runs of bytes (a character's continuation bytes) mostly share their pair: it is
                // checked once per run.
                var last = (target: -2, state: StackArena.unknown)
                for b in u == 0 ? 0xC2...0xF4 : 0...255 {
                    let target = Int(automaton[u &* 256 &+ b])
                    if u == 0 && target < 0 { continue }
                    let s = row[b]
                    if target == last.target, s == last.state { continue }
                    last = (target, s)
                    if target < 0 {
                        if s != StackArena.dead { return nil }
                    } else if s < 0 {
                        return nil
                    } else if target == 0 {
                        if !ends.contains(s) { ends.append(s) }
                    } else {
                        if avoiding.contains(s) { return nil }
                        let pair = Int64(target) << 32 | Int64(s)
                        if !seen.contains(pair) {
                            seen.append(pair)
                            if seen.count > Self.maxUTF8Pairs { return nil }
                            pending.append((target, s))
                        }
                    }
                }
            }
            return ends
        }
    }

    /// The lead bytes of multi-byte characters.
    private static let leadBytes = ByteSet(0xC2...0xF4)
    private static let continuationBytes = ByteSet(0x80...0xBF)

    /// The state every multi-byte character read from cached state `id` ends in, found without
    /// reading the characters in this context; nil where that cannot be told this way.
    ///
    /// The stacks of `id` that take a lead byte are usually the first positions of one
    /// character rule's alternatives (a string's character, called from each count of a
    /// `maxLength` chain or from each object's key), all with one parent. If those positions,
    /// read on their own with nothing below (`isCharacterRule`), take exactly the well-formed
    /// multi-byte characters, never end partway through one and end after each, then in any
    /// context every such character leads to the parent's expansion. That answer is cached by
    /// position, so each new context (a new count, a new object) costs one expansion instead
    /// of a state and a row for every byte of every character.
    func characterTarget(_ id: Int32) -> Int32? {
        var positions: [Int32] = []
        var parent: Int32? = nil
        for node in arena.stateStacks[Int(id)] {
            let pos = arena.position[Int(node)]
            guard !compiled.sets[Int(-compiled.code[Int(pos)] - 2)].isDisjoint(with: Self.leadBytes) else { continue }
            let p = arena.parent[Int(node)]
            if let parent, parent != p { return nil }
            parent = p
            positions.append(pos)
        }
        guard let parent else { return nil }
        positions.sort()
        guard isCharacterRule(positions) else { return nil }
        var out: [Int32] = []
        var complete = false
        arena.generation &+= 1
        if parent < 0 { complete = true } else { expand(node: parent, into: &out, complete: &complete) }
        out.sort()
        return arena.stateID(out, complete: complete)
    }

    /// Whether some stack of cached state `id` takes a UTF-8 continuation byte (so `id` could
    /// be met inside a character).
    private func acceptsContinuation(_ id: Int32) -> Bool {
        !allowedBytes(cachedState(id)).isDisjoint(with: Self.continuationBytes)
    }

    /// Whether terminal positions `positions` (sorted), read with nothing below them, take
    /// exactly the well-formed multi-byte characters: each lead byte and valid continuation
    /// leads on, every invalid byte inside a character is dead, no state inside a character is
    /// complete (the rule does not end partway) and each character ends complete with no stacks
    /// (the rule ends there and nothing else goes on). Cached per position set.
    func isCharacterRule(_ positions: [Int32]) -> Bool {
        if let known = arena.characterRules[positions] { return known }
        var nodes = positions.map { arena.intern($0, -1) }
        nodes.sort()
        let start = arena.stateID(nodes, complete: false)
        let done = arena.stateID([], complete: true)
        let ends = utf8Ends(from: start, avoiding: [start]) { s in
            if s != start, isComplete(s) { return false }
            if !rowIsFilled(s) { fillRow(s) }
            return true
        }
        let result = ends.map { $0 == [done] } ?? false
        arena.characterRules[positions] = result
        return result
    }
}
