/// Turns tokens into text as they are generated, holding back the bytes of a UTF-8 character
/// until it is complete, so no chunk ever ends in half a character.
///
/// ```swift
/// var detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
/// for id in generated { print(detokenizer.append(id), terminator: "") }
/// print(detokenizer.finish())
/// ```
///
/// Bytes that can never become a valid character (a stray continuation byte, a lead byte
/// followed by a non-continuation byte) are emitted at once as U+FFFD rather than held.
public struct StreamingDetokenizer: Sendable {
    public let tokenizer: Tokenizer
    public let renderSpecial: Bool
    private var pending: [UInt8] = []
    private var isFirstToken = true

    public init(tokenizer: Tokenizer, renderSpecial: Bool = false) {
        self.tokenizer = tokenizer
        self.renderSpecial = renderSpecial
    }

    /// The text that `id` completes (possibly empty).
    public mutating func append(_ id: Int32) -> String {
        tokenizer.appendPiece(of: id, renderSpecial: renderSpecial,
                              stripLeadingSpace: isFirstToken && tokenizer.addsSpacePrefix, to: &pending)
        isFirstToken = false
        let complete = Self.completePrefixLength(pending)
        guard complete > 0 else { return "" }
        let text = String(decoding: pending[0..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// Whatever is still held (an unfinished character, as U+FFFD), and resets for a new stream.
    public mutating func finish() -> String {
        let text = String(decoding: pending, as: UTF8.self)
        pending.removeAll()
        isFirstToken = true
        return text
    }

    /// The length of the longest prefix that does not end inside a character that more bytes
    /// could still complete.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        // Only the last three bytes can belong to an unfinished character.
        var start = n - 1
        while start >= 0 && start >= n - 3 {
            let byte = bytes[start]
            if byte & 0xC0 != 0x80 {
                let width = byte >= 0xF0 && byte <= 0xF4 ? 4 : byte >= 0xE0 && byte < 0xF0 ? 3 : byte >= 0xC2 && byte < 0xE0 ? 2 : 1
                return n - start < width ? start : n
            }
            start -= 1
        }
        return n
    }
}
