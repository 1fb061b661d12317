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

    /// `forwardSteps(batch:)`: three sequences at different positions checking 1, 5 and 15
    /// rows in one pass get, row for row, the logits of their own one-token steps.
    @Test(arguments: ["smollm2", "gemma3", "tiny-llama-q4_0"])
    func batchedForwardStepsEqualEachSequenceSteps(_ name: String) throws {
        let model = try Self.model(name)
        let prompts: [[Int32]] = [[1, 42, 77], [1, 300, 12, 5, 99, 150, 8, 9, 10], [1, 61, 72]]
        let continuations: [[Int32]] = [[17], [230, 8, 64, 111, 19], [250, 3, 44, 61, 72, 13, 27, 33, 5, 6, 7, 8, 9, 10, 11]]
        let width = model.config.vocabularySize
        var expected: [[[Float]]] = []
        for (prompt, continuation) in zip(prompts, continuations) {
            let cache = model.makeCache(contextLength: 64)
            _ = try model.forward(prompt, cache: cache)
            expected.append(try continuation.map { token throws in try model.forward([token], cache: cache) })
        }
        let caches = prompts.map { _ in model.makeCache(contextLength: 64) }
        for (prompt, cache) in zip(prompts, caches) { _ = try model.forward(prompt, cache: cache) }
        let rows = try model.forwardSteps(batch: zip(continuations, caches).map { ForwardSegment(tokens: $0, cache: $1) })
        for (i, continuation) in continuations.enumerated() {
            #expect(rows[i].count == continuation.count * width)
            for row in continuation.indices {
                #expect(Array(rows[i][row * width..<(row + 1) * width]) == expected[i][row], "\(name): sequence \(i), row \(row)")
            }
            #expect(caches[i].tokens == prompts[i] + continuation)
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
