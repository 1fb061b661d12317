import Foundation
import GGUF
import Runtime
import Testing
import TestSupport

/// The prompt token ids llama.cpp produced for both real models (`../shared/reference/*.jsonl`):
/// specials parsed, BOS by the model's rule (SmolLM2 none, Gemma 3 yes).
@Suite struct ReferencePromptTests {
    struct Model: Sendable, CustomTestStringConvertible {
        let file: URL
        let reference: String
        var testDescription: String { file.lastPathComponent }
    }

    static let models = [
        Model(file: TestPaths.smolLM2, reference: "smollm2-135m-instruct-q4_1.jsonl"),
        Model(file: TestPaths.gemma3, reference: "gemma-3-270m-q4_k_m.jsonl"),
    ]

    static func prompts(_ model: Model) throws -> [(prompt: String, tokens: [Int32])] {
        let url = TestPaths.shared.appendingPathComponent("reference/\(model.reference)")
        let lines = try String(decoding: Data(contentsOf: url), as: UTF8.self).split(separator: "\n")
        return try lines.map { line in
            let object = try JSONValue(parsing: String(line))
            guard let prompt = object["prompt"]?.stringValue, let tokens = object["tokens"]?.arrayValue else {
                throw ReferenceFormatError(line: String(line.prefix(80)))
            }
            return (prompt, tokens.compactMap { $0.intValue.map { Int32($0) } })
        }
    }

    struct ReferenceFormatError: Error { let line: String }

    @Test(arguments: models)
    func reproducesPromptTokens(_ model: Model) throws {
        let tokenizer = try Tokenizer(file: GGUFFile(path: model.file.path))
        let prompts = try Self.prompts(model)
        #expect(prompts.count == 6)
        for (prompt, expected) in prompts {
            let ids = tokenizer.encode(prompt, addSpecial: true, parseSpecial: true)
            #expect(ids == expected, "\(prompt.prefix(60).debugDescription)")
            let skipBOS = ids.first == tokenizer.bos && tokenizer.addsBOS ? 1 : 0
            #expect(tokenizer.decode(ids.dropFirst(skipBOS), renderSpecial: true) == prompt)
        }
    }
}
