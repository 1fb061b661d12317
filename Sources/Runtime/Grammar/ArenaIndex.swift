/// The two lookups a grammar's first masks make most — a stack node by (position, parent) and a
/// state by its stacks — as open-addressing tables with a multiplicative hash. Swift's
/// `Dictionary` hashes every key with SipHash through `Hasher`: on a grammar's first masks,
/// where most rows are new, that hashing was a fifth of the mask time.
///
/// Both tables only grow (the arena is append-only; `StateIndex.removeAll` empties the state
/// table when the state cache is trimmed). Linear probing, at most half full.
struct NodeIndex {
    /// A key (−1: empty) and its value, side by side: a probe touches one cache line.
    private struct Slot {
        var key: Int64
        var value: Int32
    }
    private var slots: [Slot]
    private var mask: Int
    private var count = 0

    init() {
        slots = [Slot](repeating: Slot(key: -1, value: 0), count: 4096)
        mask = 4095
    }

    @inline(__always)
    private static func slot(_ key: Int64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// The value for `key` (≥ 0), or nil.
    @inline(__always)
    func find(_ key: Int64) -> Int32? {
        var i = Self.slot(key, mask)
        while true {
            let s = slots[i]
            if s.key == key { return s.value }
            if s.key < 0 { return nil }
            i = (i &+ 1) & mask
        }
    }

    /// Stores `value` for `key` (≥ 0), which must not be present.
    mutating func insert(_ key: Int64, _ value: Int32) {
        if (count + 1) * 2 > mask + 1 { grow() }
        var i = Self.slot(key, mask)
        while slots[i].key >= 0 { i = (i &+ 1) & mask }
        slots[i] = Slot(key: key, value: value)
        count += 1
    }

    private mutating func grow() {
        let old = slots
        mask = mask * 2 + 1
        slots = [Slot](repeating: Slot(key: -1, value: 0), count: mask + 1)
        count = 0
        for s in old where s.key >= 0 { insert(s.key, s.value) }
    }
}

/// States by (stacks, complete): slots hold state ids (−1: empty); a candidate is confirmed by
/// comparing its stored stacks.
struct StateIndex {
    private var slots: [Int32]
    private var hashes: [UInt64]
    private var mask: Int
    private var count = 0

    init() {
        slots = [Int32](repeating: -1, count: 1024)
        hashes = [UInt64](repeating: 0, count: 1024)
        mask = 1023
    }

    static func hash(_ stacks: [Int32], complete: Bool) -> UInt64 {
        var h: UInt64 = complete ? 0x2545_F491_4F6C_DD1D : 0x9E37_79B9_7F4A_7C15
        for s in stacks { h = (h ^ UInt64(UInt32(bitPattern: s))) &* 0x1000_0000_01B3 &+ 0x7F4A_7C15 }
        return h ^ (h >> 29)
    }

    @inline(__always)
    private static func slot(_ hash: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// The id of the state with these stacks, or nil; `isEqual(id)` compares a candidate.
    @inline(__always)
    func find(hash: UInt64, isEqual: (Int32) -> Bool) -> Int32? {
        var i = Self.slot(hash, mask)
        while true {
            let id = slots[i]
            if id < 0 { return nil }
            if hashes[i] == hash, isEqual(id) { return id }
            i = (i &+ 1) & mask
        }
    }

    mutating func insert(hash: UInt64, _ id: Int32) {
        if (count + 1) * 2 > mask + 1 { grow() }
        var i = Self.slot(hash, mask)
        while slots[i] >= 0 { i = (i &+ 1) & mask }
        slots[i] = id
        hashes[i] = hash
        count += 1
    }

    mutating func removeAll() {
        if count == 0 { return }
        for i in slots.indices { slots[i] = -1 }
        count = 0
    }

    private mutating func grow() {
        let oldSlots = slots, oldHashes = hashes
        mask = mask * 2 + 1
        slots = [Int32](repeating: -1, count: mask + 1)
        hashes = [UInt64](repeating: 0, count: mask + 1)
        count = 0
        for (i, id) in oldSlots.enumerated() where id >= 0 { insert(hash: oldHashes[i], id) }
    }
}
