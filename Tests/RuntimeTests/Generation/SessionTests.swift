import Foundation
import GGUF
@testable import Runtime
import TestSupport
import Testing

/// Tiny models' tokens 0–255 are the bytes themselves, so bytes are a faithful decoder for them.
struct ByteDecoder: TokenTextDecoding {
    func textBytes(of id: Int32) -> [UInt8] { id < 256 ? [UInt8(id)] : Array("<\(id)>".utf8) }
}

@Suite struct SessionTests {
    static let tiny = TestPaths.shared.appendingPathComponent("reference/tiny")

    static func load() throws -> (Model, [ReferencePrompt]) {
        let model = try Model(file: GGUFFile(path: tiny.appendingPathComponent("tiny-llama-f32.gguf").path))
        return (model, try ReferencePrompt.load(tiny.appendingPathComponent("tiny-llama-f32.jsonl")))
    }

    @Test func greedyGenerationMatchesLlamaCpp() async throws {
        // Prompt 2's greedy path has no near-tie (smallest llama.cpp margin 0.079).
        let (model, prompts) = try Self.load()
        let session = Session(model: model, decoder: ByteDecoder(), endOfGeneration: [381, 383])
        var tokens: [Int32] = []
        var stats: GenerationStats?
        for try await event in session.generate(prompt: prompts[2].tokens, options: GenerationOptions(maxTokens: 24, sampler: .greedy)) {
            switch event {
            case .token(let id, let logprob):
                tokens.append(id)
                #expect(logprob <= 0)
            case .text, .alternatives: break
            case .done(let s): stats = s
            }
        }
        #expect(tokens == prompts[2].greedy)
        #expect(stats?.generatedTokens == 24)
        #expect(stats?.stopReason == .maxTokens)
        #expect(stats?.promptTokensEvaluated == prompts[2].tokens.count)
    }

    @Test func reusesTheCachedPrefix() async throws {
        let (model, prompts) = try Self.load()
        let session = Session(model: model, decoder: ByteDecoder(), endOfGeneration: [])
        let first = try await session.ingest(prompts[3].tokens)
        #expect(first.evaluated == prompts[3].tokens.count)
        let extended = prompts[3].tokens + [32, 97]
        let second = try await session.ingest(extended)
        #expect(second.evaluated == 2)
        let fresh = try model.forward(extended, cache: model.makeCache())
        #expect(zip(second.logits, fresh).allSatisfy { abs($0 - $1) < 1e-3 })
        let same = try await session.ingest(extended)
        #expect(same.evaluated == 1)
        let diverged = try await session.ingest(Array(prompts[3].tokens.prefix(10)) + [65])
        #expect(diverged.evaluated == 1)
    }

    @Test func stopStringsCutTheText() async throws {
        let (model, prompts) = try Self.load()
        let session = Session(model: model, decoder: ByteDecoder(), endOfGeneration: [])
        // Find the greedy text first, then stop on a piece of it.
        var full = ""
        for try await event in session.generate(prompt: prompts[2].tokens, options: GenerationOptions(maxTokens: 24, sampler: .greedy)) {
            if case .text(let t) = event { full += t }
        }
        let stop = String(full.dropFirst(5).prefix(2))
        try #require(stop.count == 2)
        var text = ""
        var reason: StopReason?
        for try await event in session.generate(prompt: prompts[2].tokens, options: GenerationOptions(maxTokens: 24, sampler: .greedy, stopStrings: [stop])) {
            if case .text(let t) = event { text += t }
            if case .done(let s) = event { reason = s.stopReason }
        }
        #expect(reason == .stopString)
        #expect(full.hasPrefix(text) && !text.contains(stop))
        #expect(full.range(of: stop).map { full[..<$0.lowerBound] } == Substring(text))
    }

    @Test func endOfGenerationTokenStops() async throws {
        let (model, prompts) = try Self.load()
        let first = prompts[2].greedy[3]
        let session = Session(model: model, decoder: ByteDecoder(), endOfGeneration: [first])
        var count = 0
        var reason: StopReason?
        for try await event in session.generate(prompt: prompts[2].tokens, options: GenerationOptions(maxTokens: 24, sampler: .greedy)) {
            if case .token = event { count += 1 }
            if case .done(let s) = event { reason = s.stopReason }
        }
        #expect(count == 3)
        #expect(reason == .endOfGeneration)
    }

    @Test func contextLimit() async throws {
        let (model, prompts) = try Self.load()
        let session = Session(model: model, decoder: ByteDecoder(), endOfGeneration: [], contextLength: 60)
        var reason: StopReason?
        var count = 0
        for try await event in session.generate(prompt: prompts[2].tokens, options: GenerationOptions(sampler: .greedy)) {
            if case .token = event { count += 1 }
            if case .done(let s) = event { reason = s.stopReason }
        }
        #expect(reason == .contextFull)
        #expect(prompts[2].tokens.count + count == 61)
        await #expect(throws: ModelError.contextFull(limit: 60)) {
            try await session.ingest([Int32](repeating: 65, count: 61))
        }
    }

    @Test func utf8AssemblerHoldsPartialCharacters() {
        var a = UTF8Assembler()
        let bytes = Array("é🦙".utf8)
        #expect(a.push([bytes[0]]) == "")
        #expect(a.push([bytes[1], bytes[2]]) == "é")
        #expect(a.push(Array(bytes[3...4])) == "")
        #expect(a.push(Array(bytes[5...])) == "🦙")
        #expect(a.push([0xF0, 0x9F]) == "")
        #expect(a.flush() == "\u{FFFD}")
    }
}
