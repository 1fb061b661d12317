/// GPT-2's reversible map between bytes and printable characters: byte-level BPE vocabularies
/// store every token as text in which each byte is one of these 256 characters (a space is `Ġ`,
/// a newline `Ċ`).
enum GPT2ByteMap {
    /// The character (Unicode scalar value) that stands for each byte.
    static let scalarForByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
            if printable {
                table[byte] = UInt32(byte)
            } else {
                table[byte] = next
                next += 1
            }
        }
        return table
    }()

    /// The inverse: byte for each mapped scalar value below 324, -1 for values that stand for none.
    static let byteForScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (byte, scalar) in scalarForByte.enumerated() { table[Int(scalar)] = Int16(byte) }
        return table
    }()

    /// The bytes a byte-level token text stands for, or nil when the text holds a character
    /// outside the map (such texts are added tokens, matched only as special tokens).
    static func bytes(ofMappedText text: String) -> [UInt8]? {
        var result: [UInt8] = []
        var text = text
        return text.withUTF8 { decode($0, into: &result) } ? result : nil
    }

    /// `bytes(ofMappedText:)` from UTF-8, into `result` (replaced): false when a character is
    /// outside the map or the UTF-8 is malformed. Every mapped character is below U+0144, so one
    /// or two UTF-8 bytes; no `String` is built.
    static func decode(_ utf8: UnsafeBufferPointer<UInt8>, into result: inout [UInt8]) -> Bool {
        result.removeAll(keepingCapacity: true)
        var i = 0
        while i < utf8.count {
            let lead = utf8[i]
            var value: Int
            if lead < 0x80 {
                value = Int(lead)
                i += 1
            } else if lead >= 0xC2, lead <= 0xDF, i + 1 < utf8.count, utf8[i + 1] & 0xC0 == 0x80 {
                value = Int(lead & 0x1F) << 6 | Int(utf8[i + 1] & 0x3F)
                i += 2
            } else {
                return false
            }
            guard value < byteForScalar.count, byteForScalar[value] >= 0 else { return false }
            result.append(UInt8(byteForScalar[value]))
        }
        return true
    }
}
