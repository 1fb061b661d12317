import Foundation
import GGUF
import Runtime
import TestSupport

/// llama.cpp's tokenizer test vocabularies in `../shared/vocab` and their cases.
enum VocabularyFixtures {
    static let names = [
        "llama-spm", "llama-bpe", "phi-3", "qwen2", "gpt-2", "starcoder", "falcon", "deepseek-llm", "mpt", "qwen35", "gemma-4",
    ]

    /// The newer families' vocabularies, from llama.cpp's sources (`scripts/fetch-vocab.sh`).
    static let newer = ["qwen35", "gemma-4"]

    static func url(_ name: String) -> URL {
        newer.contains(name) ? TestPaths.vocabCache.appendingPathComponent("ggml-vocab-\(name).gguf")
            : TestPaths.shared.appendingPathComponent("vocab/ggml-vocab-\(name).gguf")
    }

    static func tokenizer(_ name: String) throws -> Tokenizer {
        try Tokenizer(file: GGUFFile(path: url(name).path))
    }

    /// The inputs (`.inp`, separated by lines `__ggml_vocab_test__`) with their expected ids
    /// (`.out`, one line of space-separated ids per input, no BOS, special parsing off).
    static func cases(_ name: String) throws -> [(text: String, ids: [Int32])] {
        let base = url(name).path
        let input = try String(decoding: Data(contentsOf: URL(fileURLWithPath: base + ".inp")), as: UTF8.self)
        let output = try String(decoding: Data(contentsOf: URL(fileURLWithPath: base + ".out")), as: UTF8.self)
        // Most files end with their separator, which leaves one empty element to drop; some (gemma-4)
        // end with the last text instead.
        var texts = input.components(separatedBy: "\n__ggml_vocab_test__\n")
        if input.hasSuffix("\n__ggml_vocab_test__\n") { texts.removeLast() }
        let lines = output.components(separatedBy: "\n").dropLast()
        guard texts.count == lines.count else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "\(name): \(texts.count) texts, \(lines.count) id lines"])
        }
        return zip(texts, lines).map { text, line in
            (text, line.split(separator: " ").compactMap { Int32($0) })
        }
    }
}
