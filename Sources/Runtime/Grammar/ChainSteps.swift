/// One step of a chain of counted states: every byte of `bytes` leads from a state to the same
/// other state `next`.
struct ChainStep: Sendable {
    let bytes: ByteSet
    let next: Int32
}

/// Chains of counted states, for the mask walk's shortcut through bounded repetition.
///
/// A string with `maxLength: 30` compiles to thirty nested optional characters: after k
/// characters the parser is in a state of its own, none of which loops, so `LoopTokens` cannot
/// serve them and every mask would walk the whole trie. But the states form a chain S₀ → S₁ →
/// … → Sₘ in which the same bytes (and UTF-8 characters) lead from each state to the next. From
/// S₀, a token made only of those bytes and characters is allowed exactly when it starts at most
/// m characters, and a token that leaves them after j characters continues from Sⱼ. So a mask in
/// S₀ is one bitmap of the tokens of at most m characters (`LoopTokens` counted) plus the exits
/// whose depth is at most m, each walked from its own state.
extension GrammarMatcher {
    /// States met on a chain and how it ends.
    struct Chain {
        /// S₀ … Sₘ, or the first `limit + 1` of a longer chain.
        var states: [Int32]
        /// The chain ends in a state that loops over the same bytes: any count is allowed.
        var unbounded: Bool
    }

    /// The chain step from cached state `id`: the live successor ≠ `id` that most ASCII bytes
    /// lead to (at least 32 of them), with every byte that leads there. Nil when there is none.
    func chainStep(_ id: Int32) -> ChainStep? {
        if let known = arena.stateChain[Int(id)] { return known.next < 0 ? nil : known }
        let found = findChainStep(id)
        arena.stateChain[Int(id)] = found ?? ChainStep(bytes: ByteSet(), next: -1)
        return found
    }

    private func findChainStep(_ id: Int32) -> ChainStep? {
        guard arena.continues[Int(id)] else { return nil }
        if !rowIsFilled(id) { fillRow(id) }
        let row = arena.table + Int(id) &* 256
        // Successors of the ASCII bytes and how many lead to each (a state has few).
        var targets: [(state: Int32, count: Int)] = []
        for b in 0..<128 {
            let s = row[b]
            guard s >= 0, s != id else { continue }
            if let i = targets.firstIndex(where: { $0.state == s }) { targets[i].count += 1 } else { targets.append((s, 1)) }
        }
        guard let best = targets.max(by: { $0.count < $1.count || ($0.count == $1.count && $0.state > $1.state) }),
              best.count >= 32 else { return nil }
        var bytes = ByteSet()
        for b in 0..<256 where row[b] == best.state { bytes.insert(UInt8(b)) }
        return ChainStep(bytes: bytes, next: best.state)
    }

    /// Whether every multi-byte character leads from chain state `id` to its chain successor
    /// (`checkUTF8`), cached per state.
    func chainsOverUTF8(_ id: Int32, to next: Int32) -> Bool {
        if let known = arena.stateChainUTF8[Int(id)] { return known }
        let result = checkUTF8(from: id, to: next)
        arena.stateChainUTF8[Int(id)] = result
        return result
    }

    /// Follows the chain from cached state `id` (whose step is `first`) over at most `limit`
    /// steps, requiring the same bytes at every step and, with `utf8`, the UTF-8 characters too
    /// on the first `utf8Steps` steps (the only ones a token with such a character reaches: the
    /// check makes states, so it is not paid where no token needs it). Nil unless the chain
    /// ends where counting is exact: in a state that no chain byte (and, with `utf8`, no UTF-8
    /// lead byte) continues, or in a state that loops over the same bytes (and characters); or
    /// runs on past `limit`.
    func chain(from id: Int32, _ first: ChainStep, utf8: Bool, limit: Int, utf8Steps: Int) -> Chain? {
        var states: [Int32] = [id]
        var step = first
        while states.count <= limit {
            if utf8, states.count <= utf8Steps, !chainsOverUTF8(states[states.count - 1], to: step.next) { return nil }
            let end = step.next
            states.append(end)
            if let next = chainStep(end), next.bytes == first.bytes {
                step = next
                continue
            }
            if !rowIsFilled(end) { fillRow(end) }
            let row = arena.table + Int(end) &* 256
            var continued = false
            first.bytes.forEachMember { if row[Int($0)] != StackArena.dead { continued = true } }
            if utf8 { for b in 0xC2...0xF4 where row[b] != StackArena.dead { continued = true } }
            if !continued { return Chain(states: states, unbounded: false) }
            let loop = loopBytes(end)
            if loop == first.bytes, !utf8 || loopsOverUTF8(end) {
                return Chain(states: states, unbounded: true)
            }
            return nil
        }
        return Chain(states: states, unbounded: false)
    }

    /// The loop that `first` leads into from cached state `id` when that loop runs over the
    /// step's bytes or more (an open object's key: its first character is any but the declared
    /// names' first letters, the others any at all): its bytes and whether it runs
    /// over multi-byte characters too. Then a mask in `id` takes the first character from the
    /// step's bytes (and, with `utf8`, multi-byte characters) and the later ones from the
    /// loop's (`LoopTokens.openKey`). Nil otherwise. Decided before any counted entry is built:
    /// such a step's byte set differs from object to object, and its counted entry (a pass over
    /// the trie and 25 bitmaps) would go unused.
    func wideLoop(after id: Int32, _ first: ChainStep, utf8: Bool) -> (bytes: ByteSet, utf8: Bool)? {
        let end = first.next
        if let next = chainStep(end), next.bytes == first.bytes { return nil }
        let loop = loopBytes(end)
        guard !loop.isEmpty, first.bytes.union(loop) == loop else { return nil }
        let loopUTF8 = loopsOverUTF8(end)
        if utf8, !loopUTF8 { return nil }
        return (loop, loopUTF8)
    }
}
