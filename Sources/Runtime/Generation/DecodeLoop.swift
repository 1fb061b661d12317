/// The decode loop's step, shared by `Session`, the library's `LanguageModelSession` and the
/// agent: it evaluates the token the generator picked, with drafted tokens after it when
/// speculation finds any (`SpeculationOptions`), in one pass. A drafted token is kept while the
/// model's own sample at its position equals it; with `JumpForward.appended` the tokens of text
/// the grammar forces are taken as they are.
///
/// ```swift
/// var loop = DecodeLoop(model: model, cache: cache, generator: generator, decoder: tokenizer)
/// var token = generator.next(logits: promptLogits, emit: emit)
/// while let current = token { token = try loop.step(after: current, generator: &generator, emit: emit) }
/// ```
public struct DecodeLoop {
    public let model: Model
    public let cache: KVCache
    private var drafter: Drafter?

    /// Speculation is off for models with recurrent layers (their state cannot drop rejected
    /// tokens one by one) and for a draft model whose vocabulary differs from the model's.
    public init(model: Model, cache: KVCache, generator: TokenGenerator, decoder: any TokenTextDecoding) {
        self.model = model
        self.cache = cache
        var options = generator.options.speculation
        if let draft = options.draftModel, draft.model.config.vocabularySize != model.config.vocabularySize {
            options.draftModel = nil
        }
        let active = options.drafts(constrained: generator.grammar != nil) && cache.recurrent == nil
        drafter = active ? Drafter(options: options, decoder: decoder, endTokens: generator.endTokens) : nil
    }

    /// One step's work: the token to evaluate, the drafts after it, and the rows whose logits
    /// the check needs (positions in `tokens`).
    struct StepPlan {
        let tokens: [Int32]
        let sources: [Drafter.Source]
        let appended: [Bool]
        let needed: [Int]
        let base: Int
        var drafts: ArraySlice<Int32> { tokens.dropFirst() }
    }

    /// Evaluates `token` (and any drafts) and returns the next token to evaluate, or nil when
    /// generation ended (the generator's `stats.stopReason` says why). The cache holds exactly
    /// the accepted tokens afterwards.
    public mutating func step(after token: Int32, generator: inout TokenGenerator,
                              emit: (GenerationEvent) -> Void) throws -> Int32? {
        guard let plan = try plan(after: token, generator: &generator) else { return nil }
        let started = ContinuousClock.now
        let rows = plan.tokens.count == 1 ? try model.forward([token], cache: cache)
            : try model.forwardSteps(plan.tokens, cache: cache, rows: plan.needed)
        return apply(plan, rows: rows, seconds: (ContinuousClock.now - started).seconds, generator: &generator, emit: emit)
    }

    /// What the step after `token` evaluates: `token` and the drafts worth checking, or nil when
    /// the context is full (the generator is stopped). `allRows` asks for every row's logits
    /// (a batch pass computes them all).
    mutating func plan(after token: Int32, generator: inout TokenGenerator, allRows: Bool = false) throws(ModelError) -> StepPlan? {
        guard cache.count < cache.capacity else {
            generator.stop(.contextFull)
            return nil
        }
        // Room for drafts: the context, the token budget (the last token `next` returns is never
        // evaluated), and the rows one checking pass takes.
        let room = min(cache.capacity - cache.count - 1, generator.remainingTokens - 1, Model.maxStepRows - 1)
        var proposal: (tokens: [Int32], sources: [Drafter.Source]) = ([], [])
        if room > 0, var drafter {
            proposal = try drafter.propose(context: cache.tokens + [token], limit: room, grammar: generator.grammar)
            self.drafter = drafter
        }
        let drafts = proposal.tokens
        // Logits are needed where the model samples: after a looked-up or draft-model token's
        // predecessor, and after the last token. Forced tokens need none unless tokens are recorded.
        let appended = proposal.sources.map { $0 == .forced && generator.options.speculation.jumpForward == .appended }
        let record = generator.options.recordTokens || allRows
        let needed = (0...drafts.count).filter { $0 == drafts.count || record || !appended[$0] }
        return StepPlan(tokens: [token] + drafts, sources: proposal.sources, appended: appended, needed: needed, base: cache.count)
    }

    /// Checks `plan`'s drafts against `rows` (the logits of its `needed` rows, in order, from a
    /// pass that evaluated `plan.tokens`), keeps the accepted prefix in the cache and returns the
    /// next token to evaluate, or nil when generation ended.
    mutating func apply(_ plan: StepPlan, rows: [Float], seconds: Double, generator: inout TokenGenerator,
                        emit: (GenerationEvent) -> Void) -> Int32? {
        let drafts = Array(plan.drafts)
        if drafts.isEmpty {
            generator.recordStep(SpeculationStats())
            let next = generator.next(logits: rows, emit: emit)
            drafter?.observe(rows: 1, seconds: seconds, sources: [], accepted: 0)
            return next
        }
        let width = model.config.vocabularySize
        var rowIndex: [Int: Int] = [:]
        for (index, position) in plan.needed.enumerated() { rowIndex[position] = index }
        func logits(at position: Int) -> [Float]? {
            rowIndex[position].map { Array(rows[$0 * width..<($0 + 1) * width]) }
        }
        var accepted = 0
        var next: Int32?
        for i in 0...drafts.count {
            if i < drafts.count && plan.appended[i] {
                guard generator.force(drafts[i], logits: logits(at: i), emit: emit) != nil else { break }
                accepted += 1
                continue
            }
            guard let row = logits(at: i), let sampled = generator.next(logits: row, emit: emit) else { break }
            if i < drafts.count && sampled == drafts[i] {
                accepted += 1
                continue
            }
            next = sampled
            break
        }
        cache.truncate(to: plan.base + 1 + accepted)
        var stats = SpeculationStats()
        for (i, source) in plan.sources.enumerated() {
            let kept = i < accepted ? 1 : 0
            switch source {
            case .forced: stats.forced.drafted += 1; stats.forced.accepted += kept
            case .lookup: stats.lookup.drafted += 1; stats.lookup.accepted += kept
            case .model: stats.model.drafted += 1; stats.model.accepted += kept
            }
        }
        generator.recordStep(stats)
        drafter?.modelFeedback(drafted: stats.model.drafted, accepted: stats.model.accepted)
        drafter?.observe(rows: drafts.count + 1, seconds: seconds, sources: plan.sources, accepted: accepted)
        return next
    }
}
