/// A hash table from byte strings to token ids, without per-lookup allocation.
///
/// Keys are stored back to back in one buffer and found by content (FNV-1a hash, linear
/// probing), so the encoders can look up any slice of their working buffer by pointer and length.
/// Inserting an existing key overwrites its value (llama.cpp keeps the last id for a duplicated
/// token text, and so do we).
struct ByteStringTable: Sendable {
    private var keyBytes: [UInt8] = []
    /// Entry i's key is `keyBytes[keyStarts[i] ..< keyStarts[i + 1]]`.
    private var keyStarts: [Int] = [0]
    private var values: [Int32] = []
    /// Entry index per slot, -1 when empty. The slot count is a power of two.
    private var slots: [Int32]

    init(expectedCount: Int) {
        var size = 16
        while size < expectedCount * 2 { size <<= 1 }
        slots = Array(repeating: -1, count: size)
        values.reserveCapacity(expectedCount)
        keyStarts.reserveCapacity(expectedCount + 1)
    }

    var count: Int { values.count }

    @inline(__always)
    private static func hash(_ key: UnsafeRawBufferPointer) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key {
            h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    @inline(__always)
    private func keyEquals(_ entry: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let start = keyStarts[entry]
        let length = keyStarts[entry + 1] - start
        guard length == key.count else { return false }
        return keyBytes.withUnsafeBufferPointer { stored in
            for i in 0..<length where stored[start + i] != key[i] { return false }
            return true
        }
    }

    /// The id stored for `key`, or nil.
    func lookup(_ key: UnsafeRawBufferPointer) -> Int32? {
        let mask = slots.count - 1
        var slot = Self.hash(key) & mask
        while true {
            let entry = slots[slot]
            if entry < 0 { return nil }
            if keyEquals(Int(entry), key) { return values[Int(entry)] }
            slot = (slot + 1) & mask
        }
    }

    func lookup(_ key: [UInt8]) -> Int32? {
        key.withUnsafeBytes { lookup($0) }
    }

    mutating func insert(_ key: [UInt8], value: Int32) {
        if values.count * 2 >= slots.count { grow() }
        key.withUnsafeBytes { raw in
            let mask = slots.count - 1
            var slot = Self.hash(raw) & mask
            while true {
                let entry = slots[slot]
                if entry < 0 {
                    slots[slot] = Int32(values.count)
                    keyBytes.append(contentsOf: raw)
                    keyStarts.append(keyBytes.count)
                    values.append(value)
                    return
                }
                if keyEquals(Int(entry), raw) {
                    values[Int(entry)] = value
                    return
                }
                slot = (slot + 1) & mask
            }
        }
    }

    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        keyBytes.withUnsafeBytes { all in
            for entry in 0..<values.count {
                let key = UnsafeRawBufferPointer(rebasing: all[keyStarts[entry]..<keyStarts[entry + 1]])
                var slot = Self.hash(key) & mask
                while slots[slot] >= 0 { slot = (slot + 1) & mask }
                slots[slot] = Int32(entry)
            }
        }
    }
}
