extension Tokenizer {
    /// The bytes of `ids`, token after token.
    ///
    /// - Parameter renderSpecial: write control and unknown tokens as their text (`<|im_end|>`);
    ///   when false they produce nothing. User-defined tokens are always written.
    ///
    /// With SentencePiece's space prefix on, one leading space of the first token is dropped —
    /// the one `encode` added — so `decode(encode(s, addSpecial: false, parseSpecial: false)) == s`.
    /// This is llama.cpp's `llama_detokenize` rule. No other cleanup is done (no removal of spaces
    /// before punctuation), so the round trip holds for every model.
    public func decodeBytes(_ ids: some Sequence<Int32>, renderSpecial: Bool = false) -> [UInt8] {
        var bytes: [UInt8] = []
        var first = true
        for id in ids {
            appendPiece(of: id, renderSpecial: renderSpecial, stripLeadingSpace: first && addsSpacePrefix, to: &bytes)
            first = false
        }
        return bytes
    }

    /// The text of `ids` (see `decodeBytes`); bytes that do not form valid UTF-8, such as a
    /// character cut at the end, become U+FFFD.
    public func decode(_ ids: some Sequence<Int32>, renderSpecial: Bool = false) -> String {
        String(decoding: decodeBytes(ids, renderSpecial: renderSpecial), as: UTF8.self)
    }

    func appendPiece(of id: Int32, renderSpecial: Bool, stripLeadingSpace: Bool, to bytes: inout [UInt8]) {
        guard id >= 0, Int(id) < tokenTexts.count else { return }
        if !renderSpecial && isSpecial(id) { return }
        var start = Int(pieceStarts[Int(id)])
        let end = Int(pieceStarts[Int(id) + 1])
        if stripLeadingSpace && start < end && pieceBytes[start] == 0x20 { start += 1 }
        bytes.append(contentsOf: pieceBytes[start..<end])
    }

    /// Every token's bytes as `tokenBytes` documents, flattened: piece i is
    /// `bytes[starts[i] ..< starts[i + 1]]`.
    static func renderPieces(kind: Kind, texts: TokenTexts, types: [TokenType]) -> ([UInt8], [Int32]) {
        var bytes: [UInt8] = []
        var starts: [Int32] = [0]
        // No piece is longer than its text, so this is the most the vocabulary can need.
        bytes.reserveCapacity(texts.utf8Count)
        starts.reserveCapacity(texts.count + 1)
        for (text, type) in zip(texts, types) {
            switch type {
            case .control, .unknown, .userDefined:
                bytes.append(contentsOf: text.utf8)
            case .normal:
                switch kind {
                case .bytePairEncoding:
                    if let raw = GPT2ByteMap.bytes(ofMappedText: text) {
                        bytes.append(contentsOf: raw)
                    } else {
                        bytes.append(contentsOf: text.utf8)
                    }
                case .sentencePiece, .spaceEscapedBytePairEncoding:
                    appendUnescapingSpaces(text, to: &bytes)
                }
            case .byte:
                if kind != .bytePairEncoding, let value = byteValue(ofPiece: text) { bytes.append(value) }
            case .unused, .undefined:
                break
            }
            starts.append(Int32(bytes.count))
        }
        return (bytes, starts)
    }

    /// `▁` (E2 96 81) back to a space.
    private static func appendUnescapingSpaces(_ text: String, to bytes: inout [UInt8]) {
        let utf8 = Array(text.utf8)
        var i = 0
        while i < utf8.count {
            if i + 2 < utf8.count && utf8[i] == 0xE2 && utf8[i + 1] == 0x96 && utf8[i + 2] == 0x81 {
                bytes.append(0x20)
                i += 3
            } else {
                bytes.append(utf8[i])
                i += 1
            }
        }
    }

    /// The byte of a `<0xNN>` piece.
    static func byteValue(ofPiece text: String) -> UInt8? {
        let utf8 = Array(text.utf8)
        guard utf8.count == 6, utf8[0] == UInt8(ascii: "<"), utf8[1] == UInt8(ascii: "0"),
              utf8[2] == UInt8(ascii: "x"), utf8[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: utf8[3..<5], as: UTF8.self), radix: 16)
    }
}
