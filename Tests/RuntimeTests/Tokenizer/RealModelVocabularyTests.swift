import GGUF
import Runtime
import Testing
import TestSupport

/// Special ids, token bytes, special-token parsing and streaming on the two real vocabularies.
/// Expected ids were read from the files with the Python `gguf` package.
@Suite struct RealModelVocabularyTests {
    static let smol = Result { try Tokenizer(file: GGUFFile(path: TestPaths.smolLM2.path)) }
    static let gemma = Result { try Tokenizer(file: GGUFFile(path: TestPaths.gemma3.path)) }

    @Test func smolLM2SpecialIDs() throws {
        let tokenizer = try Self.smol.get()
        #expect(tokenizer.kind == .bytePairEncoding)
        #expect(tokenizer.preTokenizerName == "smollm")
        #expect(tokenizer.vocabularySize == 49152)
        #expect(tokenizer.bos == 1 && tokenizer.eos == 2 && tokenizer.unknown == 0 && tokenizer.padding == 2)
        #expect(tokenizer.eot == 2)
        #expect(tokenizer.endOfGeneration == [0, 2])
        #expect(!tokenizer.addsBOS && !tokenizer.addsEOS)
        #expect(tokenizer.tokenType(1) == .control)
        #expect(tokenizer.tokenType(260) == .normal)
    }

    @Test func gemma3SpecialIDs() throws {
        let tokenizer = try Self.gemma.get()
        #expect(tokenizer.kind == .sentencePiece)
        #expect(tokenizer.vocabularySize == 262_144)
        #expect(tokenizer.bos == 2 && tokenizer.eos == 1 && tokenizer.unknown == 3 && tokenizer.padding == 0)
        #expect(tokenizer.eot == 106)
        #expect(tokenizer.endOfGeneration == [1, 106])
        #expect(tokenizer.addsBOS && !tokenizer.addsEOS && !tokenizer.addsSpacePrefix)
        #expect(tokenizer.tokenType(303) == .byte)
        #expect(tokenizer.tokenType(138) == .userDefined)
    }

    @Test func tokenBytesUndoTheVocabularyEncodings() throws {
        let smol = try Self.smol.get()
        #expect(smol.tokenBytes(260) == Array(" the".utf8))  // Ġthe
        #expect(smol.tokenBytes(198) == [0x0A])  // Ċ
        #expect(smol.tokenBytes(2) == Array("<|im_end|>".utf8))
        #expect(smol.tokenBytes(-1) == [] && smol.tokenBytes(49152) == [])
        let gemma = try Self.gemma.get()
        #expect(gemma.tokenBytes(506) == Array(" the".utf8))  // ▁the
        #expect(gemma.tokenBytes(303) == [0x41])  // <0x41>
        #expect(gemma.tokenBytes(138) == Array("  ".utf8))  // user-defined, two spaces
        #expect(gemma.tokenBytes(106) == Array("<end_of_turn>".utf8))
    }

    @Test func controlTokensAreTextUnlessSpecialsAreParsed() throws {
        let smol = try Self.smol.get()
        #expect(smol.encode("<|im_end|>", addSpecial: false, parseSpecial: true) == [2])
        let plain = smol.encode("<|im_end|>", addSpecial: false, parseSpecial: false)
        #expect(plain.first == 44 && !plain.contains(2))  // starts with '<'
        #expect(smol.decode(plain) == "<|im_end|>")
        #expect(smol.decode([2]) == "" && smol.decode([2], renderSpecial: true) == "<|im_end|>")
    }

    @Test func userDefinedTokensMatchEvenWithoutSpecialParsing() throws {
        let gemma = try Self.gemma.get()
        let ids = gemma.encode("a  b", addSpecial: false, parseSpecial: false)
        #expect(ids.contains(138))
        #expect(gemma.encode("<start_of_turn>", addSpecial: false, parseSpecial: true) == [105])
        #expect(!gemma.encode("<start_of_turn>", addSpecial: false, parseSpecial: false).contains(105))
    }

    @Test func addSpecialFollowsTheModelsBOSRule() throws {
        let gemma = try Self.gemma.get()
        #expect(gemma.encode("Hi", addSpecial: true, parseSpecial: true).first == 2)
        #expect(gemma.encode("Hi", addSpecial: false, parseSpecial: true).first != 2)
        #expect(gemma.encode("", addSpecial: true, parseSpecial: true) == [2])
        let smol = try Self.smol.get()
        #expect(smol.encode("Hi", addSpecial: true, parseSpecial: true) == smol.encode("Hi", addSpecial: false, parseSpecial: true))
    }

    @Test(arguments: ["a 🦙 東京 done", "Zürich 😶‍🌫️ ok", "<|im_start|>x"])
    func streamingNeverSplitsACharacter(_ text: String) throws {
        for tokenizer in [try Self.smol.get(), try Self.gemma.get()] {
            let ids = tokenizer.encode(text, addSpecial: false, parseSpecial: true)
            var detokenizer = StreamingDetokenizer(tokenizer: tokenizer, renderSpecial: true)
            var chunks: [String] = []
            for id in ids { chunks.append(detokenizer.append(id)) }
            chunks.append(detokenizer.finish())
            #expect(chunks.joined() == text)
            #expect(chunks.allSatisfy { !$0.unicodeScalars.contains("\u{FFFD}") })
        }
    }

    @Test func streamingHoldsAPartialCharacterUntilComplete() throws {
        let smol = try Self.smol.get()
        // "🦙" is split over three byte-level tokens in this vocabulary.
        let ids = smol.encode("a🦙", addSpecial: false, parseSpecial: false)
        #expect(ids.count == 4)
        var detokenizer = StreamingDetokenizer(tokenizer: smol)
        #expect(ids.map { detokenizer.append($0) } == ["a", "", "", "🦙"])
        // An unfinished character is flushed as U+FFFD.
        var cut = StreamingDetokenizer(tokenizer: smol)
        #expect(cut.append(ids[1]) == "")
        #expect(cut.finish() == "\u{FFFD}")
    }
}
