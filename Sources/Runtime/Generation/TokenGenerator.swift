import Foundation

/// The per-token part of one generation: sampling (under the grammar when there is one), stop
/// tokens, stop strings, the token budget, token records and timings. It never runs the model:
/// the caller feeds it the logits after each step and evaluates the token it returns, so one
/// sequence (`Session`) and many sequences decoded together (`BatchEngine`) share it and stop for
/// the same reasons at the same tokens.
///
/// ```swift
/// var generator = TokenGenerator(prompt: prompt, options: options, decoder: tokenizer, endOfGeneration: eog)
/// var logits = try model.forward(prompt, cache: cache)
/// while let token = generator.next(logits: logits, emit: { print($0) }) {
///     logits = try model.forward([token], cache: cache)
/// }
/// let stats = generator.finish(emit: { print($0) })
/// ```
public struct TokenGenerator {
    public let options: GenerationOptions
    public private(set) var stats = GenerationStats()
    private var sampler: Sampler
    private let constrained: ConstrainedSampling?
    private let stopTokens: Set<Int32>
    private let decoder: any TokenTextDecoding
    private var text = UTF8Assembler()
    private var stops: StopStringFilter
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    private var decodeStart: ContinuousClock.Instant
    private var finished = false

    /// `started`: when the request began (time to first token counts from it).
    public init(prompt: [Int32], options: GenerationOptions, decoder: any TokenTextDecoding, endOfGeneration: Set<Int32>,
                started: ContinuousClock.Instant = .now) {
        self.options = options
        self.decoder = decoder
        self.started = started
        decodeStart = started
        sampler = Sampler(config: options.sampler)
        sampler.accept(prompt)
        constrained = options.constraint.map(ConstrainedSampling.init)
        stopTokens = options.stopTokens ?? endOfGeneration
        stops = StopStringFilter(stops: options.stopStrings)
        stats.promptTokens = prompt.count
        stats.stopReason = .maxTokens
    }

    /// Records how the prompt was evaluated (tokens actually run, and the seconds it took).
    public mutating func promptEvaluated(tokens: Int, seconds: Double) {
        stats.promptTokensEvaluated = tokens
        stats.promptSeconds = seconds
    }

    /// Whether generation has ended (`next` returned nil or `stop` was called).
    public var isFinished: Bool { finished }

    /// The grammar's parser, for drafting (`Drafter` advances it and rolls it back).
    var grammar: GrammarTokenConstraint? { constrained?.constraint }

    /// Tokens that end generation.
    var endTokens: Set<Int32> { stopTokens }

    /// How many more tokens `next` may return before the token budget ends generation.
    var remainingTokens: Int { options.maxTokens.map { max($0 - stats.generatedTokens, 0) } ?? Int.max }

    /// Records one decode step's forward pass and the drafts it checked.
    mutating func recordStep(_ speculation: SpeculationStats) {
        stats.decodeSteps += 1
        stats.speculation.forced.drafted += speculation.forced.drafted
        stats.speculation.forced.accepted += speculation.forced.accepted
        stats.speculation.lookup.drafted += speculation.lookup.drafted
        stats.speculation.lookup.accepted += speculation.lookup.accepted
        stats.speculation.model.drafted += speculation.model.drafted
        stats.speculation.model.accepted += speculation.model.accepted
    }

    /// Picks the next token from `logits` (the model's output after the context so far) and emits
    /// its events. Returns the token the caller must evaluate next, or nil when generation ended
    /// (`stats.stopReason` says why).
    public mutating func next(logits: [Float], emit: (GenerationEvent) -> Void) -> Int32? {
        guard !finished else { return nil }
        if let max = options.maxTokens, stats.generatedTokens >= max { return end(.maxTokens) }
        if Task.isCancelled { return end(.cancelled) }
        let token: Int32
        var record: (grammarLogprob: Float, allowed: Int)?
        if let constrained {
            var candidates = Candidates(logits: logits)
            let first = sampler.sample(&candidates)
            let checked = clock.now
            guard let allowed = constrained.resolve(first, sampler: &sampler, logits: logits) else { return end(.grammarDeadEnd) }
            token = allowed
            if options.recordTokens { record = constrained.logprob(of: token, logits: logits) }
            sampler.accept([token])
            constrained.accept(token)
            stats.constraintSeconds += (clock.now - checked).seconds
        } else {
            token = sampler.sample(logits: logits)
        }
        return commit(token, logits: logits, record: record, emit: emit)
    }

    /// Takes `token` without sampling: a token of the text the grammar forces (jump-forward),
    /// which any sampler would have to spell. `logits` (the model's output before it) gives its
    /// log-probability when there are any; without them the `.token` event reports 0, certain
    /// under the grammar. Returns the token, or nil when generation ended.
    public mutating func force(_ token: Int32, logits: [Float]?, emit: (GenerationEvent) -> Void) -> Int32? {
        guard !finished else { return nil }
        if let max = options.maxTokens, stats.generatedTokens >= max { return end(.maxTokens) }
        if Task.isCancelled { return end(.cancelled) }
        if let constrained {
            let checked = clock.now
            guard constrained.constraint.allows(Int(token)) else { return end(.grammarDeadEnd) }
            constrained.accept(token)
            stats.constraintSeconds += (clock.now - checked).seconds
        }
        sampler.accept([token])
        return commit(token, logits: logits, record: (0, 1), emit: emit)
    }

    /// Records and emits a chosen token, and checks what ends generation after it.
    private mutating func commit(_ token: Int32, logits: [Float]?, record: (grammarLogprob: Float, allowed: Int)?,
                                 emit: (GenerationEvent) -> Void) -> Int32? {
        let logprob = logits.map { Float(PerplexityEvaluator.logSoftmax($0, row: 0, width: $0.count, at: Int(token))) } ?? 0
        var alternatives: [TokenAlternative] = []
        if options.recordTokens {
            let bytes = stopTokens.contains(token) ? [] : decoder.textBytes(of: token)
            var generated = GeneratedToken(id: token, bytes: bytes, logprob: logprob,
                                           grammarLogprob: record?.grammarLogprob ?? logprob,
                                           allowedCount: record?.allowed ?? logits?.count ?? 1)
            if options.topLogprobs > 0, let logits {
                alternatives = Self.top(options.topLogprobs, of: logits, decoder: decoder)
                generated.alternatives = alternatives
            }
            stats.tokens.append(generated)
        }
        stats.generatedTokens += 1
        if stats.generatedTokens == 1 {
            stats.timeToFirstToken = (clock.now - started).seconds
            decodeStart = clock.now
        }
        if stopTokens.contains(token) { return end(.endOfGeneration) }
        emit(.token(id: token, logprob: logprob))
        if !alternatives.isEmpty { emit(.alternatives(alternatives)) }
        let (piece, stopped) = stops.push(text.push(decoder.textBytes(of: token)))
        if !piece.isEmpty { emit(.text(piece)) }
        if stopped { return end(.stopString) }
        if let constrained {
            let checked = clock.now
            let finished = constrained.isFinished
            stats.constraintSeconds += (clock.now - checked).seconds
            if finished { return end(.endOfGeneration) }
        }
        if let max = options.maxTokens, stats.generatedTokens >= max { return end(.maxTokens) }
        return token
    }

    /// Ends generation for a reason the caller found (the context is full, the request was
    /// cancelled); `next` returns nil from now on.
    public mutating func stop(_ reason: StopReason) {
        if !finished { _ = end(reason) }
    }

    /// Flushes held-back text and returns the statistics. Call once, after `next` returned nil or
    /// after `stop`.
    public mutating func finish(emit: (GenerationEvent) -> Void) -> GenerationStats {
        finished = true
        if stats.stopReason != .stopString {
            let rest = stops.push(text.flush()).emit + stops.flush()
            if !rest.isEmpty { emit(.text(rest)) }
        }
        stats.generationSeconds = (clock.now - decodeStart).seconds
        stats.grammarComplete = constrained?.isComplete
        return stats
    }

    private mutating func end(_ reason: StopReason) -> Int32? {
        finished = true
        stats.stopReason = reason
        return nil
    }

    /// The `count` most likely tokens under `logits`, most likely first.
    static func top(_ count: Int, of logits: [Float], decoder: any TokenTextDecoding) -> [TokenAlternative] {
        var best: [(id: Int, logit: Float)] = []
        for (i, logit) in logits.enumerated() where best.count < count || logit > best[best.count - 1].logit {
            let at = best.firstIndex { $0.logit < logit } ?? best.count
            best.insert((i, logit), at: at)
            if best.count > count { best.removeLast() }
        }
        guard let top = best.first else { return [] }
        // One normalisation for all of them: log p(i) = logit(i) − logit(top) + log p(top).
        let topLogprob = Float(PerplexityEvaluator.logSoftmax(logits, row: 0, width: logits.count, at: top.id))
        return best.map { entry in
            TokenAlternative(id: Int32(entry.id), bytes: decoder.textBytes(of: Int32(entry.id)),
                             logprob: entry.id == top.id ? topLogprob : entry.logit - top.logit + topLogprob)
        }
    }
}

/// One of the most likely tokens at a step (OpenAI's `top_logprobs`).
public struct TokenAlternative: Sendable, Equatable {
    public var id: Int32
    public var bytes: [UInt8]
    public var logprob: Float
}
