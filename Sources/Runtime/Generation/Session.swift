import Foundation

/// How a session turns token ids into text.
public protocol TokenTextDecoding: Sendable {
    /// The bytes token `id` adds to generated text.
    func textBytes(of id: Int32) -> [UInt8]
    /// The tokens that spell `bytes` in the middle of a text (no special tokens, no BOS), or nil
    /// when this decoder cannot encode: drafting the text a grammar forces needs it.
    func continuationTokens(_ bytes: [UInt8]) -> [Int32]?
}

extension TokenTextDecoding {
    public func continuationTokens(_ bytes: [UInt8]) -> [Int32]? { nil }
}

/// A conversation with a model: it owns a KV cache that persists between calls, so a chat or an
/// agent only evaluates what is new (prefix reuse). One session serves one request at a time.
///
/// ```swift
/// let session = Session(model: model, decoder: tokenizer, endOfGeneration: tokenizer.endOfGenerationTokens)
/// for try await event in session.generate(prompt: tokens, options: GenerationOptions(maxTokens: 64)) {
///     if case .text(let piece) = event { print(piece, terminator: "") }
/// }
/// ```
///
/// When the context fills up during generation, generation stops with `StopReason.contextFull`
/// (no context shifting); a prompt that does not fit is an error.
public actor Session {
    public let model: Model
    public let cache: KVCache
    public var batchSize: Int
    let decoder: any TokenTextDecoding
    let endOfGeneration: Set<Int32>

    public init(model: Model, decoder: any TokenTextDecoding, endOfGeneration: Set<Int32>, contextLength: Int? = nil,
                batchSize: Int = 512, kvPrecision: KVCache.Precision = .f16) {
        self.init(model: model, cache: model.makeCache(contextLength: contextLength, precision: kvPrecision),
                  decoder: decoder, endOfGeneration: endOfGeneration, batchSize: batchSize)
    }

    /// A session over a cache made by the caller (its own context size, precision or thread pool).
    public init(model: Model, cache: KVCache, decoder: any TokenTextDecoding, endOfGeneration: Set<Int32>,
                batchSize: Int = 512) {
        self.model = model
        self.cache = cache
        self.decoder = decoder
        self.endOfGeneration = endOfGeneration
        self.batchSize = max(1, batchSize)
    }

    /// Forgets the whole context.
    public func reset() {
        cache.truncate(to: 0)
    }

    /// Makes `tokens` the context, evaluating only what differs from the cached prefix, and
    /// returns the logits after the last token and how many tokens were evaluated.
    public func ingest(_ tokens: [Int32]) throws -> (logits: [Float], evaluated: Int) {
        guard !tokens.isEmpty else { throw SessionError.emptyPrompt }
        guard tokens.count <= cache.capacity else { throw ModelError.contextFull(limit: cache.capacity) }
        let common = cache.keepPrefix(of: tokens)
        var logits: [Float] = []
        var offset = common
        while offset < tokens.count {
            if Task.isCancelled {
                cache.truncate(to: offset)
                throw CancellationError()
            }
            let end = min(offset + batchSize, tokens.count)
            logits = try model.forward(Array(tokens[offset..<end]), cache: cache)
            offset = end
        }
        return (logits, tokens.count - common)
    }

    /// log P(`continuation` | `prompt`) under the model: the summed log-probabilities of its
    /// tokens, teacher-forced. The cache keeps `prompt` afterwards (the continuation is dropped), so
    /// scoring several continuations of one prompt evaluates the prompt once.
    public func logProbability(of continuation: [Int32], after prompt: [Int32]) throws -> Double {
        guard !continuation.isEmpty else { return 0 }
        var (logits, _) = try ingest(prompt)
        let vocab = model.config.vocabularySize
        var total = PerplexityEvaluator.logSoftmax(logits, row: 0, width: vocab, at: Int(continuation[0]))
        if continuation.count > 1 {
            logits = try model.forward(Array(continuation.dropLast()), cache: cache, logits: .all)
            for (row, token) in continuation.dropFirst().enumerated() {
                total += PerplexityEvaluator.logSoftmax(logits, row: row, width: vocab, at: Int(token))
            }
            cache.truncate(to: prompt.count)
        }
        return total
    }

    /// Generates after `prompt` (the full context: the cached prefix it shares is reused).
    public nonisolated func generate(prompt: [Int32], options: GenerationOptions) -> AsyncThrowingStream<GenerationEvent, Error> {
        AsyncThrowingStream { continuation in
            let task = Task { await self.run(prompt: prompt, options: options, continuation: continuation) }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func run(prompt: [Int32], options: GenerationOptions,
                     continuation: AsyncThrowingStream<GenerationEvent, Error>.Continuation) {
        do {
            let stats = try generateTokens(prompt: prompt, options: options) { continuation.yield($0) }
            continuation.yield(.done(stats))
            continuation.finish()
        } catch {
            continuation.finish(throwing: error)
        }
    }

    /// The generation loop; `emit` receives token and text events as they happen. A cancelled task
    /// ends it within one decode step (`StopReason.cancelled`, from `TokenGenerator.next`); during
    /// a prompt of several batches, `ingest` throws `CancellationError` between batches.
    public func generateTokens(prompt: [Int32], options: GenerationOptions,
                               emit: (GenerationEvent) -> Void) throws -> GenerationStats {
        let clock = ContinuousClock()
        let started = clock.now
        var generator = TokenGenerator(prompt: prompt, options: options, decoder: decoder, endOfGeneration: endOfGeneration,
                                       started: started)
        let (logits, evaluated) = try ingest(prompt)
        generator.promptEvaluated(tokens: evaluated, seconds: (clock.now - started).seconds)
        var loop = DecodeLoop(model: model, cache: cache, generator: generator, decoder: decoder)
        var token = generator.next(logits: logits, emit: emit)
        while let current = token {
            token = try loop.step(after: current, generator: &generator, emit: emit)
        }
        return generator.finish(emit: emit)
    }
}

public enum SessionError: Error, CustomStringConvertible {
    case emptyPrompt

    public var description: String {
        switch self {
        case .emptyPrompt: "the prompt is empty: give at least one token"
        }
    }
}

extension Duration {
    /// The duration in seconds (the modules of this package share it; not public API).
    package var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
