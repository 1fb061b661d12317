/// A bounds-checked little-endian cursor over the file's bytes. Every read checks the remaining
/// length first, so no read can leave the buffer whatever the file says.
struct ByteReader {
    let base: UnsafeRawPointer
    let count: Int
    var offset = 0

    var remaining: Int { count - offset }

    private func need(_ bytes: Int, for what: String) throws(GGUFError) {
        guard bytes <= remaining else {
            throw GGUFError.truncated(what: what, offset: offset, needed: bytes, available: remaining)
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: String) throws(GGUFError) -> T {
        try need(MemoryLayout<T>.size, for: what)
        let value = T(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return value
    }

    mutating func readFloat(_ what: String) throws(GGUFError) -> Float {
        Float(bitPattern: try read(UInt32.self, what))
    }

    mutating func readDouble(_ what: String) throws(GGUFError) -> Double {
        Double(bitPattern: try read(UInt64.self, what))
    }

    /// A GGUF string: uint64 byte length, then the bytes (not NUL-terminated). Invalid UTF-8 is
    /// repaired with U+FFFD rather than rejected: names and vocabularies come through readable.
    mutating func readString(_ what: String) throws(GGUFError) -> String {
        String(decoding: try readStringBytes(what), as: UTF8.self)
    }

    /// A GGUF string's bytes, in place.
    mutating func readStringBytes(_ what: String) throws(GGUFError) -> UnsafeRawBufferPointer {
        let lengthOffset = offset
        let length = try read(UInt64.self, "length of \(what)")
        guard length <= UInt64(remaining) else {
            offset = lengthOffset
            throw GGUFError.truncated(what: what, offset: lengthOffset + 8, needed: Int(clamping: length), available: remaining - 8)
        }
        let byteCount = Int(length)
        let bytes = UnsafeRawBufferPointer(start: base + offset, count: byteCount)
        offset += byteCount
        return bytes
    }

    /// Skips `count` bytes the caller has already checked are there.
    mutating func skip(_ count: Int) {
        offset += count
    }
}
