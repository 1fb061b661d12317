import GGUF

/// Why a vocabulary could not be loaded.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    /// A `tokenizer.ggml.*` key is missing, has the wrong type, or the file is unreadable.
    case metadata(GGUFError)
    /// `tokenizer.ggml.model` names a tokenizer we do not implement.
    case unsupportedModel(String)
    /// `tokenizer.ggml.pre` names a pre-tokenizer we do not know.
    case unknownPreTokenizer(String)
    /// An array that must have one entry per token has another length.
    case lengthMismatch(key: String, expected: Int, found: Int)
    /// A merge rule is not two mapped-byte strings separated by one space.
    case invalidMerge(index: Int, text: String)
    /// A pre-tokenizer pattern uses syntax outside the supported subset.
    case invalidPattern(pattern: String, offset: Int, message: String)

    public var description: String {
        switch self {
        case .metadata(let error):
            "tokenizer metadata: \(error)"
        case .unsupportedModel(let name):
            "tokenizer.ggml.model '\(name)' is not supported (supported: gpt2, llama)"
        case .unknownPreTokenizer(let name):
            "tokenizer.ggml.pre '\(name)' is not a known pre-tokenizer"
        case .lengthMismatch(let key, let expected, let found):
            "\(key) has \(found) entries, expected one per token (\(expected))"
        case .invalidMerge(let index, let text):
            "tokenizer.ggml.merges[\(index)] = \(text.debugDescription) is not 'left right'"
        case .invalidPattern(let pattern, let offset, let message):
            "pre-tokenizer pattern \(pattern.debugDescription), at character \(offset): \(message)"
        }
    }
}

/// A token's kind, as stored in `tokenizer.ggml.token_type` (llama.cpp's `llama_token_type`).
public enum TokenType: Int32, Sendable, CaseIterable {
    case undefined = 0
    case normal = 1
    case unknown = 2
    /// Markup such as `<|im_start|>` or `<bos>`: matched in text only when parsing specials,
    /// rendered only when asked to.
    case control = 3
    /// Added text such as Gemma's runs of spaces: always matched whole, always rendered as text.
    case userDefined = 4
    case unused = 5
    /// `<0xNN>`: one raw byte (SentencePiece byte fallback).
    case byte = 6
}
