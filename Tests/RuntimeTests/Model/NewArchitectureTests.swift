import Foundation
import GGUF
@testable import Runtime
import TestSupport
import Tensor
import Testing

/// The newer architectures beyond the one-batch comparison in `TinyModelTests`: decoding token by
/// token, in uneven chunks, and in a batch of sequences gives the logits of one whole pass (the
/// recurrent state and the shared KV carry across steps), and going back in the cache restores
/// the recurrent state of a checkpoint.
@Suite struct NewArchitectureTests {
    static let names = ["tiny-gemma4-f32", "tiny-qwen35-f32", "tiny-lfm2-f32", "tiny-qwen3moe-f32"]

    static func load(_ name: String) throws -> (Model, [Int32]) {
        let model = try Model(file: GGUFFile(path: TinyModelTests.tiny.appendingPathComponent("\(name).gguf").path))
        let reference = try ReferencePrompt.load(TinyModelTests.tiny.appendingPathComponent("\(name).jsonl"))[3]
        return (model, reference.tokens + reference.greedy)
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    @Test(arguments: names)
    func stepByStepEqualsOnePass(_ name: String) throws {
        let (model, tokens) = try Self.load(name)
        let vocab = model.config.vocabularySize
        let whole = try model.forward(tokens, cache: model.makeCache(), logits: .all)
        // Uneven chunks (a prompt batch, then single tokens, then a chunk again), F32 cache so the
        // comparison is not blurred by F16 rounding of K and V.
        let cache = model.makeCache(precision: .f32)
        let reference = try model.forward(tokens, cache: model.makeCache(precision: .f32), logits: .all)
        var offset = 0
        var worst: Float = 0
        for size in [17, 1, 1, 1, 5, 1, 40, 1] + Array(repeating: 1, count: 200) where offset < tokens.count {
            let end = min(offset + size, tokens.count)
            let logits = try model.forward(Array(tokens[offset..<end]), cache: cache, logits: .all)
            worst = max(worst, Self.maxDifference(logits, Array(reference[offset * vocab..<end * vocab])))
            offset = end
        }
        print("\(name): chunked vs one pass max logit Δ \(worst); F16 vs F32 cache \(Self.maxDifference(whole, reference))")
        #expect(worst < 2e-3, "\(name): chunked decoding differs from one pass by \(worst)")
        #expect(cache.count == tokens.count)
    }

    @Test(arguments: names)
    func batchedSequencesEqualAlone(_ name: String) throws {
        let (model, tokens) = try Self.load(name)
        // Three sequences of different lengths decode together after their prompts.
        let prompts = [Array(tokens[..<30]), Array(tokens[..<45]), Array(tokens[5..<25])]
        let caches = prompts.map { _ in model.makeCache(precision: .f32) }
        let alone = prompts.map { _ in model.makeCache(precision: .f32) }
        for (i, prompt) in prompts.enumerated() {
            _ = try model.forward(prompt, cache: caches[i])
            _ = try model.forward(prompt, cache: alone[i])
        }
        var worst: Float = 0
        for step in 0..<6 {
            let next = prompts.indices.map { tokens[60 + step * 3 + $0] }
            let batched = try model.forward(batch: prompts.indices.map { ForwardSegment(tokens: [next[$0]], cache: caches[$0]) })
            for i in prompts.indices {
                worst = max(worst, Self.maxDifference(batched[i], try model.forward([next[i]], cache: alone[i])))
            }
        }
        #expect(worst < 1e-4, "\(name): batched decode differs from alone by \(worst)")
    }

    @Test(arguments: ["tiny-qwen35-f32", "tiny-lfm2-f32"])
    func goingBackRestoresACheckpoint(_ name: String) throws {
        let (model, tokens) = try Self.load(name)
        let prompt = Array(tokens[..<40]), other = Array(tokens[40..<60].reversed())
        let fresh = try model.forward(prompt + other, cache: model.makeCache(precision: .f32))
        let cache = model.makeCache(precision: .f32)
        _ = try model.forward(Array(prompt[..<25]), cache: cache)
        _ = try model.forward(Array(prompt[25...]), cache: cache)
        for token in tokens[40..<50] { _ = try model.forward([token], cache: cache) }
        // The cache holds the prompt and 10 decoded tokens; a new turn shares only the prompt.
        let start = cache.keepPrefix(of: prompt + other)
        #expect(start == prompt.count, "restored to the checkpoint after the prompt")
        let resumed = try model.forward(Array((prompt + other)[start...]), cache: cache)
        #expect(Self.maxDifference(fresh, resumed) < 1e-3)
        // Going back inside the first chunk lands on a checkpoint at or before the target: the
        // start of the second chunk (25), and the logits again match a fresh pass.
        cache.truncate(to: 30)
        #expect(cache.count == 25)
        let again = try model.forward(Array((prompt + other)[cache.count...]), cache: cache)
        #expect(Self.maxDifference(fresh, again) < 1e-3)
        cache.truncate(to: 10)
        #expect(cache.count == 0)
        #expect(Self.maxDifference(fresh, try model.forward(prompt + other, cache: cache)) < 1e-3)
    }

    @Test func layerShapesFromMetadata() throws {
        let gemma = try Self.load("tiny-gemma4-f32").0.config
        #expect(gemma.layers.map(\.headDim) == [32, 32, 64, 32, 64])
        #expect(gemma.layers.map { $0.slidingWindow != nil } == [true, true, false, true, false])
        #expect(gemma.layers.map(\.kvSource) == [-1, -1, -1, 1, 2])
        #expect(gemma.layers.map(\.feedForwardLength) == [128, 128, 128, 256, 256])
        let qwen = try Self.load("tiny-qwen35-f32").0.config
        #expect(qwen.layers.map(\.mixer) == [.gatedDeltaNet, .gatedDeltaNet, .gatedDeltaNet, .attention])
        let lfm = try Self.load("tiny-lfm2-f32").0.config
        #expect(lfm.layers.map(\.mixer) == [.shortConvolution, .shortConvolution, .attention, .shortConvolution, .attention])
        #expect(try Self.load("tiny-qwen3moe-f32").0.config.experts == ExpertConfig(count: 8, used: 2, feedForwardLength: 32))
    }

    /// A decode step reads only the experts it routes to: with every other expert's weights set
    /// to NaN, the logits are the same (a NaN weight that was read would make them NaN).
    @Test func decodeReadsOnlyRoutedExperts() throws {
        let path = TinyModelTests.tiny.appendingPathComponent("tiny-qwen3moe-f32.gguf").path
        let source = try GGUFFile(path: path)
        let model = try Model(file: source)
        let cache = model.makeCache()
        let token: Int32 = 328
        let logits = try model.forward([token], cache: cache)
        let routed = cache.scratch.routedExperts
        #expect(routed.count == 3 && routed.allSatisfy { $0.count == 2 }, "\(routed)")
        var writer = GGUFWriter(version: source.version)
        writer.metadata = source.metadata
        let nan = withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { Array($0) }
        for info in source.tensors {
            var data = Array(source.data(of: info))
            let parts = info.name.split(separator: ".")
            if info.name.hasSuffix("_exps.weight"), parts.count > 1, let layer = Int(parts[1]), info.shape.count == 3 {
                let sliceBytes = data.count / info.shape[2]
                for expert in 0..<info.shape[2] where !routed[layer].contains(expert) {
                    for offset in stride(from: expert * sliceBytes, to: (expert + 1) * sliceBytes, by: 4) {
                        data.replaceSubrange(offset..<offset + 4, with: nan)
                    }
                }
            }
            try writer.addTensor(name: info.name, shape: info.shape, type: info.type, data: data)
        }
        let poisoned = FileManager.default.temporaryDirectory.appendingPathComponent("swiftllm-moe-\(UUID()).gguf").path
        try writer.write(to: poisoned)
        defer { try? FileManager.default.removeItem(atPath: poisoned) }
        let other = try Model(file: GGUFFile(path: poisoned))
        let again = try other.forward([token], cache: other.makeCache())
        #expect(again.allSatisfy { $0.isFinite })
        #expect(again == logits)
    }
}
