import Foundation
import GGUF
@testable import Runtime
import TestSupport
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

    /// Tekken (Ministral) and Qwen 3.5 against Python's `regex` running the patterns llama.cpp
    /// uses (Tekken as llama.cpp rewrites it, with lookaheads; Qwen 3.5's original).
    @Test(arguments: [
        ("tekken", #"[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"#),
        ("qwen35", #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#),
    ])
    func newerPatternsMatchPythonRegex(_ name: String, _ regex: String) throws {
        let texts = [
            "HelloWorld iPhone ABCdef McDonald's ÉCOLE école naïve",
            "don't I'LL we've 'Re you'd",
            "URLs: https://a.b/c/d?x=1 and paths a/b/c/\n/",
            "12345 3.14 1e-5 ½ ² ①",
            "  lots   of\tspace\n\n\r\n end  ",
            "東京タワー and 서울 and Ελληνικά ΑΒΓαβγ Русский ТЕКСТ",
            "e\u{301}cole a\u{308}b n\u{303} \u{915}\u{94D}\u{937} \u{E01}\u{E34}",
            "camelCaseWord snake_case_word SCREAMING_CASE MixedUP",
            "emoji 🦙🦙 (a+b)*c != d; x<=y",
        ]
        let input = JSONValue.object(JSONObject([("regex", .string(regex)), ("texts", .array(texts.map { .string($0) }))]))
        let output = try Python.runOracle("regex_split.py", [], stdin: Data(input.compactText.utf8))
        let expected = try JSONValue(parsing: Array(output)).arrayValue ?? []
        #expect(expected.count == texts.count)
        for (text, words) in zip(texts, expected) {
            let oracle = (words.arrayValue ?? []).compactMap(\.stringValue)
            #expect(try Self.words(name, text) == oracle, "\(name): \(text.debugDescription)")
        }
    }
}
