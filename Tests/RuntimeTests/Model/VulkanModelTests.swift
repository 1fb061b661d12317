import Foundation
import GGUF
@testable import Runtime
@testable import Tensor
import TestSupport
import Testing

/// Whole models on the Vulkan path (lavapipe in CI): the tiny models against llama.cpp's logits
/// with the CPU tests' tolerances, the two real models against the CPU path (prompt argmax equal
/// wherever the CPU's top-2 margin exceeds 0.1; perplexity within 0.5 %), and models the device
/// path does not run refused with a clear error. Serialized: one device, and lavapipe keeps both
/// cores busy.
@Suite(.serialized) struct VulkanModelTests {
    static let vulkan = ComputeBackend.vulkan(device: nil)

    /// The tiny models whose layers the Vulkan path runs, with `TinyModelTests`' tolerances.
    static let tinyModels = TinyModelTests.floatModels.filter {
        !["tiny-qwen3moe-f32", "tiny-lfm2-f32", "tiny-qwen35-f32", "tiny-gemma4-f32"].contains($0.0)
    }

    static func tiny(_ name: String) -> String { TinyModelTests.tiny.appendingPathComponent("\(name).gguf").path }

    @Test(arguments: tinyModels)
    func tinyModelMatchesLlamaCpp(_ name: String, _ tolerance: Float) throws {
        let model = try Model(file: GGUFFile(path: Self.tiny(name)), backend: Self.vulkan)
        let (worst, checkedSteps) = try TinyModelTests.compare(model, name, tolerance: tolerance, contextLength: 512)
        print("vulkan \(name): max top-10 logit Δ \(worst), greedy steps checked \(checkedSteps)")
        #expect(worst <= tolerance, "\(name): max top-10 logit difference \(worst)")
        #expect(checkedSteps > (tolerance > 0.1 ? 40 : 80))
    }

    /// Decoding one token at a time (positions carried in the device cache, passes of one row)
    /// gives the logits of one long pass (several 32-row passes), a check pass gives exactly the
    /// steps' logits, and a truncated cache resumes.
    @Test func stepsEqualOnePass() throws {
        let model = try Model(file: GGUFFile(path: Self.tiny("tiny-qwen2-f32")), backend: Self.vulkan)
        let tokens = try ReferencePrompt.load(TinyModelTests.tiny.appendingPathComponent("tiny-qwen2-f32.jsonl"))[3].tokens
        #expect(tokens.count > 40)
        let vocab = model.config.vocabularySize
        let whole = try model.forward(tokens, cache: model.makeCache(contextLength: 256), logits: .all)
        let cache = model.makeCache(contextLength: 256)
        _ = try model.forward(Array(tokens[..<35]), cache: cache)
        var worst: Float = 0
        for i in 35..<tokens.count {
            let step = try model.forward([tokens[i]], cache: cache)
            worst = max(worst, zip(step, whole[(i * vocab)..<((i + 1) * vocab)]).map { abs($0 - $1) }.max() ?? .infinity)
        }
        #expect(worst < 1e-3)
        // A speculative check pass (`forwardSteps`, several rows) gives exactly the logits of
        // the one-token steps it stands for: drafted tokens are accepted as decoding would.
        cache.truncate(to: 35)
        var steps: [Float] = []
        for i in 35..<42 { steps += try model.forward([tokens[i]], cache: cache) }
        cache.truncate(to: 35)
        let checked = try model.forwardSteps(Array(tokens[35..<42]), cache: cache)
        #expect(checked == steps)
        cache.truncate(to: 20)
        let resumed = try model.forward(Array(tokens[20..<30]), cache: cache)
        let diff = zip(resumed, whole[(29 * vocab)..<(30 * vocab)]).map { abs($0 - $1) }.max() ?? .infinity
        #expect(diff < 1e-3)
    }

    /// Several sequences in one device pass (as `serve` batches them): a decode step of 10
    /// sequences at different positions gives each exactly the logits of its own one-token step
    /// (more than 8 rows, so the tiled products must stay out of decode steps), and a batch of
    /// prompts that spans several 32-row passes gives each sequence the last-row logits of its
    /// own forward, within the tiled products' rounding.
    @Test func batchedPassesMatchEachSequenceAlone() throws {
        let model = try Model(file: GGUFFile(path: Self.tiny("tiny-qwen2-f32")), backend: Self.vulkan)
        let tokens = try ReferencePrompt.load(TinyModelTests.tiny.appendingPathComponent("tiny-qwen2-f32.jsonl"))[3].tokens
        #expect(tokens.count > 40)
        let lengths = [3, 9, 14, 20, 25, 31, 5, 12, 17, 1]
        func prompts(_ caches: [KVCache]) throws -> [[Float]] {
            try model.forward(batch: zip(lengths, caches).map { ForwardSegment(tokens: Array(tokens[..<$0]), cache: $1) })
        }
        // Prompts in one batch: 137 rows over five passes, sequences split across passes. Two
        // sets of caches get the same batch (so their contents are bit-equal: a 3-token prompt
        // alone takes the matvec, in a batch the tiled product), a third each prompt alone.
        let caches = lengths.map { _ in model.makeCache(contextLength: 128) }
        let alone = lengths.map { _ in model.makeCache(contextLength: 128) }
        let separate = lengths.map { _ in model.makeCache(contextLength: 128) }
        let batched = try prompts(caches)
        _ = try prompts(alone)
        var worst: Float = 0
        for (i, length) in lengths.enumerated() {
            let own = try model.forward(Array(tokens[..<length]), cache: separate[i])
            worst = max(worst, zip(batched[i], own).map { abs($0 - $1) }.max() ?? .infinity)
            #expect(caches[i].count == length && caches[i].tokens == Array(tokens[..<length]))
        }
        #expect(worst < 1e-3, "prompt batch vs alone: \(worst)")
        for step in 0..<3 {
            let next = lengths.map { tokens[$0 + step] }
            let batch = try model.forward(batch: zip(next, caches).map { ForwardSegment(tokens: [$0], cache: $1) })
            for i in lengths.indices {
                let own = try model.forward([next[i]], cache: alone[i])
                #expect(batch[i] == own, "step \(step), sequence \(i): max Δ \(zip(batch[i], own).map { abs($0 - $1) }.max() ?? -1)")
            }
        }
        // Check passes of several sequences (the server's speculation): rows equal the steps.
        let drafts: [[Int32]] = lengths.indices.map { i in Array(tokens[(lengths[i] + 3)..<(lengths[i] + 3 + 1 + i % 4)]) }
        let checked = try model.forwardSteps(batch: zip(drafts, caches).map { ForwardSegment(tokens: $0, cache: $1) })
        let vocab = model.config.vocabularySize
        for i in lengths.indices {
            for (row, token) in drafts[i].enumerated() {
                let own = try model.forward([token], cache: alone[i])
                #expect(Array(checked[i][(row * vocab)..<((row + 1) * vocab)]) == own, "check pass, sequence \(i), row \(row)")
            }
        }
    }

    /// A cache's descriptor sets come from its own pool, freed with the cache: 300 caches made
    /// and dropped (each with a pass) leave no pool behind and add none to the device's own.
    @Test func droppedCachesFreeTheirDescriptorSets() throws {
        let model = try Model(file: GGUFFile(path: Self.tiny("tiny-qwen2-f32")), backend: Self.vulkan)
        let device = try #require(model.accelerator.model?.device)
        _ = try model.forward([1, 2], cache: model.makeCache(contextLength: 64))
        let sharedPools = device.sharedDescriptorPools
        weak var lastPool: VulkanDescriptorPool?
        for i in 0..<300 {
            let cache = model.makeCache(contextLength: 64)
            _ = try model.forward([Int32(1 + i % 7)], cache: cache)
            lastPool = cache.vulkan?.layers.first?.store.pool
            #expect(lastPool != nil)
        }
        #expect(lastPool == nil, "the last cache's descriptor pool outlived the cache")
        #expect(device.sharedDescriptorPools == sharedPools)
    }

    @Test(arguments: ["tiny-lfm2-f32", "tiny-qwen35-f32", "tiny-qwen3moe-f32", "tiny-gemma4-f32"])
    func unsupportedModelsAreRefusedClearly(_ name: String) throws {
        do {
            _ = try Model(file: GGUFFile(path: Self.tiny(name)), backend: Self.vulkan)
            Issue.record("\(name) loaded on the Vulkan path")
        } catch let error as ModelError {
            guard case .backend(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.contains("cannot run this model yet"), "\(message)")
        }
    }

    /// The real models on the Vulkan path against llama.cpp's reference logits, beside the CPU
    /// path on the same positions: the prompt argmax equals the CPU path's wherever the CPU's
    /// top-1 leads its top-2 by more than 0.1, and the mean gap of the log-probability of
    /// llama.cpp's top-1 stays within the CPU tests' bound (0.1). The reference prompts up to 29
    /// tokens (SmolLM2's first three, Gemma3's first two: its 262k-row output projection is slow
    /// on lavapipe).
    @Test(arguments: [0, 1])
    func realModelMatchesLlamaCppAndTheCPU(_ index: Int) throws {
        let (url, referenceName) = RealModelFidelityTests.cases[index]
        try #require(FileManager.default.fileExists(atPath: url.path), "run scripts/fetch-models.sh")
        let file = try GGUFFile(path: url.path)
        let cpu = try Model(file: file)
        let gpu = try Model(file: file, backend: Self.vulkan)
        let prompts = try ReferencePrompt.load(TestPaths.shared.appendingPathComponent("reference/\(referenceName)"))
            .prefix(index == 0 ? 3 : 2)
        let vocab = cpu.config.vocabularySize
        var clear = 0, agree = 0, positions = 0
        var gapCPU = 0.0, gapGPU = 0.0, llamaAgreeGPU = 0
        for reference in prompts {
            let a = try cpu.forward(reference.tokens, cache: cpu.makeCache(contextLength: 512), logits: .all)
            let b = try gpu.forward(reference.tokens, cache: gpu.makeCache(contextLength: 512), logits: .all)
            for (position, top) in reference.topK.enumerated() {
                let row = a[(position * vocab)..<((position + 1) * vocab)]
                let other = b[(position * vocab)..<((position + 1) * vocab)]
                let cpuTop = row.indices.max { row[$0] < row[$1] } ?? -1
                let gpuTop = other.indices.max { other[$0] < other[$1] } ?? -1
                positions += 1
                let best = Int(top[0].token)
                gapCPU += abs(PerplexityEvaluator.logSoftmax(a, row: position, width: vocab, at: best) - Double(top[0].logprob))
                gapGPU += abs(PerplexityEvaluator.logSoftmax(b, row: position, width: vocab, at: best) - Double(top[0].logprob))
                if gpuTop - position * vocab == best { llamaAgreeGPU += 1 }
                let sorted = row.sorted(by: >)
                guard sorted[0] - sorted[1] > 0.1 else { continue }
                clear += 1
                if gpuTop - position * vocab == cpuTop - position * vocab { agree += 1 }
            }
        }
        print("vulkan \(referenceName): argmax = CPU's at \(agree)/\(clear) clear positions, = llama.cpp's at "
              + "\(llamaAgreeGPU)/\(positions); mean top-1 log-probability gap to llama.cpp: vulkan "
              + "\(gapGPU / Double(positions)), cpu \(gapCPU / Double(positions))")
        #expect(clear >= 20)
        #expect(agree == clear)
        #expect(gapGPU / Double(positions) < 0.1)
    }

    /// SmolLM2's perplexity over a short text (one 128-token chunk, four 32-row passes) on
    /// the Vulkan path within 0.5 % of the CPU path's with F32 activations (`.blas`), the same
    /// arithmetic up to summation order; the default CPU path's int8 activations are printed
    /// beside it (they differ from both by their rounding).
    @Test func perplexityMatchesTheCPU() throws {
        let url = TestPaths.smolLM2
        try #require(FileManager.default.fileExists(atPath: url.path), "run scripts/fetch-models.sh")
        let file = try GGUFFile(path: url.path)
        let tokenizer = try Tokenizer(file: file)
        let text = try String(contentsOf: TestPaths.shared.appendingPathComponent("ARCHITECTURE.md"), encoding: .utf8)
        let tokens = Array(tokenizer.encode(String(text.prefix(3000)), addSpecial: true, parseSpecial: false).prefix(128))
        #expect(tokens.count == 128)
        let cpu = try Model(file: file), gpu = try Model(file: file, backend: Self.vulkan)
        let width = cpu.config.vocabularySize
        /// llama.cpp's method: the second half of the 128-token chunk scored.
        func perplexity(_ logits: ([Int32]) throws -> [Float]) rethrows -> Double {
            let rows = try logits(tokens)
            let scored = 64..<127
            var nll = 0.0
            for position in scored {
                nll -= PerplexityEvaluator.logSoftmax(rows, row: position, width: width, at: Int(tokens[position + 1]))
            }
            return exp(nll / Double(scored.count))
        }
        let exact = try perplexity { try cpu.forward($0, cache: cpu.makeCache(contextLength: 128), logits: .all, strategy: .blas) }
        let int8 = try perplexity { try cpu.forward($0, cache: cpu.makeCache(contextLength: 128), logits: .all) }
        let vulkan = try perplexity { try gpu.forward($0, cache: gpu.makeCache(contextLength: 128), logits: .all) }
        print("perplexity: vulkan \(vulkan), cpu with F32 activations \(exact), cpu (int8 activations) \(int8)")
        #expect(abs(vulkan / exact - 1) < 0.005)
    }
}
