/// The two lookups a grammar's first masks make most — a stack node by (position, parent) and a
/// state by its stacks — as open-addressing tables with a multiplicative hash. Swift's
/// `Dictionary` hashes every key with SipHash through `Hasher`: on a grammar's first masks,
/// where most rows are new, that hashing was a fifth of the mask time.
///
/// Both tables only grow (the arena is append-only; `StateIndex.removeAll` empties the state
/// table when the state cache is trimmed). Linear probing, at most half full.
struct NodeIndex {
    /// Keys (−1: empty) and values, `mask + 1` slots.
    private var keys: [Int64]
    private var values: [Int32]
    private var mask: Int
    private var count = 0

    init() {
        keys = [Int64](repeating: -1, count: 1024)
        values = [Int32](repeating: 0, count: 1024)
        mask = 1023
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
            let k = keys[i]
            if k == key { return values[i] }
            if k < 0 { return nil }
            i = (i &+ 1) & mask
        }
    }

    /// Stores `value` for `key` (≥ 0), which must not be present.
    mutating func insert(_ key: Int64, _ value: Int32) {
        if (count + 1) * 2 > mask + 1 { grow() }
        var i = Self.slot(key, mask)
        while keys[i] >= 0 { i = (i &+ 1) & mask }
        keys[i] = key
        values[i] = value
        count += 1
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        mask = mask * 2 + 1
        keys = [Int64](repeating: -1, count: mask + 1)
        values = [Int32](repeating: 0, count: mask + 1)
        count = 0
        for (i, k) in oldKeys.enumerated() where k >= 0 { insert(k, oldValues[i]) }
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
