import GGUF
@testable import Runtime
import Testing

/// The pattern matcher against splits worked out by hand from the regex semantics
/// (alternatives in order, greedy quantifiers with backtracking, lookahead).
@Suite struct SplitPatternTests {
    static func words(_ preName: String, _ text: String) throws -> [String] {
        let preTokenizer = try PreTokenizer(preName: preName)
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            preTokenizer.split(buffer).map { String(decoding: bytes[$0], as: UTF8.self) }
        }
    }

    @Test func gpt2KeepsOneSpaceBeforeAWordAndSplitsContractions() throws {
        #expect(try Self.words("gpt-2", "Hello world's  test\n\n x")
            == ["Hello", " world", "'s", " ", " test", "\n\n", " x"])
        #expect(try Self.words("gpt-2", "I'VE 12345!!") == ["I", "'", "VE", " 12345", "!!"])
    }

    @Test func llama3GroupsDigitsByThreeAndFoldsContractionCase() throws {
        #expect(try Self.words("llama-bpe", "333333 abc") == ["333", "333", " abc"])
        #expect(try Self.words("llama-bpe", "I'VE ok.\n\n") == ["I", "'VE", " ok", ".\n\n"])
    }

    @Test func qwen2SplitsEveryDigit() throws {
        #expect(try Self.words("qwen2", "x 123") == ["x", " ", "1", "2", "3"])
    }

    @Test func starcoderIsolatesDigitsBeforeTheGPT2Pattern() throws {
        #expect(try Self.words("smollm", "a12 b") == ["a", "1", "2", " b"])
    }

    @Test func unicodeCategoriesApplyBeyondASCII() throws {
        #expect(try Self.words("gpt-2", "Zürich 東京 ½") == ["Zürich", " 東京", " ½"])
    }

    @Test func unsupportedSyntaxIsRejected() {
        for source in ["(?<=a)b", "a{2", "[abc", "\\q", "a|", "(?:a)b"] {
            #expect(throws: TokenizerError.self, "\(source)") { try SplitPattern(source) }
        }
    }

    @Test func unknownPreTokenizerAndModelAreErrors() throws {
        func load(model: String, pre: String) throws -> Tokenizer {
            var writer = GGUFWriter()
            writer.metadata.append("tokenizer.ggml.model", .string(model))
            writer.metadata.append("tokenizer.ggml.pre", .string(pre))
            writer.metadata.append("tokenizer.ggml.tokens", .array(GGUFArray(elementType: .string, values: [.string("a"), .string("b")])))
            writer.metadata.append("tokenizer.ggml.merges", .array(GGUFArray(elementType: .string, values: [.string("a b")])))
            return try Tokenizer(file: GGUFFile(bytes: writer.serialized()))
        }
        #expect(throws: TokenizerError.unknownPreTokenizer("no-such-pre")) { try load(model: "gpt2", pre: "no-such-pre") }
        #expect(throws: TokenizerError.unsupportedModel("bert")) { try load(model: "bert", pre: "default") }
        let tiny = try load(model: "gpt2", pre: "gpt-2")
        #expect(tiny.encode("ab", addSpecial: false, parseSpecial: false) == [0, 1])
    }

    @Test func mergesAreReadFromTheFile() throws {
        func load(tokens: [String], merges: [String]) throws -> Tokenizer {
            var writer = GGUFWriter()
            writer.metadata.append("tokenizer.ggml.model", .string("gpt2"))
            writer.metadata.append("tokenizer.ggml.pre", .string("gpt-2"))
            writer.metadata.append("tokenizer.ggml.tokens", .array(GGUFArray(elementType: .string, values: tokens.map { .string($0) })))
            writer.metadata.append("tokenizer.ggml.merges", .array(GGUFArray(elementType: .string, values: merges.map { .string($0) })))
            return try Tokenizer(file: GGUFFile(bytes: writer.serialized()))
        }
        // "Ġ" is GPT-2's mapped space (two UTF-8 bytes), so "Ġa" is the bytes " a".
        // Lowest rank first: with "a b" first, " ab" becomes "Ġ" + "ab"; with it last, "Ġab".
        let tokens = ["a", "b", "ab", "Ġ", "Ġa", "Ġab"]
        let abFirst = try load(tokens: tokens, merges: ["a b", "Ġ a", "Ġa b"])
        #expect(abFirst.encode("ab ab", addSpecial: false, parseSpecial: false) == [2, 3, 2])
        let abLast = try load(tokens: tokens, merges: ["Ġ a", "Ġa b", "a b"])
        #expect(abLast.encode("ab ab", addSpecial: false, parseSpecial: false) == [2, 5])
        #expect(throws: TokenizerError.invalidMerge(index: 1, text: "ab")) { try load(tokens: ["a", "b"], merges: ["a b", "ab"]) }
        #expect(throws: TokenizerError.invalidMerge(index: 0, text: "a 東")) { try load(tokens: ["a", "b"], merges: ["a 東"]) }
    }
}
