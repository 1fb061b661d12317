/// Splits text into words before byte-level BPE, by the pattern list that a vocabulary's
/// `tokenizer.ggml.pre` name stands for. Each pattern splits every piece the previous one left
/// into its matches and the gaps between them, as llama.cpp (and Hugging Face's `Sequence` of
/// `Split` pre-tokenizers) do.
struct PreTokenizer: Sendable {
    let patterns: [SplitPattern]

    init(patterns: [SplitPattern]) {
        self.patterns = patterns
    }

    /// The pre-tokenizer for `tokenizer.ggml.pre` (nil or empty means `default`, like llama.cpp);
    /// an unknown name is an error rather than a silent fallback that would tokenize differently.
    init(preName: String?) throws(TokenizerError) {
        let name = preName ?? "default"
        guard let sources = Self.patternSources(for: name.isEmpty ? "default" : name) else {
            throw TokenizerError.unknownPreTokenizer(name)
        }
        var compiled: [SplitPattern] = []
        for source in sources { compiled.append(try SplitPattern(source)) }
        patterns = compiled
    }

    /// Whether this pre-type skips merging for words that are whole tokens (`ignore_merges`).
    static func ignoresMerges(preName: String?) -> Bool {
        guard let name = preName else { return false }
        return llama3Names.contains(name) || name == "tekken"
    }

    /// Whether llama.cpp turns BOS on by default for this pre-type (the GGUF key overrides it).
    static func addsBOSByDefault(preName: String?) -> Bool {
        guard let name = preName else { return false }
        return llama3Names.contains(name) || name == "tekken" || name == "chameleon"
    }

    static let llama3Names: Set<String> = [
        "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
        "jina-v5-nano", "dbrx", "smaug-bpe",
    ]

    private static let gpt2 = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)"#
    private static let llama3 =
        #"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    private static let qwen2 =
        #"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    /// Qwen 3.5: qwen2's pattern with combining marks (`\p{M}`) counted with letters.
    private static let qwen35 =
        #"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    /// Mistral's Tekken, as llama.cpp rewrites it: `((?=[\p{L}])([^a-z]))` is a letter other than
    /// a–z, written here as a class subtraction.
    private static let tekken =
        #"[^\r\n\p{L}\p{N}]?[\p{L}&&[^a-z]]*[\p{L}&&[^A-Z]]+|[^\r\n\p{L}\p{N}]?[\p{L}&&[^a-z]]+[\p{L}&&[^A-Z]]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    /// Letters of cased scripts, as DeepSeek's tokenizer.json lists them (escaped, because some
    /// of these code points change under Unicode normalisation when written literally).
    private static let deepseekLetters =
        #"[A-Za-z\u{B5}\u{C0}-\u{D6}\u{D8}-\u{F6}\u{F8}-\u{1BA}\u{1BC}-\u{1BF}\u{1C4}-\u{293}\u{295}-\u{2AF}"#
        + #"\u{370}-\u{373}\u{376}\u{377}\u{37B}-\u{37D}\u{37F}\u{386}\u{388}-\u{38A}\u{38C}\u{38E}-\u{3A1}"#
        + #"\u{3A3}-\u{3F5}\u{3F7}-\u{481}\u{48A}-\u{52F}\u{531}-\u{556}\u{10A0}-\u{10C5}\u{13A0}-\u{13F5}"#
        + #"\u{13F8}-\u{13FD}\u{1C90}-\u{1CBA}\u{1CBD}-\u{1CBF}\u{1D00}-\u{1D2B}\u{1D6B}-\u{1D77}\u{1D79}-\u{1D9A}"#
        + #"\u{1E00}-\u{1F15}\u{1F18}-\u{1F1D}\u{1F20}-\u{1F45}\u{1F48}-\u{1F4D}\u{1F50}-\u{1F57}\u{1F59}\u{1F5B}"#
        + #"\u{1F5D}\u{1F5F}-\u{1F7D}\u{1F80}-\u{1FB4}\u{1FB6}-\u{1FBC}\u{1FBE}\u{1FC2}-\u{1FC4}\u{1FC6}-\u{1FCC}"#
        + #"\u{1FD0}-\u{1FD3}\u{1FD6}-\u{1FDB}\u{1FE0}-\u{1FEC}\u{1FF2}-\u{1FF4}\u{1FF6}-\u{1FFC}\u{2102}\u{2107}"#
        + #"\u{210A}-\u{2113}\u{2115}\u{2119}-\u{211D}\u{2124}\u{2126}\u{2128}\u{212A}-\u{212D}\u{212F}-\u{2134}"#
        + #"\u{2139}\u{213C}-\u{213F}\u{2145}-\u{2149}\u{214E}\u{2183}\u{2184}\u{2C00}-\u{2C7B}\u{2C7E}-\u{2CE4}"#
        + #"\u{2CEB}-\u{2CEE}\u{2CF2}\u{2CF3}\u{A640}-\u{A66D}\u{A680}-\u{A69B}\u{A722}-\u{A76F}\u{A771}-\u{A787}"#
        + #"\u{A78B}-\u{A78E}\u{AB70}-\u{ABBF}\u{FB00}-\u{FB06}\u{FB13}-\u{FB17}\u{FF21}-\u{FF3A}\u{FF41}-\u{FF5A}"#
        + #"\u{10400}-\u{1044F}\u{104B0}-\u{104D3}\u{104D8}-\u{104FB}\u{10C80}-\u{10CB2}\u{10CC0}-\u{10CF2}"#
        + #"\u{118A0}-\u{118DF}\u{1E900}-\u{1E943}]"#
    private static let cjk = "[\u{4E00}-\u{9FA5}\u{800}-\u{4E00}\u{AC00}-\u{D7FF}]+"

    /// llama.cpp's pattern lists (`llm_tokenizer_bpe`), by pre-tokenizer name.
    static func patternSources(for name: String) -> [String]? {
        if llama3Names.contains(name) { return [llama3] }
        switch name {
        case "default":
            return [#"[\p{P}\$\+<=>\^~\|]+"#, gpt2, #"\p{N}+"#, "[0-9][0-9][0-9]"]
        case "gpt-2", "phi-2", "mpt", "olmo", "jais", "trillion", "jina-es", "jina-de", "gigachat",
             "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum", "modern-bert", "jina-v1-en", "jina-v2-code",
             "roberta-bpe", "exaone4":
            return [gpt2]
        case "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b":
            return [#"\p{N}"#, gpt2]
        case "falcon":
            return [#"[\p{P}\$\+<=>\^~\|`]+"#, gpt2, "[0-9][0-9][0-9]"]
        case "qwen2", "deepseek-r1-qwen", "stablelm2", "hunyuan", "megrez", "kormo", "f2llmv2":
            return [qwen2]
        case "qwen35":
            return [qwen35]
        case "tekken":
            return [tekken]
        case "gemma4":
            // SentencePiece-style BPE over the whole text with spaces as ▁: only newline runs split.
            return [#"[^\n]+|[\n]+"#]
        case "deepseek-llm":
            return [
                #"[\r\n]"#, #"\s?"# + deepseekLetters + "+", "\\s?[!-/:-~\u{FF01}-\u{FF0F}\u{FF1A}-\u{FF5E}\u{2018}-\u{201F}\u{3000}-\u{3002}]+",
                #"\s+$"#, cjk, #"\p{N}+"#,
            ]
        case "deepseek-coder":
            return [#"[\r\n]"#, #"\s?\p{L}+"#, #"\s?\p{P}+"#, cjk, #"\p{N}"#]
        case "poro-chat", "bloom", "gpt3-finnish":
            return [" ?[^(\\s|.,!?\u{2026}\u{3002}\u{FF0C}\u{3001}\u{0964}\u{06D4}\u{060C})]+"]
        default:
            return nil
        }
    }

    /// The words of `text` as UTF-8 byte ranges, in order; together they cover the text.
    func split(_ text: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var scalars: [UInt32] = []
        var byteOffsets: [Int] = []
        scalars.reserveCapacity(text.count)
        byteOffsets.reserveCapacity(text.count + 1)
        UTF8Scalars.decode(text, into: &scalars, offsets: &byteOffsets)
        let classes = scalars.map { UnicodeClass.of($0) }

        var pieces: [Range<Int>] = scalars.isEmpty ? [] : [0..<scalars.count]
        scalars.withUnsafeBufferPointer { input in
            classes.withUnsafeBufferPointer { flags in
                for pattern in patterns {
                    var next: [Range<Int>] = []
                    next.reserveCapacity(pieces.count * 2)
                    for piece in pieces {
                        var gapStart = piece.lowerBound
                        var position = piece.lowerBound
                        while position < piece.upperBound {
                            if let end = pattern.match(input, flags, at: position, limit: piece.upperBound), end > position {
                                if gapStart < position { next.append(gapStart..<position) }
                                next.append(position..<end)
                                position = end
                                gapStart = end
                            } else {
                                position += 1
                            }
                        }
                        if gapStart < piece.upperBound { next.append(gapStart..<piece.upperBound) }
                    }
                    pieces = next
                }
            }
        }
        return pieces.map { byteOffsets[$0.lowerBound]..<byteOffsets[$0.upperBound] }
    }
}

/// UTF-8 decoding into code points with the byte offset of each.
enum UTF8Scalars {
    /// Appends each code point of `bytes` and its starting offset, then the end offset. Bytes that
    /// do not form a valid sequence become U+FFFD one byte at a time, so offsets still cover every byte.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, into scalars: inout [UInt32], offsets: inout [Int]) {
        var i = 0
        let n = bytes.count
        while i < n {
            offsets.append(i)
            let lead = bytes[i]
            if lead < 0x80 {
                scalars.append(UInt32(lead))
                i += 1
                continue
            }
            let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
            var value = UInt32(lead) & (length == 4 ? 0x07 : length == 3 ? 0x0F : 0x1F)
            var valid = length > 1 && i + length <= n
            if valid {
                for k in 1..<length {
                    let byte = bytes[i + k]
                    if byte & 0xC0 != 0x80 { valid = false; break }
                    value = (value << 6) | UInt32(byte & 0x3F)
                }
            }
            if valid {
                scalars.append(value)
                i += length
            } else {
                scalars.append(0xFFFD)
                i += 1
            }
        }
        offsets.append(n)
    }
}
