import GGUF

/// A tokenizer loaded from a GGUF vocabulary, reproducing llama.cpp's token ids exactly.
///
/// Token ids are `Int32`, like llama.cpp's `llama_token` and the model's embedding rows.
///
/// ```swift
/// let tokenizer = try Tokenizer(file: GGUFFile(path: "model.gguf"))
/// let ids = tokenizer.encode("<|im_start|>user\nHi<|im_end|>", addSpecial: true, parseSpecial: true)
/// let text = tokenizer.decode(ids, renderSpecial: true)
/// ```
///
/// Three kinds are supported: byte-level BPE (`tokenizer.ggml.model = gpt2`, with the
/// pre-tokenizer named by `tokenizer.ggml.pre`), SentencePiece BPE (`llama`, as in Llama 2,
/// Phi-3 and Gemma) and Gemma 4's merges over `▁`-escaped text (`gemma4`). The type is immutable and safe to share between tasks.
public final class Tokenizer: Sendable {
    public enum Kind: Sendable {
        /// `gpt2`: byte-level BPE with merges and a pre-tokenizer.
        case bytePairEncoding
        /// `llama`: SentencePiece BPE with scores and `<0xNN>` byte fallback.
        case sentencePiece
        /// `gemma4`: BPE merges over SentencePiece-style text (spaces as `▁`, raw UTF-8 tokens,
        /// `<0xNN>` byte fallback), split only at newline runs.
        case spaceEscapedBytePairEncoding
    }

    public let kind: Kind
    /// `tokenizer.ggml.pre`, if present.
    public let preTokenizerName: String?
    /// The vocabulary texts as stored (GPT-2-mapped for BPE, `▁` for spaces in SentencePiece).
    public let tokenTexts: TokenTexts
    public let tokenTypes: [TokenType]

    public let bos: Int32?
    public let eos: Int32?
    /// End of turn (`<|im_end|>`, `<end_of_turn>`, …): from the GGUF key or found by text.
    public let eot: Int32?
    public let eom: Int32?
    public let unknown: Int32?
    public let padding: Int32?
    /// Every token that ends generation: EOS, EOT, EOM and the known end-of-turn texts.
    public let endOfGeneration: Set<Int32>

    /// Whether `encode(_:addSpecial:parseSpecial:)` with `addSpecial` prepends BOS / appends EOS.
    public let addsBOS: Bool
    public let addsEOS: Bool
    /// SentencePiece: a space is put before text that starts the input or follows a special token.
    public let addsSpacePrefix: Bool

    let encoder: Encoder
    let specials: SpecialTokenMatcher
    /// The bytes each token renders to (specials as their text), back to back.
    let pieceBytes: [UInt8]
    let pieceStarts: [Int32]

    enum Encoder: Sendable {
        case bytePairEncoding(BytePairEncoder)
        case sentencePiece(SentencePieceEncoder)
    }

    init(kind: Kind, preTokenizerName: String?, tokenTexts: TokenTexts, tokenTypes: [TokenType],
         specialIDs: SpecialTokenIDs, flags: (bos: Bool, eos: Bool, spacePrefix: Bool), encoder: Encoder) {
        self.kind = kind
        self.preTokenizerName = preTokenizerName
        self.tokenTexts = tokenTexts
        self.tokenTypes = tokenTypes
        bos = specialIDs.bos
        eos = specialIDs.eos
        eot = specialIDs.eot
        eom = specialIDs.eom
        unknown = specialIDs.unknown
        padding = specialIDs.padding
        endOfGeneration = specialIDs.endOfGeneration
        addsBOS = flags.bos
        addsEOS = flags.eos
        addsSpacePrefix = flags.spacePrefix
        self.encoder = encoder
        var matchable: [(id: Int32, text: [UInt8], alwaysMatched: Bool)] = []
        for (id, type) in tokenTypes.enumerated() where type == .control || type == .userDefined || type == .unknown {
            matchable.append((Int32(id), Array(tokenTexts[id].utf8), type == .userDefined))
        }
        specials = SpecialTokenMatcher(tokens: matchable)
        (pieceBytes, pieceStarts) = Self.renderPieces(kind: kind, texts: tokenTexts, types: tokenTypes)
    }

    public var vocabularySize: Int { tokenTexts.count }

    public func tokenType(_ id: Int32) -> TokenType {
        tokenTypes.indices.contains(Int(id)) ? tokenTypes[Int(id)] : .undefined
    }

    public func isEndOfGeneration(_ id: Int32) -> Bool { endOfGeneration.contains(id) }

    /// Whether a token is markup that text never contains unless specials are parsed
    /// (control and unknown tokens).
    public func isSpecial(_ id: Int32) -> Bool {
        let type = tokenType(id)
        return type == .control || type == .unknown
    }

    /// The raw bytes a token stands for: GPT-2 byte map undone, `<0xNN>` as its byte, `▁` as a
    /// space; control, unknown and user-defined tokens as their text; unused tokens as nothing.
    /// Ids outside the vocabulary give no bytes. This is the vocabulary the grammar engine sees.
    public func tokenBytes(_ id: Int32) -> [UInt8] {
        guard id >= 0, Int(id) < tokenTexts.count else { return [] }
        return Array(pieceBytes[Int(pieceStarts[Int(id)])..<Int(pieceStarts[Int(id) + 1])])
    }

    /// Token ids for `text`.
    ///
    /// - Parameters:
    ///   - addSpecial: add BOS and/or EOS as the model's metadata asks (`addsBOS`, `addsEOS`).
    ///   - parseSpecial: match control tokens (`<|im_start|>`, `<start_of_turn>`) in the text;
    ///     when false they are tokenized as plain text. User-defined tokens are matched either way,
    ///     as in llama.cpp and Hugging Face.
    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int32] {
        var bytes = Array(text.utf8)
        var output: [Int32] = []
        output.reserveCapacity(bytes.count / 3 + 2)
        if addSpecial && addsBOS, let bos { output.append(bos) }
        bytes.withUnsafeMutableBufferPointer { mutable in
            let buffer = UnsafeBufferPointer(mutable)
            var previousWasSpecial = true
            for fragment in specials.partition(buffer, parseSpecial: parseSpecial) {
                switch fragment {
                case .token(let id):
                    output.append(id)
                    previousWasSpecial = true
                case .text(let range):
                    encodeText(UnsafeBufferPointer(rebasing: buffer[range]), spacePrefix: addsSpacePrefix && previousWasSpecial,
                               into: &output)
                    previousWasSpecial = false
                }
            }
        }
        if addSpecial && addsEOS, let eos { output.append(eos) }
        return output
    }

    /// Token ids for `bytes` as they would be tokenized in the middle of a text: no special
    /// tokens, no BOS, no SentencePiece space prefix (drafting the text a grammar forces).
    public func encodeContinuation(_ bytes: [UInt8]) -> [Int32] {
        var output: [Int32] = []
        bytes.withUnsafeBufferPointer { encodeText($0, spacePrefix: false, into: &output) }
        return output
    }

    /// Plain text (no special tokens) through the model's encoder; `spacePrefix`: SentencePiece's
    /// leading `▁` at the start of a text.
    private func encodeText(_ slice: UnsafeBufferPointer<UInt8>, spacePrefix: Bool, into output: inout [Int32]) {
        switch encoder {
        case .bytePairEncoding(let bpe) where kind == .spaceEscapedBytePairEncoding:
            let escaped = Self.escapeSpaces(slice, prefixSpace: false)
            escaped.withUnsafeBufferPointer { bpe.encode($0, into: &output) }
        case .bytePairEncoding(let bpe):
            bpe.encode(slice, into: &output)
        case .sentencePiece(let spm):
            let escaped = Self.escapeSpaces(slice, prefixSpace: spacePrefix)
            escaped.withUnsafeBufferPointer { spm.encode($0, into: &output) }
        }
    }

    /// SentencePiece spells a space as `▁` (U+2581, bytes E2 96 81).
    static func escapeSpaces(_ text: UnsafeBufferPointer<UInt8>, prefixSpace: Bool) -> [UInt8] {
        var escaped: [UInt8] = []
        escaped.reserveCapacity(text.count + text.count / 4 + 3)
        if prefixSpace { escaped.append(contentsOf: [0xE2, 0x96, 0x81]) }
        for byte in text {
            if byte == 0x20 { escaped.append(contentsOf: [0xE2, 0x96, 0x81]) } else { escaped.append(byte) }
        }
        return escaped
    }
}
