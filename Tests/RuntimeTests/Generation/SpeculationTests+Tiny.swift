import Foundation
import GGUF
@testable import Runtime
import TestSupport
import Testing

/// Prompt lookup and draft-model speculation on the tiny models: the greedy output is the
/// target's alone, rejected drafts leave the cache as a fresh evaluation would, and sampling keeps
/// its distribution.
extension SpeculationTests {
    static func tiny(_ name: String) throws -> (Model, [ReferencePrompt]) {
        let model = try Model(file: GGUFFile(path: SessionTests.tiny.appendingPathComponent("\(name).gguf").path))
        return (model, try ReferencePrompt.load(SessionTests.tiny.appendingPathComponent("\(name).jsonl")))
    }

    /// Generates with `speculation`; returns the tokens, the stats and the session's cache.
    static func generate(_ model: Model, prompt: [Int32], maxTokens: Int, sampler: SamplerConfig = .greedy,
                         speculation: SpeculationOptions) async throws -> ([Int32], GenerationStats, KVCache) {
        let session = Session(model: model, decoder: ByteDecoder(), endOfGeneration: [], contextLength: 256)
        var options = GenerationOptions(maxTokens: maxTokens, sampler: sampler)
        options.speculation = speculation
        var tokens: [Int32] = []
        let stats = try await session.generateTokens(prompt: prompt, options: options) { event in
            if case .token(let id, _) = event { tokens.append(id) }
        }
        return (tokens, stats, await session.cache)
    }

    @Test func promptLookupKeepsTheGreedyOutput() async throws {
        let (model, prompts) = try Self.tiny("tiny-llama-f32")
        var drafted = 0, accepted = 0
        for prompt in prompts {
            let (expected, plain, _) = try await Self.generate(model, prompt: prompt.tokens, maxTokens: 48, speculation: .off)
            let (tokens, stats, cache) = try await Self.generate(model, prompt: prompt.tokens, maxTokens: 48,
                                                                speculation: SpeculationOptions(lookup: 6, lookupNGram: 2, adaptive: false))
            #expect(tokens == expected)
            #expect(plain.decodeSteps == expected.count - 1)
            #expect(stats.decodeSteps == expected.count - 1 - stats.speculation.accepted)
            #expect(cache.tokens == prompt.tokens + expected.dropLast())
            drafted += stats.speculation.lookup.drafted
            accepted += stats.speculation.lookup.accepted
        }
        print("tiny-llama-f32 prompt lookup: \(accepted) of \(drafted) drafted tokens accepted")
        #expect(drafted > accepted && accepted > 0)   // both outcomes were exercised
    }

    @Test func draftModelKeepsTheGreedyOutput() async throws {
        let (model, prompts) = try Self.tiny("tiny-llama-f32")
        let (draftTarget, _) = try Self.tiny("tiny-llama-q4_0")
        var drafted = 0, accepted = 0, steps = 0, generated = 0
        for prompt in prompts {
            let (expected, _, _) = try await Self.generate(model, prompt: prompt.tokens, maxTokens: 48, speculation: .off)
            let draft = DraftModel(model: draftTarget, contextLength: 256)
            let (tokens, stats, _) = try await Self.generate(model, prompt: prompt.tokens, maxTokens: 48,
                                                             speculation: SpeculationOptions(draftModel: draft, draftMax: 6, adaptive: false))
            #expect(tokens == expected)
            drafted += stats.speculation.model.drafted
            accepted += stats.speculation.model.accepted
            steps += stats.decodeSteps
            generated += stats.generatedTokens - 1
        }
        print("tiny-llama-q4_0 drafting for tiny-llama-f32: \(accepted) of \(drafted) accepted, \(generated) tokens in \(steps) steps")
        #expect(accepted > 0 && steps < generated)
    }

    /// After steps that rejected drafts, the cache holds what one token per step would have written:
    /// the next token's logits equal those of a cache fed the same tokens one at a time.
    @Test func rejectedDraftsLeaveTheCacheAsAFreshEvaluation() async throws {
        let (model, prompts) = try Self.tiny("tiny-llama-f32")
        let (draftTarget, _) = try Self.tiny("tiny-llama-q4_0")
        let draft = DraftModel(model: draftTarget, contextLength: 256)
        let (_, stats, cache) = try await Self.generate(model, prompt: prompts[1].tokens, maxTokens: 40,
                                                        speculation: SpeculationOptions(lookup: 4, lookupNGram: 1, draftModel: draft, adaptive: false))
        #expect(stats.speculation.drafted > stats.speculation.accepted)
        let fresh = model.makeCache(contextLength: 256)
        _ = try model.forward(prompts[1].tokens, cache: fresh)
        for token in cache.tokens.dropFirst(prompts[1].tokens.count) { _ = try model.forward([token], cache: fresh) }
        #expect(fresh.tokens == cache.tokens)
        #expect(try model.forward([65], cache: cache) == model.forward([65], cache: fresh))
    }

    /// Sampling keeps its distribution, seed for seed: a drafted token is kept only when the
    /// sampler, run on the logits of its position, draws it (for a drafted token x that happens
    /// with probability p(x), the rejection rule for a draft that proposes x for certain), and the
    /// sampler sees the same logits in the same order as without drafts, so each seed draws the
    /// same tokens. 200 seeds at temperature 1 with a draft model and prompt lookup.
    @Test func samplingDrawsTheSameTokensPerSeed() async throws {
        let (model, prompts) = try Self.tiny("tiny-llama-f32")
        let (draftTarget, _) = try Self.tiny("tiny-llama-q4_0")
        var sampler = SamplerConfig()
        sampler.temperature = 1
        sampler.topK = 0
        sampler.topP = 1
        sampler.minP = 0
        var accepted = 0, rejected = 0, distinct = Set<[Int32]>()
        for seed in 0..<200 {
            sampler.seed = UInt64(seed + 1)
            let (expected, _, _) = try await Self.generate(model, prompt: prompts[0].tokens, maxTokens: 6, sampler: sampler, speculation: .off)
            let draft = DraftModel(model: draftTarget, contextLength: 256)
            let (tokens, stats, _) = try await Self.generate(model, prompt: prompts[0].tokens, maxTokens: 6, sampler: sampler,
                                                             speculation: SpeculationOptions(lookup: 3, lookupNGram: 1, draftModel: draft, adaptive: false))
            #expect(tokens == expected, "seed \(seed + 1)")
            accepted += stats.speculation.accepted
            rejected += stats.speculation.drafted - stats.speculation.accepted
            distinct.insert(expected)
        }
        print("sampling with drafts: \(accepted) accepted, \(rejected) rejected, \(distinct.count) distinct outputs of 200")
        #expect(accepted > 50 && rejected > 50 && distinct.count > 20)
    }

    /// Recurrent models cannot drop rejected tokens one by one: speculation stays off for them.
    @Test func recurrentModelsDecodeOneTokenPerStep() async throws {
        let (model, prompts) = try Self.tiny("tiny-lfm2-f32")
        let (expected, _, _) = try await Self.generate(model, prompt: prompts[0].tokens, maxTokens: 16, speculation: .off)
        let (tokens, stats, _) = try await Self.generate(model, prompt: prompts[0].tokens, maxTokens: 16,
                                                         speculation: SpeculationOptions(lookup: 4, lookupNGram: 1, adaptive: false))
        #expect(tokens == expected)
        #expect(stats.speculation.drafted == 0 && stats.decodeSteps == expected.count - 1)
    }
}
