import Foundation
import GGUF
@testable import Runtime
import TestSupport
import Testing

/// Continuous batching gives each sequence exactly what it gets alone (the session's greedy
/// output is itself checked against llama.cpp in SessionTests and the CLI tests), whatever joins
/// and leaves around it.
@Suite(.timeLimit(.minutes(5))) struct BatchEngineTests {
    struct Outcome {
        var tokens: [Int32] = []
        var text = ""
        var stats: GenerationStats?
    }

    static func collect(_ stream: AsyncThrowingStream<GenerationEvent, Error>) async throws -> Outcome {
        var outcome = Outcome()
        for try await event in stream {
            switch event {
            case .token(let id, _): outcome.tokens.append(id)
            case .text(let piece): outcome.text += piece
            case .done(let stats): outcome.stats = stats
            case .alternatives: break
            }
        }
        return outcome
    }

    @Test func batchedForwardGivesEachSequenceItsOwnLogits() throws {
        let (model, prompts) = try SessionTests.load()
        let caches = prompts.prefix(3).map { _ in model.makeCache() }
        let alone = prompts.prefix(3).map { _ in model.makeCache() }
        // Different prompt lengths: the sequences sit at different positions.
        for (i, prompt) in prompts.prefix(3).enumerated() {
            _ = try model.forward(prompt.tokens, cache: caches[i])
            _ = try model.forward(prompt.tokens, cache: alone[i])
        }
        let next: [Int32] = [65, 66, 67]
        let batched = try model.forward(batch: next.indices.map { ForwardSegment(tokens: [next[$0]], cache: caches[$0]) })
        for i in next.indices {
            let single = try model.forward([next[i]], cache: alone[i])
            #expect(batched[i] == single, "sequence \(i)")
            #expect(caches[i].count == alone[i].count && caches[i].tokens == alone[i].tokens)
        }
        #expect(throws: ModelError.self) {
            try model.forward(batch: [ForwardSegment(tokens: [1], cache: caches[0]), ForwardSegment(tokens: [2], cache: caches[0])])
        }
    }

    /// Five requests through three slots: two wait in the queue and join as others leave.
    @Test func tinyModelBatchedGreedyEqualsOneAtATime() async throws {
        let (model, prompts) = try SessionTests.load()
        let eog: Set<Int32> = [381, 383]
        let lengths = [24, 7, 16, 3, 20]
        var expected: [[Int32]] = []
        for (prompt, length) in zip(prompts.prefix(5), lengths) {
            let session = Session(model: model, decoder: ByteDecoder(), endOfGeneration: eog)
            expected.append(try await Self.collect(session.generate(prompt: prompt.tokens, options: GenerationOptions(maxTokens: length, sampler: .greedy))).tokens)
        }
        let engine = BatchEngine(model: model, decoder: ByteDecoder(), endOfGeneration: eog,
                                 configuration: .init(slots: 3, prefillChunk: 5))
        defer { engine.shutdown() }
        let streams = try zip(prompts.prefix(5), lengths).map { prompt, length in
            try engine.submit(prompt: prompt.tokens, options: GenerationOptions(maxTokens: length, sampler: .greedy))
        }
        for (i, stream) in streams.enumerated() {
            let outcome = try await Self.collect(stream)
            #expect(outcome.tokens == expected[i], "request \(i)")
            #expect(outcome.stats?.generatedTokens == lengths[i])
        }
        let snapshot = engine.snapshot
        #expect(snapshot.active == 0 && snapshot.queued == 0)
        #expect(snapshot.decodedRows > snapshot.decodeSteps, "no decode step ran more than one sequence: \(snapshot)")
    }

    /// The real models (Q4_1 and Q4_K_M), greedy and seeded sampling, eight sequences at once.
    @Test(arguments: [TestPaths.smolLM2, TestPaths.gemma3])
    func realModelBatchedEqualsOneAtATime(path: URL) async throws {
        let file = try GGUFFile(path: path.path)
        let model = try Model(file: file)
        let tokenizer = try Tokenizer(file: file)
        let texts = ["The capital of France is", "def fibonacci(n):", "Once upon a time, in a small village",
                     "1, 2, 3, 4,", "The quick brown fox", "Water boils at", "My favourite colour is", "Rust and Swift are"]
        var options: [GenerationOptions] = []
        for i in texts.indices {
            var sampler = SamplerConfig.greedy
            if i % 2 == 1 { sampler = SamplerConfig(); sampler.seed = UInt64(i) }
            options.append(GenerationOptions(maxTokens: 12 + 3 * i, sampler: sampler))
        }
        let prompts = texts.map { tokenizer.encode($0, addSpecial: true, parseSpecial: false) }
        var expected: [Outcome] = []
        for (prompt, option) in zip(prompts, options) {
            let session = Session(model: model, decoder: tokenizer, endOfGeneration: tokenizer.endOfGeneration, contextLength: 256)
            expected.append(try await Self.collect(session.generate(prompt: prompt, options: option)))
        }
        let engine = BatchEngine(model: model, decoder: tokenizer, endOfGeneration: tokenizer.endOfGeneration,
                                 configuration: .init(slots: 8, contextLength: 256, kvPrecision: .f16))
        defer { engine.shutdown() }
        let streams = try zip(prompts, options).map { try engine.submit(prompt: $0, options: $1) }
        for (i, stream) in streams.enumerated() {
            let outcome = try await Self.collect(stream)
            #expect(outcome.tokens == expected[i].tokens, "\(path.lastPathComponent) request \(i)")
            #expect(outcome.text == expected[i].text)
            #expect(outcome.stats?.stopReason == expected[i].stats?.stopReason)
        }
        #expect(engine.snapshot.decodedRows >= 4 * engine.snapshot.decodeSteps / 2)
    }

    /// Speculation in the engine: four tool-call requests under a JSON Schema (jump-forward) with
    /// prompt lookup, decoded together, give the tokens each gets from a session decoding one
    /// token per step, in fewer decode steps than tokens.
    @Test func speculativeBatchEqualsOneTokenPerStep() async throws {
        let file = try GGUFFile(path: TestPaths.smolLM2.path)
        let model = try Model(file: file)
        let tokenizer = try Tokenizer(file: file)
        let vocabulary = TokenVocabulary(tokenizer: tokenizer)
        let schema = #"{"type": "object", "properties": {"name": {"const": "get_weather"}, "arguments": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"enum": ["celsius", "fahrenheit"]}}, "required": ["city", "unit"], "additionalProperties": false}}, "required": ["name", "arguments"], "additionalProperties": false}"#
        let grammar = try JSONSchemaCompiler.compile(text: schema).grammar
        let cities = ["Paris", "Tokyo", "Lima", "Oslo"]
        let prompts = cities.map { city in
            tokenizer.encode("<|im_start|>user\nWhat is the weather in \(city), in celsius? Answer with a call.<|im_end|>\n<|im_start|>assistant\n",
                             addSpecial: true, parseSpecial: true)
        }
        func options(_ speculation: SpeculationOptions) -> GenerationOptions {
            var options = GenerationOptions(maxTokens: 64, sampler: .greedy)
            options.constraint = GrammarConstraint(grammar: grammar, vocabulary: vocabulary)
            options.speculation = speculation
            return options
        }
        var expected: [Outcome] = []
        for prompt in prompts {
            let session = Session(model: model, decoder: tokenizer, endOfGeneration: tokenizer.endOfGeneration, contextLength: 256)
            expected.append(try await Self.collect(session.generate(prompt: prompt, options: options(.off))))
        }
        let engine = BatchEngine(model: model, decoder: tokenizer, endOfGeneration: tokenizer.endOfGeneration,
                                 configuration: .init(slots: 4, contextLength: 256))
        defer { engine.shutdown() }
        let streams = try prompts.map { try engine.submit(prompt: $0, options: options(SpeculationOptions(lookup: 4))) }
        var tokens = 0, steps = 0, accepted = 0, complete = 0
        for (i, stream) in streams.enumerated() {
            let outcome = try await Self.collect(stream)
            #expect(outcome.tokens == expected[i].tokens, "request \(i): \(outcome.text) vs \(expected[i].text)")
            #expect(outcome.stats?.grammarComplete == expected[i].stats?.grammarComplete)
            if outcome.stats?.grammarComplete == true { complete += 1 }
            tokens += outcome.stats?.generatedTokens ?? 0
            steps += outcome.stats?.decodeSteps ?? 0
            accepted += outcome.stats?.speculation.accepted ?? 0
        }
        print("speculative batch: \(complete) of 4 calls complete, \(tokens) tokens in \(steps) sequence steps, \(accepted) drafts accepted; engine steps \(engine.snapshot.decodeSteps)")
        #expect(accepted > 0 && steps < tokens)
        #expect(complete >= 2, "calls completed within the budget: \(complete)")
        #expect(engine.snapshot.decodedRows > engine.snapshot.decodeSteps)
    }

    @Test func droppedStreamFreesTheSlotAndTheQueueIsBounded() async throws {
        let (model, prompts) = try SessionTests.load()
        let engine = BatchEngine(model: model, decoder: ByteDecoder(), endOfGeneration: [],
                                 configuration: .init(slots: 1, maxQueue: 1))
        defer { engine.shutdown() }
        let options = GenerationOptions(maxTokens: 100_000, sampler: .greedy)
        // One slot and one queue place: the third request is refused, whether or not the engine
        // thread has moved the first into its slot yet.
        var long: AsyncThrowingStream<GenerationEvent, Error>? = try engine.submit(prompt: prompts[0].tokens, options: options)
        let waiting = try engine.submit(prompt: prompts[1].tokens, options: GenerationOptions(maxTokens: 3, sampler: .greedy))
        #expect(throws: BatchEngineError.queueFull(limit: 1)) {
            try engine.submit(prompt: prompts[2].tokens, options: options)
        }
        var iterator = long?.makeAsyncIterator()
        _ = try await iterator?.next()   // running
        iterator = nil
        long = nil   // the client went away
        let outcome = try await Self.collect(waiting)
        #expect(outcome.stats?.generatedTokens == 3)
        for _ in 0..<100 where engine.snapshot.active > 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(engine.snapshot.active == 0)
        let tooLong = [Int32](repeating: 65, count: engine.contextLength + 5)
        #expect(throws: BatchEngineError.promptTooLong(tokens: engine.contextLength + 5, limit: engine.contextLength)) {
            try engine.submit(prompt: tooLong, options: options)
        }
        #expect("\(BatchEngineError.promptTooLong(tokens: 10, limit: 8))".contains("2 more than the context of 8"))
    }

    @Test func sharedPrefixIsNotEvaluatedAgain() async throws {
        let (model, prompts) = try SessionTests.load()
        let engine = BatchEngine(model: model, decoder: ByteDecoder(), endOfGeneration: [], configuration: .init(slots: 2))
        defer { engine.shutdown() }
        let prompt = prompts[0].tokens
        let first = try await Self.collect(try engine.submit(prompt: prompt, options: GenerationOptions(maxTokens: 4, sampler: .greedy)))
        #expect(first.stats?.promptTokensEvaluated == prompt.count)
        let longer = prompt + first.tokens + [65, 66]
        let second = try await Self.collect(try engine.submit(prompt: longer, options: GenerationOptions(maxTokens: 4, sampler: .greedy)))
        // The cache holds the prompt and the first three generated tokens (the fourth was never
        // evaluated): the rest is new.
        #expect(second.stats?.promptTokensEvaluated == longer.count - prompt.count - 3)
    }
}
