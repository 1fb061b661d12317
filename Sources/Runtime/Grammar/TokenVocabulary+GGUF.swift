import Foundation
import GGUF

/// An error loading a vocabulary for the grammar engine.
public struct VocabularyError: Error, CustomStringConvertible {
    public let description: String
}

extension TokenVocabulary {
    /// The vocabulary of a GGUF model: GPT-2 byte-level tokens (`tokenizer.ggml.model` "gpt2") are
    /// un-mapped to raw bytes; SentencePiece tokens ("llama") get `▁` → space and `<0xNN>` → the
    /// byte. Control and other special tokens get no bytes. EOS (and EOT, if set) end generation.
    public convenience init(gguf file: GGUFFile) throws(VocabularyError) {
        do {
            let tokens = try file.metadata.strings("tokenizer.ggml.tokens")
            let types = file.metadata.contains("tokenizer.ggml.token_type") ? try file.metadata.ints("tokenizer.ggml.token_type") : nil
            let model = file.metadata.contains("tokenizer.ggml.model") ? try file.metadata.string("tokenizer.ggml.model") : "gpt2"
            var eos: [Int] = []
            for key in ["tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id"] {
                if let id = try file.metadata.intIfPresent(key), !eos.contains(id) { eos.append(id) }
            }
            if model == "gpt2" {
                self.init(gpt2Tokens: tokens, tokenTypes: types, eosTokens: eos)
            } else if model == "llama" {
                self.init(sentencePieceTokens: tokens, tokenTypes: types, eosTokens: eos)
            } else {
                throw VocabularyError(description: "tokenizer model '\(model)' is not supported (gpt2 and llama are)")
            }
        } catch let error as VocabularyError {
            throw error
        } catch {
            throw VocabularyError(description: "cannot read the vocabulary: \(error)")
        }
    }

    /// SentencePiece pieces: `▁` is a space, byte tokens (type 6) `<0xNN>` are that byte.
    public convenience init(sentencePieceTokens: [String], tokenTypes: [Int]?, eosTokens: [Int]) {
        let bytes: [[UInt8]] = sentencePieceTokens.enumerated().map { id, text in
            let type = tokenTypes.flatMap { id < $0.count ? $0[id] : nil } ?? 1
            if type == 6, text.hasPrefix("<0x"), text.hasSuffix(">"), let b = UInt8(text.dropFirst(3).dropLast(), radix: 16) {
                return [b]
            }
            guard type == 1 else { return [] }
            return Array(text.replacingOccurrences(of: "\u{2581}", with: " ").utf8)
        }
        self.init(tokens: bytes, eosTokens: eosTokens)
    }

    /// Loads a `.gguf` model's vocabulary, or a vocabulary text file: the EOS id on the first line,
    /// then one line per token id with its bytes in hex (empty for special tokens), as written by
    /// `scripts/oracles/vocab_bytes.py`.
    public static func load(path: String) throws(VocabularyError) -> TokenVocabulary {
        if path.hasSuffix(".gguf") {
            do {
                return try TokenVocabulary(gguf: try GGUFFile(path: path))
            } catch let error as VocabularyError {
                throw error
            } catch {
                throw VocabularyError(description: "\(path): \(error)")
            }
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw VocabularyError(description: "\(path): cannot read the file")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        guard let first = lines.first, let eos = Int(first) else {
            throw VocabularyError(description: "\(path): first line must be the EOS token id")
        }
        var tokens: [[UInt8]] = []
        for (n, line) in lines.dropFirst().enumerated() {
            guard line.count % 2 == 0 else { throw VocabularyError(description: "\(path):\(n + 2): odd number of hex digits") }
            var bytes: [UInt8] = []
            var i = line.startIndex
            while i < line.endIndex {
                let j = line.index(i, offsetBy: 2)
                guard let b = UInt8(line[i..<j], radix: 16) else { throw VocabularyError(description: "\(path):\(n + 2): bad hex") }
                bytes.append(b)
                i = j
            }
            tokens.append(bytes)
        }
        return TokenVocabulary(tokens: tokens, eosTokens: [eos])
    }
}
