#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A hash table from byte strings to token ids, without per-lookup allocation.
///
/// Keys are stored back to back in one buffer and found by content (a multiply-mix hash over
/// 8-byte words, linear probing, a 32-bit hash tag per slot so most mismatches never touch the
/// key bytes), so the encoders can look up any slice of their working buffer by pointer and
/// length. Inserting an existing key overwrites its value (llama.cpp keeps the last id for a
/// duplicated token text, and so do we).
struct ByteStringTable: Sendable {
    private var keyBytes: [UInt8] = []
    /// Entry i's key is `keyBytes[keyStarts[i] ..< keyStarts[i + 1]]`.
    private var keyStarts: [Int] = [0]
    private var values: [Int32] = []
    /// Per slot: `(hashTag << 32) | (entry + 1)`, 0 when empty. The slot count is a power of two.
    private var slots: [UInt64]

    init(expectedCount: Int) {
        var size = 16
        while size < expectedCount * 2 { size <<= 1 }
        slots = Array(repeating: 0, count: size)
        values.reserveCapacity(expectedCount)
        keyStarts.reserveCapacity(expectedCount + 1)
        keyBytes.reserveCapacity(expectedCount * 8)
    }

    var count: Int { values.count }

    @inline(__always)
    private static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
        var i = 0
        while i + 8 <= key.count {
            h = (h ^ key.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < key.count {
            tail |= UInt64(key[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 29)
    }

    @inline(__always)
    private static func keysEqual(_ stored: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int,
                                  _ key: UnsafeRawBufferPointer) -> Bool {
        guard end - start == key.count else { return false }
        if key.count == 0 { return true }
        guard let keyBase = key.baseAddress, let storedBase = stored.baseAddress else { return false }
        return memcmp(storedBase + start, keyBase, key.count) == 0
    }

    /// The id stored for `key`, or nil.
    func lookup(_ key: UnsafeRawBufferPointer) -> Int32? {
        let h = Self.hash(key)
        let tag = h >> 32
        return slots.withUnsafeBufferPointer { slots in
            keyBytes.withUnsafeBufferPointer { stored in
                keyStarts.withUnsafeBufferPointer { starts in
                    let mask = slots.count - 1
                    var slot = Int(truncatingIfNeeded: h) & mask
                    while true {
                        let packed = slots[slot]
                        if packed == 0 { return nil }
                        if packed >> 32 == tag {
                            let entry = Int(packed & 0xFFFF_FFFF) - 1
                            if Self.keysEqual(stored, starts[entry], starts[entry + 1], key) { return values[entry] }
                        }
                        slot = (slot + 1) & mask
                    }
                }
            }
        }
    }

    func lookup(_ key: [UInt8]) -> Int32? {
        key.withUnsafeBytes { lookup($0) }
    }

    mutating func insert(_ key: [UInt8], value: Int32) {
        key.withUnsafeBytes { insert($0, value: value) }
    }

    mutating func insert(_ key: UnsafeRawBufferPointer, value: Int32) {
        if values.count * 2 >= slots.count { grow() }
        let h = Self.hash(key)
        let tag = h >> 32
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let packed = slots[slot]
            if packed == 0 {
                slots[slot] = tag << 32 | UInt64(values.count + 1)
                keyBytes.append(contentsOf: key)
                keyStarts.append(keyBytes.count)
                values.append(value)
                return
            }
            if packed >> 32 == tag {
                let entry = Int(packed & 0xFFFF_FFFF) - 1
                let equal = keyBytes.withUnsafeBufferPointer { Self.keysEqual($0, keyStarts[entry], keyStarts[entry + 1], key) }
                if equal {
                    values[entry] = value
                    return
                }
            }
            slot = (slot + 1) & mask
        }
    }

    private mutating func grow() {
        var grown = [UInt64](repeating: 0, count: slots.count * 2)
        let mask = grown.count - 1
        keyBytes.withUnsafeBytes { all in
            for entry in 0..<values.count {
                let key = UnsafeRawBufferPointer(rebasing: all[keyStarts[entry]..<keyStarts[entry + 1]])
                let h = Self.hash(key)
                var slot = Int(truncatingIfNeeded: h) & mask
                while grown[slot] != 0 { slot = (slot + 1) & mask }
                grown[slot] = (h >> 32) << 32 | UInt64(entry + 1)
            }
        }
        slots = grown
    }
}
