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
///
/// A table of token texts (`init(tokenTexts:)`) keeps no key bytes of its own: entry i's key is
/// the text of token `values[i]`, read in place from the vocabulary (duplicates share a text).
struct ByteStringTable: Sendable {
    /// Entry i's key is `keyBytes[keyStarts[i] ..< keyStarts[i + 1]]`, unless `tokenKeys` is set.
    private var keyBytes: [UInt8] = []
    private var keyStarts: [Int] = [0]
    /// When set, entry i's key is the text of token `values[i]`.
    private let tokenKeys: TokenTexts?
    private var values: [Int32] = []
    /// Per slot: `(hashTag << 32) | (entry + 1)`, 0 when empty. The slot count is a power of two.
    private var slots: [UInt64]

    /// `expectedKeyBytes`: the keys' total length, reserved up front so a large vocabulary does
    /// not leave the buffer at up to twice its size after doubling.
    init(expectedCount: Int, expectedKeyBytes: Int? = nil) {
        tokenKeys = nil
        slots = Self.emptySlots(for: expectedCount)
        values.reserveCapacity(expectedCount)
        keyStarts.reserveCapacity(expectedCount + 1)
        keyBytes.reserveCapacity(expectedKeyBytes ?? expectedCount * 8)
    }

    /// Every token's text → its id (the last id for a repeated text), keys read from `tokenTexts`.
    init(tokenTexts: TokenTexts) {
        tokenKeys = tokenTexts
        slots = Self.emptySlots(for: tokenTexts.count)
        values.reserveCapacity(tokenTexts.count)
        for id in tokenTexts.indices {
            tokenTexts.withUTF8(id) { insert(UnsafeRawBufferPointer($0), value: Int32(id)) }
        }
    }

    private static func emptySlots(for expectedCount: Int) -> [UInt64] {
        var size = 16
        while size < expectedCount * 2 { size <<= 1 }
        return Array(repeating: 0, count: size)
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
    private static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard a.count > 0, let aBase = a.baseAddress, let bBase = b.baseAddress else { return true }
        return memcmp(aBase, bBase, a.count) == 0
    }

    @inline(__always)
    private func withKey<R>(of entry: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        if let tokenKeys {
            return tokenKeys.withUTF8(Int(values[entry])) { body(UnsafeRawBufferPointer($0)) }
        }
        return keyBytes.withUnsafeBytes { all in
            body(UnsafeRawBufferPointer(rebasing: all[keyStarts[entry]..<keyStarts[entry + 1]]))
        }
    }

    /// The id stored for `key`, or nil.
    func lookup(_ key: UnsafeRawBufferPointer) -> Int32? {
        let h = Self.hash(key)
        let tag = h >> 32
        return slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: h) & mask
            while true {
                let packed = slots[slot]
                if packed == 0 { return nil }
                if packed >> 32 == tag {
                    let entry = Int(packed & 0xFFFF_FFFF) - 1
                    if withKey(of: entry, { Self.equal($0, key) }) { return values[entry] }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    func lookup(_ key: [UInt8]) -> Int32? {
        key.withUnsafeBytes { lookup($0) }
    }

    mutating func insert(_ key: [UInt8], value: Int32) {
        key.withUnsafeBytes { insert($0, value: value) }
    }

    /// For a table of token texts, `key` must be the text of token `value`.
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
                if tokenKeys == nil {
                    keyBytes.append(contentsOf: key)
                    keyStarts.append(keyBytes.count)
                }
                values.append(value)
                return
            }
            if packed >> 32 == tag {
                let entry = Int(packed & 0xFFFF_FFFF) - 1
                if withKey(of: entry, { Self.equal($0, key) }) {
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
        for entry in 0..<values.count {
            let h = withKey(of: entry) { Self.hash($0) }
            var slot = Int(truncatingIfNeeded: h) & mask
            while grown[slot] != 0 { slot = (slot + 1) & mask }
            grown[slot] = (h >> 32) << 32 | UInt64(entry + 1)
        }
        slots = grown
    }
}

extension ByteStringTable {
    /// The id of each byte's `<0xNN>` token (SentencePiece's and Gemma 4's byte fallback), by byte.
    func byteTokenIDs() -> [Int32?] {
        (0..<256).map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return lookup(Array(("<0x" + (hex.count == 1 ? "0" + hex : hex) + ">").utf8))
        }
    }
}
