import Foundation
import GGUF
@testable import Runtime
import TestSupport
import Tensor
import Testing

/// The forward pass against llama.cpp's outputs on the tiny random-weight models
/// (`../shared/reference/tiny`): teacher-forced on llama.cpp's tokens, logits of its top-10 at every
/// prompt position within the README's tolerances, and the same argmax at greedy steps whose
/// llama.cpp margin is above the tolerance.
@Suite struct TinyModelTests {
    static let tiny = TestPaths.shared.appendingPathComponent("reference/tiny")

    /// (file, logit tolerance) — the README's measured gaps of an exact engine, with headroom.
    static let floatModels: [(String, Float)] = [
        ("tiny-llama-f32", 0.03), ("tiny-llama-f16", 0.03), ("tiny-llama-bf16", 0.08),
        ("tiny-qwen2-f32", 0.03), ("tiny-qwen3-f32", 0.03), ("tiny-phi3-f32", 0.03),
        ("tiny-phi3-prope-tied-f32", 0.04), ("tiny-smollm3-f32", 0.03), ("tiny-mistral3-f32", 0.03),
        ("tiny-qwen3moe-f32", 0.03), ("tiny-lfm2-f32", 0.03), ("tiny-qwen35-f32", 0.03),
        // Gemma 4 is more sensitive to llama.cpp's F16 flash-attention rounding (README: exact math 0.029).
        ("tiny-gemma4-f32", 0.05),
        ("tiny-llama-q8_0", 0.25), ("tiny-llama-q5_1", 0.25), ("tiny-llama-q5_0", 0.25),
        ("tiny-llama-q4_1", 0.25), ("tiny-llama-q4_0", 0.25),
    ]

    /// llama.cpp's top-1 minus top-2 logit at each greedy step: in `greedy-margins.json` for the
    /// first 12 models, in each prompt's `greedy_margins` for the newer ones.
    static func margins(_ name: String) throws -> [[Float]] {
        func floats(_ v: JSONValue?) -> [Float] { (v?.arrayValue ?? []).map { Float($0.doubleValue ?? 0) } }
        let json = try JSONValue(parsing: String(contentsOf: tiny.appendingPathComponent("greedy-margins.json"), encoding: .utf8))
        if let known = json[name]?.arrayValue { return known.map(floats) }
        let lines = try String(contentsOf: tiny.appendingPathComponent("\(name).jsonl"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.isEmpty }
        return try lines.map { floats(try JSONValue(parsing: String($0))["greedy_margins"]) }
    }

    @Test(arguments: floatModels)
    func matchesLlamaCpp(_ name: String, _ tolerance: Float) throws {
        let model = try Model(file: GGUFFile(path: Self.tiny.appendingPathComponent("\(name).gguf").path))
        let (worst, checkedSteps) = try Self.compare(model, name, tolerance: tolerance)
        print("\(name): max top-10 logit Δ \(worst), greedy steps checked \(checkedSteps)")
        #expect(worst <= tolerance, "\(name): max top-10 logit difference \(worst)")
        #expect(checkedSteps > (tolerance > 0.1 ? 40 : 80), "\(name): only \(checkedSteps) greedy steps had a clear margin")
    }

    /// `model` teacher-forced on `name`'s reference prompts and llama.cpp's greedy tokens: the
    /// largest difference from llama.cpp's top-10 logits, and how many greedy steps whose
    /// llama.cpp margin exceeds twice `tolerance` were checked (each must be llama.cpp's argmax).
    static func compare(_ model: Model, _ name: String, tolerance: Float,
                        contextLength: Int? = nil) throws -> (worst: Float, checkedSteps: Int) {
        let prompts = try ReferencePrompt.load(Self.tiny.appendingPathComponent("\(name).jsonl"))
        let margins = try Self.margins(name)
        #expect(prompts.count == 4 && margins.count == 4)
        var worst: Float = 0
        var checkedSteps = 0
        for (p, reference) in prompts.enumerated() {
            let cache = model.makeCache(contextLength: contextLength)
            let sequence = reference.tokens + reference.greedy.dropLast()
            let logits = try model.forward(sequence, cache: cache, logits: .all)
            let vocab = model.config.vocabularySize
            for (position, top) in reference.topK.enumerated() {
                for entry in top {
                    let ours = logits[position * vocab + Int(entry.token)]
                    worst = max(worst, abs(ours - entry.logit))
                }
            }
            for (step, token) in reference.greedy.enumerated() where margins[p][step] > 2 * tolerance {
                let position = reference.tokens.count - 1 + step
                let row = Array(logits[(position * vocab)..<((position + 1) * vocab)])
                let argmax = row.indices.max { row[$0] < row[$1] } ?? -1
                #expect(Int32(argmax) == token, "\(name) prompt \(p) greedy step \(step)")
                checkedSteps += 1
            }
        }
        return (worst, checkedSteps)
    }

    @Test func thresholdAndSplitBatchesAgree() throws {
        // Processing the prompt in pieces (prefix reuse) gives the same logits as in one batch.
        let model = try Model(file: GGUFFile(path: Self.tiny.appendingPathComponent("tiny-qwen2-f32.gguf").path))
        let tokens = try ReferencePrompt.load(Self.tiny.appendingPathComponent("tiny-qwen2-f32.jsonl"))[3].tokens
        let whole = try model.forward(tokens, cache: model.makeCache())
        let cache = model.makeCache()
        _ = try model.forward(Array(tokens[..<50]), cache: cache)
        _ = try model.forward(Array(tokens[50..<51]), cache: cache)
        let split = try model.forward(Array(tokens[51...]), cache: cache)
        let diff = zip(whole, split).map { abs($0 - $1) }.max() ?? .infinity
        #expect(diff < 1e-3)
        #expect(cache.count == tokens.count)
    }

    @Test func clearErrors() throws {
        let model = try Model(file: GGUFFile(path: Self.tiny.appendingPathComponent("tiny-llama-f32.gguf").path))
        let small = model.makeCache(contextLength: 4)
        #expect(throws: ModelError.contextFull(limit: 4)) { try model.forward([1, 2, 3, 4, 5], cache: small) }
        #expect(throws: ModelError.invalidToken(384)) { try model.forward([384], cache: model.makeCache()) }
    }
}

@Suite struct ThreadCountTests {
    @Test(arguments: ["tiny-llama-q4_1", "tiny-qwen3-f32"])
    func logitsDoNotDependOnThreads(_ name: String) throws {
        let model = try Model(file: GGUFFile(path: TinyModelTests.tiny.appendingPathComponent("\(name).gguf").path))
        let tokens = try ReferencePrompt.load(TinyModelTests.tiny.appendingPathComponent("\(name).jsonl"))[3].tokens
        var results: [[Float]] = []
        for threads in [1, 2, 3] {
            let cache = model.makeCache(pool: ThreadPool(threads: threads))
            var logits = try model.forward(Array(tokens.dropLast()), cache: cache, logits: .all)
            logits += try model.forward([tokens.last ?? 0], cache: cache)
            results.append(logits)
        }
        for other in results.dropFirst() {
            #expect(other.count == results[0].count)
            #expect(zip(results[0], other).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($0)) })
        }
    }
}
