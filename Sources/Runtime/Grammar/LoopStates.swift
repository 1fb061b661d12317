/// Loop structure of cached parser states, found once per state, for the mask walk's shortcuts.
extension GrammarMatcher {
    /// The bytes that lead from cached state `id` back to itself (a loop such as a string's
    /// characters or a number's digits).
    func loopBytes(_ id: Int32) -> ByteSet {
        if let known = arena.stateLoop[Int(id)] { return known }
        var loop = ByteSet()
        if arena.continues[Int(id)] {
            if !rowIsFilled(id) { fillRow(id) }
            let row = arena.table + Int(id) * 256
            for b in 0..<256 where row[b] == id { loop.insert(UInt8(b)) }
        }
        arena.stateLoop[Int(id)] = loop
        return loop
    }

    /// A state that is not a loop but contains one: some byte leads to a proper subset of its
    /// stacks that loops (a property name that is one of a few literals or any string: after a
    /// byte no literal starts with, only the any-string stacks remain, and they loop). The
    /// allowed tokens of a state are the union of those of any partition of its stacks, since
    /// stacks advance independently, so the walk handles the two parts separately and the loop
    /// part gets the shortcut. Returns the state ids of (loop part, rest), or nil.
    func loopSplit(_ id: Int32) -> (loop: Int32, rest: Int32)? {
        if let known = arena.stateSplit[Int(id)] { return known.loop < 0 ? nil : known }
        let found = findLoopSplit(id)
        arena.stateSplit[Int(id)] = found ?? (-1, -1)
        return found
    }

    private func findLoopSplit(_ id: Int32) -> (loop: Int32, rest: Int32)? {
        let stacks = arena.stateStacks[Int(id)]
        guard stacks.count > 1 else { return nil }
        var tried = Set<Int32>()
        for members in compiled.classBytes {
            guard let b = members.first else { continue }
            let next = step(id, b)
            guard next >= 0, next != id, tried.insert(next).inserted else { continue }
            let part = arena.stateStacks[Int(next)]
            guard !part.isEmpty, part.count < stacks.count, Self.isSubset(part, of: stacks) else { continue }
            let loop = arena.stateID(part, complete: false)
            guard !loopBytes(loop).isEmpty else { continue }
            let partSet = Set(part)
            let rest = arena.stateID(stacks.filter { !partSet.contains($0) }, complete: false)
            return (loop, rest)
        }
        return nil
    }

    /// Both sorted.
    private static func isSubset(_ a: [Int32], of b: [Int32]) -> Bool {
        var j = 0
        for x in a {
            while j < b.count, b[j] < x { j += 1 }
            guard j < b.count, b[j] == x else { return false }
            j += 1
        }
        return true
    }
}
