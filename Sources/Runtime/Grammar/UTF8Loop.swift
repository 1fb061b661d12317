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
                for b in u == 0 ? 0xC2...0xF4 : 0...255 {
                    let target = Int(automaton[u &* 256 &+ b])
                    if u == 0 && target < 0 { continue }
                    let s = row[b]
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
}
