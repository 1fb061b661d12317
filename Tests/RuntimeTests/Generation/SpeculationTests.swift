import Foundation
import GGUF
@testable import Runtime
import TestSupport
import Testing

/// Speculative decoding (`DecodeLoop`, `Drafter`): drafts checked in one pass give the output of
/// one token per step.
@Suite struct SpeculationTests {
    /// `forwardSteps` gives each row the logits a one-token `forward` gives, bit for bit: the
    /// premise that makes checked drafts produce the step-by-step text.
    @Test(arguments: ["smollm2", "gemma3", "tiny-llama-f32", "tiny-llama-q4_0"])
    func forwardStepsEqualsOneTokenSteps(_ name: String) throws {
        let model = try Self.model(name)
        let prompt: [Int32] = [1, 42, 77, 300, 12, 5, 99, 150]
        let continuation: [Int32] = [17, 230, 8, 64, 111, 19, 250, 3, 44, 61, 72, 13, 27, 33]
        let stepped = model.makeCache(contextLength: 64)
        _ = try model.forward(prompt, cache: stepped)
        var expected: [[Float]] = []
        for token in continuation { expected.append(try model.forward([token], cache: stepped)) }
        for count in [2, 5, continuation.count] {
            let batched = model.makeCache(contextLength: 64)
            _ = try model.forward(prompt, cache: batched)
            let rows = try model.forwardSteps(Array(continuation.prefix(count)), cache: batched)
            let width = model.config.vocabularySize
            for row in 0..<count {
                #expect(Array(rows[row * width..<(row + 1) * width]) == expected[row], "\(name): \(count) rows, row \(row)")
            }
        }
    }

    static func model(_ name: String) throws -> Model {
        let path: String
        switch name {
        case "smollm2": path = TestPaths.smolLM2.path
        case "gemma3": path = TestPaths.gemma3.path
        default: path = SessionTests.tiny.appendingPathComponent("\(name).gguf").path
        }
        return try Model(file: GGUFFile(path: path))
    }
}
