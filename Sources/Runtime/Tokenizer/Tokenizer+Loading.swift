import GGUF

/// The special token ids a vocabulary declares or llama.cpp infers.
struct SpecialTokenIDs {
    var bos: Int32?
    var eos: Int32?
    var eot: Int32?
    var eom: Int32?
    var unknown: Int32?
    var padding: Int32?
    var endOfGeneration: Set<Int32> = []
}

/// The `tokenizer.ggml.*` values, read with the GGUF accessors' typed errors.
struct VocabularyMetadata {
    var model: String
    var texts: TokenTexts
    /// `tokenizer.ggml.token_type`, mapped as read (no `[Int]` of the whole vocabulary kept).
    var types: [TokenType]?
    var preName: String?
    var merges: TokenTexts?
    var scores: [Float]?
    var addBOS: Bool?
    var addEOS: Bool?
    var addSpacePrefix: Bool?
    /// Special id keys present in the file, by suffix (`bos_token_id`, …).
    var declaredIDs: [String: Int] = [:]

    static let idKeys = ["bos_token_id", "eos_token_id", "unknown_token_id", "padding_token_id", "eot_token_id", "eom_token_id"]

    init(_ metadata: GGUFMetadata) throws(GGUFError) {
        model = try metadata.string("tokenizer.ggml.model")
        texts = TokenTexts(try metadata.stringArray("tokenizer.ggml.tokens"))
        types = metadata.contains("tokenizer.ggml.token_type")
            ? try metadata.ints("tokenizer.ggml.token_type").map { TokenType(rawValue: Int32(truncatingIfNeeded: $0)) ?? .undefined }
            : nil
        preName = try metadata.stringIfPresent("tokenizer.ggml.pre")
        merges = metadata.contains("tokenizer.ggml.merges") ? TokenTexts(try metadata.stringArray("tokenizer.ggml.merges")) : nil
        scores = metadata.contains("tokenizer.ggml.scores") ? try metadata.floats("tokenizer.ggml.scores") : nil
        addBOS = try metadata.boolIfPresent("tokenizer.ggml.add_bos_token")
        addEOS = try metadata.boolIfPresent("tokenizer.ggml.add_eos_token")
        addSpacePrefix = try metadata.boolIfPresent("tokenizer.ggml.add_space_prefix")
        for suffix in Self.idKeys {
            if let value = try metadata.intIfPresent("tokenizer.ggml.\(suffix)") { declaredIDs[suffix] = value }
        }
    }
}

extension Tokenizer {
    /// Loads the vocabulary of a GGUF file (a full model or a vocabulary-only file).
    public convenience init(file: GGUFFile) throws(TokenizerError) {
        let vocabulary: VocabularyMetadata
        do {
            vocabulary = try VocabularyMetadata(file.metadata)
        } catch {
            throw TokenizerError.metadata(error)
        }
        try self.init(vocabulary: vocabulary)
    }

    convenience init(vocabulary: VocabularyMetadata) throws(TokenizerError) {
        let kind: Kind
        switch vocabulary.model {
        case "gpt2": kind = .bytePairEncoding
        case "llama": kind = .sentencePiece
        case "gemma4": kind = .spaceEscapedBytePairEncoding
        default: throw TokenizerError.unsupportedModel(vocabulary.model)
        }
        let texts = vocabulary.texts
        if let declared = vocabulary.types, declared.count != texts.count {
            throw TokenizerError.lengthMismatch(key: "tokenizer.ggml.token_type", expected: texts.count, found: declared.count)
        }
        var types = vocabulary.types ?? [TokenType](repeating: .normal, count: texts.count)
        // llama.cpp sets Gemma 4's pre-tokenizer by the model, whatever the file says.
        let preName = kind == .spaceEscapedBytePairEncoding ? "gemma4" : vocabulary.preName

        var ids = SpecialTokenIDs()
        func id(_ suffix: String, default fallback: Int32?) -> Int32? {
            guard let value = vocabulary.declaredIDs[suffix] else { return fallback }
            // llama.cpp ignores ids outside the vocabulary (some files use -1 for "none").
            return value >= 0 && value < texts.count ? Int32(value) : nil
        }
        let isSentencePiece = kind == .sentencePiece
        ids.bos = id("bos_token_id", default: isSentencePiece ? 1 : 11)
        ids.eos = id("eos_token_id", default: isSentencePiece ? 2 : 11)
        ids.unknown = id("unknown_token_id", default: isSentencePiece ? 0 : nil)
        ids.padding = id("padding_token_id", default: nil)
        ids.eot = id("eot_token_id", default: nil)
        ids.eom = id("eom_token_id", default: nil)
        Self.inferEndOfTurn(&ids, texts: texts, types: &types)

        // llama.cpp forces BOS on for Gemma 4 even when the file says false.
        let addBOS = kind == .spaceEscapedBytePairEncoding
            || (vocabulary.addBOS ?? (isSentencePiece || PreTokenizer.addsBOSByDefault(preName: preName)))
        let addEOS = vocabulary.addEOS ?? false
        let spacePrefix = isSentencePiece && (vocabulary.addSpacePrefix ?? true)

        let encoder: Encoder
        switch kind {
        case .bytePairEncoding, .spaceEscapedBytePairEncoding:
            guard let merges = vocabulary.merges else { throw TokenizerError.metadata(.missingKey("tokenizer.ggml.merges")) }
            let preTokenizer = try PreTokenizer(preName: preName)
            encoder = .bytePairEncoding(try BytePairEncoder(
                tokens: texts, merges: merges, preTokenizer: preTokenizer,
                ignoreMerges: PreTokenizer.ignoresMerges(preName: preName), rawText: kind == .spaceEscapedBytePairEncoding))
        case .sentencePiece:
            let scores = vocabulary.scores ?? [Float](repeating: 0, count: texts.count)
            guard scores.count == texts.count else {
                throw TokenizerError.lengthMismatch(key: "tokenizer.ggml.scores", expected: texts.count, found: scores.count)
            }
            let table = ByteStringTable(tokenTexts: texts)
            let byteFallback: [Int32?] = table.byteTokenIDs().enumerated().map { $0.element ?? table.lookup([UInt8($0.offset)]) }
            encoder = .sentencePiece(SentencePieceEncoder(pieces: table, scores: scores, byteFallback: byteFallback,
                                                          unknown: ids.unknown))
        }
        self.init(kind: kind, preTokenizerName: preName, tokenTexts: texts, tokenTypes: types, specialIDs: ids,
                  flags: (addBOS, addEOS, spacePrefix), encoder: encoder)
    }

    /// End-of-turn texts that llama.cpp recognises when the file does not name them.
    static let endOfTurnTexts = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
        "<EOT>", "_<EOT>", "<｜end▁of▁sentence｜>", "<end_of_utterance>",
    ]
    /// Texts that end generation (llama.cpp's EOG list).
    static let endOfGenerationTexts: Set<String> = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<end_of_turn>", "<|endoftext|>",
        "<|eom_id|>", "<EOT>", "_<EOT>", "<|end_of_text|>", "<end_of_utterance>",
        "<eos>", "<turn|>", "<|tool_response>",   // Gemma 4
    ]

    /// Fills EOT (first known text present, in llama.cpp's order), EOM and the EOG set, and marks
    /// those tokens as control tokens as llama.cpp does.
    static func inferEndOfTurn(_ ids: inout SpecialTokenIDs, texts: TokenTexts, types: inout [TokenType]) {
        var idByText: [String: Int32] = [:]
        let wanted = Set(endOfTurnTexts).union(endOfGenerationTexts)
        // All these texts start with '<' or '_'; checking that byte first avoids hashing every token.
        for index in texts.indices {
            let first = texts.withUTF8(index) { $0.first }
            guard first == UInt8(ascii: "<") || first == UInt8(ascii: "_") else { continue }
            let text = texts[index]
            if wanted.contains(text) { idByText[text] = Int32(index) }
        }
        if ids.eot == nil, let found = endOfTurnTexts.lazy.compactMap({ idByText[$0] }).first {
            ids.eot = found
            types[Int(found)] = .control
        }
        if ids.eom == nil, let found = idByText["<|eom_id|>"] { ids.eom = found }
        var endOfGeneration = Set([ids.eos, ids.eot, ids.eom].compactMap { $0 })
        for (text, id) in idByText where endOfGenerationTexts.contains(text) {
            endOfGeneration.insert(id)
            types[Int(id)] = .control
        }
        ids.endOfGeneration = endOfGeneration
    }
}
