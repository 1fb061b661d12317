/// Hash-consed parse stacks shared by all states of one matcher and its clones: a node is
/// (position, parent node), so equal stacks are equal integers and a state is a small int set.
/// Append-only, so states stay valid forever and cloning a matcher is copying an array.
///
/// Stored properties are `@exclusivity(unchecked)`: an arena is used by one matcher (and its
/// clones) on one thread, and the dynamic access checks were a fifth of a mask's time.
final class StackArena {
    @exclusivity(unchecked) var position: [Int32] = []
    @exclusivity(unchecked) var parent: [Int32] = []
    @exclusivity(unchecked) var visitedStamp: [UInt32] = []
    /// Per node, what expanding it leads to, found on its first expansion (`unknown` before):
    /// for a node at a terminal, the node after the terminal (−1: the root rule ends there);
    /// for a node at a rule, an index into `children`, which holds the count of the rule's
    /// alternatives and then each alternative's first node (−1 likewise). A node's expansion
    /// depends on the node alone, so a state made in a known context reads these instead of
    /// looking every node up again by (position, parent).
    @exclusivity(unchecked) var link: [Int32] = []
    @exclusivity(unchecked) var children: [Int32] = []
    @exclusivity(unchecked) var index = NodeIndex()
    @exclusivity(unchecked) var generation: UInt32 = 0

    // A lazily built DFA over states: each distinct (stacks, complete) gets an id, and
    // table[id * 256 + byte] caches the successor id (unknown = -2, dead = -1). Inside
    // strings and other regular stretches the same few states recur, so after warm-up a step is
    // one load instead of a stack expansion. The table is a raw buffer so the token-trie walk
    // reads it without exclusivity checks or bounds checks (ids it reads come from the table).
    @exclusivity(unchecked) var stateIndex = StateIndex()
    @exclusivity(unchecked) var stateStacks: [[Int32]] = []
    @exclusivity(unchecked) var stateComplete: [Bool] = []
    /// Per state: its whole row is filled (`GrammarMatcher.fillRow`); entries may be known
    /// before that, one at a time (`GrammarMatcher.stepOne`).
    @exclusivity(unchecked) var rowFilled: [Bool] = []
    /// Per state whose row is being filled group by group (`GrammarMatcher.stepGroup`): each
    /// byte's group (0: no stack accepts it), and how many groups are still unknown. Empty
    /// otherwise.
    @exclusivity(unchecked) var rowGroups: [[UInt16]] = []
    @exclusivity(unchecked) var rowGroupsLeft: [Int32] = []
    /// Per state: the bytes that lead back to the same state (nil: not computed yet).
    @exclusivity(unchecked) var stateLoop: [ByteSet?] = []
    /// Per state: it moves like `UTF8Automaton` on multi-byte characters (nil: not checked yet).
    @exclusivity(unchecked) var stateUTF8Loop: [Bool?] = []
    /// Per state: its split into a loop part and the rest (`GrammarMatcher.loopSplit`; nil:
    /// not computed yet, loop -1: none).
    @exclusivity(unchecked) var stateSplit: [(loop: Int32, rest: Int32)?] = []
    /// Per state: its step along a chain of counted states (`GrammarMatcher.chainStep`; nil: not
    /// computed yet, next -1: none).
    @exclusivity(unchecked) var stateChain: [ChainStep?] = []
    /// Per chain state: multi-byte characters lead to its chain successor (nil: not checked yet).
    @exclusivity(unchecked) var stateChainUTF8: [Bool?] = []
    /// Terminal positions that read as exactly one multi-byte character
    /// (`GrammarMatcher.isCharacterRule`). Positions do not change when the state cache is
    /// trimmed, so this stays.
    @exclusivity(unchecked) var characterRules: [[Int32]: Bool] = [:]
    /// Per state: its region's index in `regions` (`GrammarMatcher.region`; unknown: not
    /// computed yet, -1: none), and the regions found.
    @exclusivity(unchecked) var stateRegion: [Int32] = []
    @exclusivity(unchecked) var regions: [StateRegion] = []
    /// Set once a mask walked a large part of the trie edge by edge: only then are regions
    /// searched for (a search fills a row per state met, which grammars whose masks are cheap
    /// already — a string's `maxLength`, an object's open keys — would pay for nothing).
    @exclusivity(unchecked) var regionsWanted = false
    @exclusivity(unchecked) private(set) var table: UnsafeMutablePointer<Int32>
    /// Per state: it has stacks, so some byte may follow.
    @exclusivity(unchecked) private(set) var continues: UnsafeMutablePointer<Bool>
    @exclusivity(unchecked) private var capacity: Int
    /// Scratch for `GrammarMatcher.byteGroups`: per byte, which stacks accept it (as many words
    /// as the state has stacks, over 64); the first byte of each group met and its successor.
    @exclusivity(unchecked) private(set) var rowSignature = UnsafeMutablePointer<UInt64>.allocate(capacity: 256)
    @exclusivity(unchecked) private var signatureWords = 256
    let groupFirstByte = UnsafeMutablePointer<Int32>.allocate(capacity: 256)
    let groupNext = UnsafeMutablePointer<Int32>.allocate(capacity: 256)
    /// Beyond this many states the cache is dropped at the next safe point (`trimStateCache`),
    /// so memory stays bounded (about 1 KiB per state).
    let maxCachedStates = 50_000

    static let unknown: Int32 = -2
    static let dead: Int32 = -1

    init() {
        capacity = 64
        table = .allocate(capacity: capacity * 256)
        continues = .allocate(capacity: capacity)
    }

    deinit {
        table.deallocate()
        continues.deallocate()
        rowSignature.deallocate()
        groupFirstByte.deallocate()
        groupNext.deallocate()
    }

    var stateCount: Int { stateStacks.count }

    /// `rowSignature` with room for `words` words.
    func signatureScratch(words: Int) -> UnsafeMutablePointer<UInt64> {
        if words > signatureWords {
            rowSignature.deallocate()
            rowSignature = .allocate(capacity: words)
            signatureWords = words
        }
        return rowSignature
    }

    /// Drops the state cache if it grew too large. Only call when no state id is held.
    func trimStateCache() {
        guard stateStacks.count > maxCachedStates else { return }
        stateIndex.removeAll()
        stateStacks.removeAll()
        stateComplete.removeAll()
        rowFilled.removeAll()
        rowGroups.removeAll()
        rowGroupsLeft.removeAll()
        stateLoop.removeAll()
        stateUTF8Loop.removeAll()
        stateSplit.removeAll()
        stateChain.removeAll()
        stateChainUTF8.removeAll()
        stateRegion.removeAll()
        regions.removeAll()
    }

    func stateID(_ stacks: [Int32], complete: Bool) -> Int32 {
        let hash = StateIndex.hash(stacks, complete: complete)
        if let id = stateIndex.find(hash: hash, isEqual: { stateComplete[Int($0)] == complete && stateStacks[Int($0)] == stacks }) {
            return id
        }
        let id = stateStacks.count
        if id == capacity { grow() }
        stateIndex.insert(hash: hash, Int32(id))
        stateStacks.append(stacks)
        stateComplete.append(complete)
        rowFilled.append(false)
        rowGroups.append([])
        rowGroupsLeft.append(0)
        stateLoop.append(nil)
        stateUTF8Loop.append(nil)
        stateSplit.append(nil)
        stateChain.append(nil)
        stateChainUTF8.append(nil)
        stateRegion.append(StackArena.unknown)
        (table + id * 256).initialize(repeating: StackArena.unknown, count: 256)
        continues[id] = !stacks.isEmpty
        return Int32(id)
    }

    private func grow() {
        let newCapacity = capacity * 2
        let newTable = UnsafeMutablePointer<Int32>.allocate(capacity: newCapacity * 256)
        newTable.moveInitialize(from: table, count: capacity * 256)
        table.deallocate()
        table = newTable
        let newContinues = UnsafeMutablePointer<Bool>.allocate(capacity: newCapacity)
        newContinues.moveInitialize(from: continues, count: capacity)
        continues.deallocate()
        continues = newContinues
        capacity = newCapacity
    }

    @inline(__always)
    func intern(_ pos: Int32, _ parentNode: Int32) -> Int32 {
        let key = Int64(pos) << 32 | Int64(UInt32(bitPattern: parentNode))
        if let node = index.find(key) { return node }
        let node = Int32(position.count)
        position.append(pos)
        parent.append(parentNode)
        visitedStamp.append(0)
        link.append(StackArena.unknown)
        index.insert(key, node)
        return node
    }
}
