/// A grammar flattened for matching: every alternative is a run of codes in one array, so a parse
/// position is a single integer. Immutable and shareable.
public final class CompiledGrammar: Sendable {
    /// Per position: a rule id (>= 0), `end` (-1), or a byte-set terminal `-(setIndex + 2)`.
    let code: [Int32]
    let sets: [ByteSet]
    /// The first position of each alternative of each rule.
    let alternativeStarts: [[Int32]]
    public let root: Int
    public let grammar: Grammar
    /// Bytes that are members of exactly the same terminal sets get the same class: every parser
    /// state moves the same way on them, so a computed transition is stored for the whole class.
    let byteClass: [UInt8]
    /// The members of each byte class.
    let classBytes: [[UInt8]]

    static let end: Int32 = -1

    public init(_ grammar: Grammar) {
        var code: [Int32] = []
        var sets: [ByteSet] = []
        var setIndex: [ByteSet: Int32] = [:]
        var starts: [[Int32]] = []
        for alternatives in grammar.rules {
            var ruleStarts: [Int32] = []
            for alt in alternatives {
                ruleStarts.append(Int32(code.count))
                for element in alt {
                    switch element {
                    case .rule(let r): code.append(Int32(r))
                    case .bytes(let set):
                        let index: Int32
                        if let i = setIndex[set] {
                            index = i
                        } else {
                            index = Int32(sets.count)
                            setIndex[set] = index
                            sets.append(set)
                        }
                        code.append(-(index + 2))
                    }
                }
                code.append(CompiledGrammar.end)
            }
            starts.append(ruleStarts)
        }
        self.code = code
        self.sets = sets
        self.alternativeStarts = starts
        self.root = grammar.root
        self.grammar = grammar
        (byteClass, classBytes) = CompiledGrammar.byteClasses(sets)
    }

    /// Partition refinement: start with one class and split every class by each terminal set.
    static func byteClasses(_ sets: [ByteSet]) -> ([UInt8], [[UInt8]]) {
        var classOf = [Int](repeating: 0, count: 256)
        var classCount = 1
        for set in sets {
            var split = [Int: Int]()
            for b in 0..<256 where set.contains(UInt8(b)) {
                let old = classOf[b]
                if let new = split[old] {
                    classOf[b] = new
                } else {
                    split[old] = classCount
                    classOf[b] = classCount
                    classCount += 1
                }
            }
        }
        // Renumber densely in byte order (split classes can leave gaps).
        var dense = [Int: UInt8]()
        var members: [[UInt8]] = []
        var byteClass = [UInt8](repeating: 0, count: 256)
        for b in 0..<256 {
            if dense[classOf[b]] == nil {
                dense[classOf[b]] = UInt8(members.count)
                members.append([])
            }
            let c = dense[classOf[b]] ?? 0
            byteClass[b] = c
            members[Int(c)].append(UInt8(b))
        }
        return (byteClass, members)
    }
}

/// A parser state: the set of live parse stacks (each waiting on a byte-set terminal) and whether
/// the input so far is a complete sentence. Value type; equal states accept the same futures.
public struct GrammarState: Hashable, Sendable {
    /// Sorted ids of stack nodes in the matcher's arena.
    public internal(set) var stacks: [Int32]
    /// The input so far is a complete sentence of the grammar.
    public internal(set) var isComplete: Bool

    /// Some byte can still be consumed.
    public var canContinue: Bool { !stacks.isEmpty }
    /// No continuation and not complete: the input so far is not a prefix of any sentence.
    public var isDead: Bool { stacks.isEmpty && !isComplete }
}

/// Runs a `CompiledGrammar` over bytes, one byte at a time, like a pushdown automaton that keeps
/// every live parse (the llama.cpp design, with stacks hash-consed so duplicate parses merge and
/// states compare in O(stacks)). Right recursion in tail position does not grow stacks, so
/// repetition runs in constant space. Copying a matcher is a cheap clone (states share the arena);
/// `rollback` undoes accepted byte runs.
///
/// ```swift
/// var m = GrammarMatcher(try Grammar(gbnf: #"root ::= "a"+"#))
/// m.accept(Array("aaa".utf8))  // true
/// m.isComplete                  // true
/// ```
public struct GrammarMatcher {
    public let compiled: CompiledGrammar
    private(set) var arena: StackArena
    /// The current state.
    public private(set) var state: GrammarState
    private var history: [GrammarState] = []

    public init(_ grammar: Grammar) { self.init(compiled: CompiledGrammar(grammar)) }

    public init(compiled: CompiledGrammar) {
        self.compiled = compiled
        self.arena = StackArena()
        self.state = GrammarState(stacks: [], isComplete: false)
        var out: [Int32] = []
        var complete = false
        arena.generation &+= 1
        for start in compiled.alternativeStarts[compiled.root] {
            let node = resolve(start, -1)
            if node < 0 { complete = true } else { expand(node: node, into: &out, complete: &complete) }
        }
        out.sort()
        state = GrammarState(stacks: out, isComplete: complete)
    }

    public var isComplete: Bool { state.isComplete }
    public var canContinue: Bool { state.canContinue }

    /// No copy of this matcher shares its arena, so the arena may move to another thread with it
    /// (`ConstraintPool`).
    mutating func ownsArenaAlone() -> Bool { isKnownUniquelyReferenced(&arena) }

    /// Consumes `bytes` if the grammar allows all of them (then true); otherwise leaves the state
    /// unchanged and returns false. Each successful call can be undone with `rollback`.
    @discardableResult
    public mutating func accept<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        var s = state
        for b in bytes {
            s = advance(s, b)
            if s.isDead { return false }
        }
        history.append(state)
        state = s
        return true
    }

    /// Undoes the last `count` successful `accept` calls.
    public mutating func rollback(_ count: Int = 1) {
        let n = min(count, history.count)
        guard n > 0 else { return }
        state = history[history.count - n]
        history.removeLast(n)
    }

    /// Resets to `state` (a state this matcher or a clone produced), dropping the undo history.
    public mutating func reset(to state: GrammarState) {
        self.state = state
        history.removeAll()
    }

    /// The state after `byte` from `from`; dead (no stacks, not complete) when not allowed.
    public func advance(_ from: GrammarState, _ byte: UInt8) -> GrammarState {
        var out: [Int32] = []
        let complete = advance(from.stacks, byte, into: &out)
        return GrammarState(stacks: out, isComplete: complete)
    }

    /// Advances every stack in `stacks` over `byte`, writing the sorted successor stacks to `out`;
    /// returns whether the successor is complete.
    func advance(_ stacks: [Int32], _ byte: UInt8, into out: inout [Int32]) -> Bool {
        out.removeAll(keepingCapacity: true)
        var complete = false
        arena.generation &+= 1
        let code = compiled.code
        let sets = compiled.sets
        for node in stacks {
            let pos = arena.position[Int(node)]
            let set = sets[Int(-code[Int(pos)] - 2)]
            if set.contains(byte) {
                var next = arena.link[Int(node)]
                if next == StackArena.unknown {
                    next = resolve(pos + 1, arena.parent[Int(node)])
                    arena.link[Int(node)] = next
                }
                if next < 0 { complete = true } else { expand(node: next, into: &out, complete: &complete) }
            }
        }
        if out.count > 1 { out.sort() }
        return complete
    }

    /// The id of `s` in the shared state cache (see `step`).
    func stateID(_ s: GrammarState) -> Int32 { arena.stateID(s.stacks, complete: s.isComplete) }

    /// The successor of cached state `id` over `byte`, or `StackArena.dead`.
    @inline(__always)
    func step(_ id: Int32, _ byte: UInt8) -> Int32 {
        let cached = arena.table[Int(id) &* 256 &+ Int(byte)]
        if cached != StackArena.unknown { return cached }
        return computeStep(id, byte)
    }

    /// Computes the whole row of cached state `id` (see `fillRow`) and returns its successor over
    /// `byte`. May grow the table, so callers holding `arena.table` must reload it.
    func computeStep(_ id: Int32, _ byte: UInt8) -> Int32 {
        fillRow(id)
        return arena.table[Int(id) &* 256 &+ Int(byte)]
    }

    /// Computes and stores the successor of cached state `id` over `byte` alone, leaving the
    /// rest of the row as it is: for a walk that leaves a state by one or two edges (the short
    /// tails of tokens that close a key or a string), where filling the row would make a state
    /// for every other way on. May grow the table, so callers holding `arena.table` must
    /// reload it.
    func stepOne(_ id: Int32, _ byte: UInt8) -> Int32 {
        var out: [Int32] = []
        let next = successor(arena.stateStacks[Int(id)], byte, &out)
        arena.table[Int(id) &* 256 &+ Int(byte)] = next
        return next
    }

    /// Stores the successor of cached state `id` for every byte. Stacks advance independently,
    /// so bytes accepted by the same subset of the state's stacks lead to the same successor:
    /// one expansion per distinct subset fills the row (a string state has about three: a plain
    /// character, the quote, the backslash, however many byte classes the grammar has), and
    /// bytes no stack accepts are dead without any expansion.
    func fillRow(_ id: Int32) {
        let stacks = arena.stateStacks[Int(id)]
        if stacks.count <= 64 {
            fillSmallRow(id, stacks)
        } else {
            let (groups, count) = byteGroups(stacks)
            var next = [Int32](repeating: StackArena.unknown, count: count + 1)
            next[0] = StackArena.dead
            var out: [Int32] = []
            for b in 0..<256 {
                let g = Int(groups[b])
                if next[g] == StackArena.unknown { next[g] = successor(stacks, UInt8(b), &out) }
                // Read the table pointer each time: interning a successor can grow it.
                arena.table[Int(id) &* 256 &+ b] = next[g]
            }
        }
        arena.rowFilled[Int(id)] = true
        if !arena.rowGroups[Int(id)].isEmpty { arena.rowGroups[Int(id)] = [] }
    }

    /// Per byte, which of `stacks` accept it: bit i of word i / 64, `words` words per byte (in
    /// `arena.rowSignature`; one word up to 64 stacks).
    private func stackSignatures(_ stacks: [Int32]) -> (signature: UnsafeMutablePointer<UInt64>, words: Int) {
        let w = max(1, (stacks.count + 63) >> 6)
        let signature = arena.signatureScratch(words: 256 * w)
        signature.initialize(repeating: 0, count: 256 * w)
        for (i, node) in stacks.enumerated() {
            let word = i >> 6, bit = UInt64(1) << UInt64(i & 63)
            let set = compiled.sets[Int(-compiled.code[Int(arena.position[Int(node)])] - 2)]
            set.forEachMember { signature[Int($0) &* w &+ word] |= bit }
        }
        return (signature, w)
    }

    /// The row for at most 64 stacks (one signature word per byte), its groups found in the
    /// same pass as the row is written.
    private func fillSmallRow(_ id: Int32, _ stacks: [Int32]) {
        let signature = stackSignatures(stacks).signature
        let firstByte = arena.groupFirstByte, groupNext = arena.groupNext
        var groups = 0
        var out: [Int32] = []
        for b in 0..<256 {
            let sig = signature[b]
            var next = StackArena.dead
            if sig != 0 {
                var g = 0
                while g < groups, signature[Int(firstByte[g])] != sig { g += 1 }
                if g < groups {
                    next = groupNext[g]
                } else {
                    next = successor(stacks, UInt8(b), &out)
                    firstByte[g] = Int32(b)
                    groupNext[g] = next
                    groups += 1
                }
            }
            // Read the table pointer each time: interning a successor can grow it.
            arena.table[Int(id) &* 256 &+ b] = next
        }
    }

    /// Per byte, its group in the row of a state with `stacks`: bytes that the same stacks
    /// accept share a group (numbered from 1 in byte order; 0: no stack accepts the byte), and
    /// the number of groups. Which stacks accept a byte is a bit set of as many words as there
    /// are stacks over 64.
    private func byteGroups(_ stacks: [Int32]) -> (groups: [UInt16], count: Int) {
        let (signature, w) = stackSignatures(stacks)
        let firstByte = arena.groupFirstByte
        var groups = [UInt16](repeating: 0, count: 256)
        var count = 0
        for b in 0..<256 {
            let row = signature + b &* w
            var any: UInt64 = 0
            for k in 0..<w { any |= row[k] }
            if any == 0 { continue }
            var g = 0
            while g < count {
                let other = signature + Int(firstByte[g]) &* w
                var k = 0
                while k < w, row[k] == other[k] { k += 1 }
                if k == w { break }
                g += 1
            }
            if g == count {
                firstByte[g] = Int32(b)
                count += 1
            }
            groups[b] = UInt16(g + 1)
        }
        return (groups, count)
    }

    /// The successor of cached state `id` over `byte`, stored for every byte of its group in the
    /// row (the bytes the same stacks accept, which lead to the same state) and for every byte
    /// no stack accepts; the row's other groups stay unknown until a walk steps into them. For
    /// a trie node with several children: a state whose row has many groups (a value's start:
    /// objects, arrays, strings, numbers, literals) is often left by few of them, and each
    /// group filled is a state made. May grow the table, so callers holding `arena.table` must
    /// reload it.
    func stepGroup(_ id: Int32, _ byte: UInt8) -> Int32 {
        let stacks = arena.stateStacks[Int(id)]
        var groups = arena.rowGroups[Int(id)]
        if groups.isEmpty {
            let found = byteGroups(stacks)
            groups = found.groups
            for b in 0..<256 where groups[b] == 0 { arena.table[Int(id) &* 256 &+ b] = StackArena.dead }
            arena.rowGroupsLeft[Int(id)] = Int32(found.count)
        }
        let group = groups[Int(byte)]
        guard group != 0 else { return StackArena.dead }
        var out: [Int32] = []
        let next = successor(stacks, byte, &out)
        for b in 0..<256 where groups[b] == group { arena.table[Int(id) &* 256 &+ b] = next }
        arena.rowGroupsLeft[Int(id)] -= 1
        if arena.rowGroupsLeft[Int(id)] == 0 {
            arena.rowFilled[Int(id)] = true
            arena.rowGroups[Int(id)] = []
        } else {
            arena.rowGroups[Int(id)] = groups
        }
        return next
    }

    private func successor(_ stacks: [Int32], _ byte: UInt8, _ out: inout [Int32]) -> Int32 {
        let complete = advance(stacks, byte, into: &out)
        return out.isEmpty && !complete ? StackArena.dead : arena.stateID(out, complete: complete)
    }

    /// Whether the whole row of cached state `id` is filled (`fillRow`; `stepOne` stores single
    /// entries, which `fillRow` later overwrites with the same values).
    func rowIsFilled(_ id: Int32) -> Bool { arena.rowFilled[Int(id)] }

    /// Drops the state cache if it grew too large (ids from before become invalid).
    func trimStateCache() { arena.trimStateCache() }

    func isComplete(_ id: Int32) -> Bool { arena.stateComplete[Int(id)] }
    func hasStacks(_ id: Int32) -> Bool { arena.continues[Int(id)] }

    func cachedState(_ id: Int32) -> GrammarState {
        GrammarState(stacks: arena.stateStacks[Int(id)], isComplete: arena.stateComplete[Int(id)])
    }

    /// The bytes allowed next (union of the live stacks' terminals).
    public func allowedBytes(_ s: GrammarState? = nil) -> ByteSet {
        var set = ByteSet()
        for node in (s ?? state).stacks {
            let pos = arena.position[Int(node)]
            set = set.union(compiled.sets[Int(-compiled.code[Int(pos)] - 2)])
        }
        return set
    }

    /// Bytes the grammar forces from the current state: while exactly one byte is possible and the
    /// state is not complete, that byte is the only continuation (forced-token fast-forward).
    public func forcedBytes(limit: Int = 256) -> [UInt8] {
        var out: [UInt8] = []
        var s = state
        while out.count < limit, !s.isComplete, let b = allowedBytes(s).singleByte {
            out.append(b)
            s = advance(s, b)
        }
        return out
    }

    /// The node at `pos` over `parent`; where `pos` ends its alternative, the parent itself
    /// (−1: the root rule is complete).
    @inline(__always)
    private func resolve(_ pos: Int32, _ parent: Int32) -> Int32 {
        compiled.code[Int(pos)] == CompiledGrammar.end ? parent : arena.intern(pos, parent)
    }

    /// Adds the terminal nodes `node` expands to (once per `arena.generation`) to `out`.
    func expand(node: Int32, into out: inout [Int32], complete: inout Bool) {
        if arena.visitedStamp[Int(node)] == arena.generation { return }
        arena.visitedStamp[Int(node)] = arena.generation
        let pos = arena.position[Int(node)]
        let c = compiled.code[Int(pos)]
        if c < 0 {
            out.append(node)
            return
        }
        var link = arena.link[Int(node)]
        if link == StackArena.unknown {
            let parent = arena.parent[Int(node)]
            let continuation = pos + 1
            let newParent = compiled.code[Int(continuation)] == CompiledGrammar.end
                ? parent : arena.intern(continuation, parent)
            let starts = compiled.alternativeStarts[Int(c)]
            link = Int32(arena.children.count)
            arena.children.append(Int32(starts.count))
            for start in starts { arena.children.append(resolve(start, newParent)) }
            arena.link[Int(node)] = link
        }
        let first = Int(link) + 1
        // Read by index: expanding a child can append to `children`.
        for i in first..<first + Int(arena.children[Int(link)]) {
            let child = arena.children[i]
            if child < 0 { complete = true } else { expand(node: child, into: &out, complete: &complete) }
        }
    }
}
