import Foundation
import GGUF
import Runtime
import TestSupport
import Testing

/// Texts of ours (code, numbers, whitespace runs, combining marks, scripts, special tokens) under
/// the Qwen 3.5 and Gemma 4 vocabularies, and under the tiny models' vocabulary with the tekken,
/// lfm2 and qwen35 pre-tokenizers, against the ids `llama-tokenize` printed for them
/// (`Tests/Reference/newer-vocab-tokenize.json`, made by `scripts/oracles/llama_tokenize_cases.py`):
/// BOS as the vocabulary asks, special tokens parsed.
@Suite struct NewerVocabularyTests {
    static let reference = TestPaths.repoRoot.appendingPathComponent("Tests/Reference/newer-vocab-tokenize.json")

    @Test(arguments: ["qwen35", "gemma-4", "tiny-mistral3-f32", "tiny-lfm2-f32", "tiny-qwen35-f32"])
    func matchesLlamaTokenize(_ name: String) throws {
        let json = try JSONValue(parsing: String(contentsOf: Self.reference, encoding: .utf8))
        let cases = json["cases"]?[name]?.arrayValue ?? []
        #expect(cases.count >= 17)
        let tokenizer = name.hasPrefix("tiny-")
            ? try Tokenizer(file: GGUFFile(path: TestPaths.shared.appendingPathComponent("reference/tiny/\(name).gguf").path))
            : try VocabularyFixtures.tokenizer(name)
        for (index, entry) in cases.enumerated() {
            let text = entry["text"]?.stringValue ?? ""
            let expected = (entry["ids"]?.arrayValue ?? []).compactMap { $0.doubleValue.map { Int32($0) } }
            let ids = tokenizer.encode(text, addSpecial: true, parseSpecial: true)
            #expect(ids == expected, "\(name) case \(index): \(text.debugDescription)")
            // Decoding gives the text back (after the BOS llama.cpp adds).
            let body = ids.first == tokenizer.bos && tokenizer.addsBOS ? Array(ids.dropFirst()) : ids
            #expect(tokenizer.decode(body, renderSpecial: true) == text, "\(name) case \(index) decodes")
        }
    }
}
