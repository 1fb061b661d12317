import GGUF

/// The vocabulary texts as stored in the file, one `String` per token id, decoded on access.
///
/// Backed by the GGUF file's `tokenizer.ggml.tokens` array in place (the tokenizer keeps the
/// mapping alive), so a 262,144-token vocabulary costs no per-token heap strings.
public struct TokenTexts: RandomAccessCollection, Sendable {
    private let array: GGUFArray

    /// `array` must hold only strings (`GGUFArray.isStringArray`).
    init(_ array: GGUFArray) {
        self.array = array
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { array.count }

    public subscript(id: Int) -> String {
        if case .string(let text) = array[id] { return text }
        return ""
    }

    /// The length of all texts together, in UTF-8 bytes.
    public var utf8Count: Int {
        indices.reduce(0) { total, id in total + withUTF8(id) { $0.count } }
    }

    /// The UTF-8 bytes of token `id`'s text, without building a `String`.
    public func withUTF8<R>(_ id: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        array.withUTF8(at: id, body) ?? body(UnsafeBufferPointer(start: nil, count: 0))
    }
}
