/// Proposes the tokens that probably follow the context, for the decode loop to check in one
/// pass: first a copy from earlier context (prompt lookup), then what the grammar forces
/// (jump-forward), then a draft model's greedy guesses, repeated while any of them adds a token.
/// Then it keeps the prefix worth checking (`worthChecking`): each source's acceptance so far and
/// the measured cost of a row decide how many tokens a pass should carry. Under a
/// grammar every drafted token is one the grammar allows (drafting walks the parser forward and
/// rolls it back), so no check is spent on a token that sampling could never pick.
struct Drafter {
    enum Source { case forced, lookup, model }

    let options: SpeculationOptions
    let decoder: any TokenTextDecoding
    let endTokens: Set<Int32>
    /// How many tokens the draft model proposes this step: grows by one after a step that
    /// accepted them all, halves after one that rejected the first.
    private(set) var modelLength: Int

    init(options: SpeculationOptions, decoder: any TokenTextDecoding, endTokens: Set<Int32>) {
        self.options = options
        self.decoder = decoder
        self.endTokens = endTokens
        modelLength = min(4, options.draftMax)
    }

    /// Up to `limit` tokens to follow `context` (the cache's tokens and the token about to be
    /// evaluated). The grammar, when given, is where `context` leaves it, and is left there.
    mutating func propose(context: [Int32], limit: Int, grammar: GrammarTokenConstraint?) throws(ModelError)
        -> (tokens: [Int32], sources: [Source]) {
        var tokens: [Int32] = [], sources: [Source] = []
        var advanced = 0   // tokens the grammar accepted, to roll back
        defer { grammar?.rollback(advanced) }
        var lookupLeft = options.lookup, modelLeft = options.draftModel == nil ? 0 : modelLength
        var ended = false
        /// Appends `token` if the grammar allows it; false when drafting must stop here.
        func add(_ token: Int32, _ source: Source) -> Bool {
            guard tokens.count < limit, !ended else { return false }
            if let grammar {
                if grammar.isEOS(Int(token)) {
                    guard grammar.isComplete else { return false }
                } else {
                    guard grammar.accept(Int(token)) else { return false }
                    advanced += 1
                }
            }
            tokens.append(token)
            sources.append(source)
            if endTokens.contains(token) { ended = true }
            return true
        }
        func lookupStep() -> Bool {
            guard lookupLeft > 0 else { return false }
            let found = lookup(context + tokens, count: min(lookupLeft, limit - tokens.count), grammar: grammar)
            var added = 0
            for token in found {
                guard add(token, .lookup) else { break }
                added += 1
            }
            lookupLeft -= added
            return added > 0
        }
        func forcedStep() -> Bool {
            guard options.jumpForward != .off, let grammar else { return false }
            var added = 0
            for token in forcedTokens(grammar, after: tokens.last ?? context.last) {
                guard add(token, .forced) else { break }
                added += 1
            }
            return added > 0
        }
        // Looked-up tokens first: copied from the context, they spell the text the way the model
        // wrote or read it, where the forced text's tokens are the tokenizer's spelling, which a
        // model under a grammar often does not pick (BFCL, SmolLM2: accepted 72 % against 68 %).
        while tokens.count < limit && !ended {
            if lookupStep() || forcedStep() { continue }
            if modelLeft > 0, let draft = options.draftModel, modelWorthRunning(after: sources),
               let token = try draftModelToken(draft, context: context + tokens, grammar: grammar), add(token, .model) {
                modelLeft -= 1
                continue
            }
            break
        }
        let kept = worthChecking(sources)
        return (Array(tokens.prefix(kept)), Array(sources.prefix(kept)))
    }

    // What rows cost and how often each source is right, learned during the generation.
    private var singleSeconds: Double?
    /// Extra seconds of a two-row pass over a one-row pass, and of each row after the second.
    private var secondRowSeconds: Double?
    private var furtherRowSeconds: Double?
    /// Acceptance of a source's token as the first draft of a pass, and after an accepted draft
    /// (a good match tends to stay good: a copied value, a schema's key).
    private var firstRates: [Source: Double] = [.forced: 0.6, .lookup: 0.6, .model: 0.6]
    private var nextRates: [Source: Double] = [.forced: 0.8, .lookup: 0.8, .model: 0.8]
    private var stepsWithoutDrafts = 0

    /// The cost of a pass of 1 + k rows relative to a one-row pass. Until measured, a second row
    /// costs 0.6 of a pass and each further row 0.4 (a 2-core EPYC with SmolLM2, where decoding
    /// is bound by arithmetic as much as by memory; at billions of parameters on a many-core
    /// machine both approach 0).
    func passCost(drafts k: Int) -> Double {
        guard k > 0 else { return 1 }
        var second = 0.6, further = 0.4
        if let single = singleSeconds, single > 0 {
            if let measured = secondRowSeconds { second = max(0.01, measured / single) }
            if let measured = furtherRowSeconds { further = max(0.01, measured / single) }
        }
        return 1 + second + further * Double(k - 1)
    }

    /// How many of the drafted tokens to check: the k that maximizes the expected tokens of the
    /// pass (1 + Σᵢ₌₁ᵏ Πⱼ₌₁ⁱ aⱼ, with aⱼ the learned acceptance of token j) per unit of its cost
    /// (`passCost`). When that is none for 16 steps in a row, one token is checked anyway, so the
    /// rates can recover.
    private mutating func worthChecking(_ sources: [Source]) -> Int {
        guard options.adaptive else { return sources.count }
        guard singleSeconds != nil else { return 0 }   // first measure a one-token pass
        let best = bestPrefix(sources)
        if best == 0 && !sources.isEmpty {
            stepsWithoutDrafts += 1
            if stepsWithoutDrafts >= 16 {
                stepsWithoutDrafts = 0
                return 1
            }
        } else {
            stepsWithoutDrafts = 0
        }
        return best
    }

    /// The length of the prefix of drafts from `sources` with the most expected tokens per unit
    /// of pass cost (0: none beats a one-token pass).
    private func bestPrefix(_ sources: [Source]) -> Int {
        var best = 0, bestValue = 1.0, expected = 1.0, chain = 1.0
        for (i, source) in sources.enumerated() {
            chain *= (i == 0 ? firstRates[source] : nextRates[source]) ?? 0.5
            expected += chain
            let value = expected / passCost(drafts: i + 1)
            if value > bestValue {
                best = i + 1
                bestValue = value
            }
        }
        return best
    }

    /// Whether a draft-model token after `sources` could be checked: running the draft model
    /// costs a forward pass of its own, so it runs only when its token would be kept (or when
    /// the next step probes anyway).
    private func modelWorthRunning(after sources: [Source]) -> Bool {
        guard options.adaptive else { return true }
        guard singleSeconds != nil else { return false }   // the first steps check nothing
        return bestPrefix(sources + [.model]) == sources.count + 1 || stepsWithoutDrafts >= 15
    }

    /// Learns from one pass: its rows and seconds, and which drafted tokens were accepted (the
    /// first `accepted` of `sources`; the one after them was rejected).
    mutating func observe(rows: Int, seconds: Double, sources: [Source], accepted: Int) {
        func average(_ old: Double?, _ new: Double) -> Double { old.map { 0.8 * $0 + 0.2 * new } ?? new }
        if rows == 1 {
            singleSeconds = average(singleSeconds, seconds)
        } else if let single = singleSeconds {
            if rows == 2 {
                secondRowSeconds = average(secondRowSeconds, max(0, seconds - single))
            } else if let second = secondRowSeconds {
                furtherRowSeconds = average(furtherRowSeconds, max(0, seconds - single - second) / Double(rows - 2))
            }
        }
        for (i, source) in sources.enumerated() where i <= accepted {
            let outcome: Double = i < accepted ? 1 : 0
            if i == 0 {
                firstRates[source] = 0.9 * (firstRates[source] ?? 0.6) + 0.1 * outcome
            } else {
                nextRates[source] = 0.9 * (nextRates[source] ?? 0.8) + 0.1 * outcome
            }
        }
    }

    /// Adapts the draft model's length to how many of its tokens the last check accepted.
    mutating func modelFeedback(drafted: Int, accepted: Int) {
        guard drafted > 0 else { return }
        if accepted == drafted {
            modelLength = min(modelLength + 1, options.draftMax)
        } else if accepted == 0 {
            modelLength = max(1, modelLength / 2)
        }
    }

    /// The tokens that spell the bytes the grammar forces next, tokenized the way the tokenizer
    /// would continue the last token: the last token's bytes and the forced bytes are encoded
    /// together, and when that encoding starts with the last token the rest is used, so a forced
    /// `"` is not drafted apart from text it merges with. Otherwise the forced bytes alone.
    private func forcedTokens(_ grammar: GrammarTokenConstraint, after last: Int32?) -> [Int32] {
        let forced = grammar.matcher.forcedBytes(limit: 128)
        guard !forced.isEmpty else { return [] }
        if let last {
            let lastBytes = decoder.textBytes(of: last)
            if !lastBytes.isEmpty, let joined = decoder.continuationTokens(lastBytes + forced), joined.first == last,
               joined.count > 1 {
                return Array(joined.dropFirst())
            }
        }
        if let alone = decoder.continuationTokens(forced) { return alone }
        return grammar.forcedTokens().map { Int32($0) }
    }

    /// What followed the latest earlier occurrence of `context`'s last n-gram (longest n first),
    /// up to `count` tokens; under a grammar, the latest occurrence whose next token it allows.
    private func lookup(_ context: [Int32], count: Int, grammar: GrammarTokenConstraint?) -> [Int32] {
        guard count > 0, context.count >= 2 else { return [] }
        for n in stride(from: min(options.lookupNGram, context.count - 1), through: 1, by: -1) {
            let tailStart = context.count - n
            var start = tailStart - 1
            while start >= 0 {
                var match = true
                for j in 0..<n where context[start + j] != context[tailStart + j] {
                    match = false
                    break
                }
                let next = start + n
                if match && next < context.count {
                    let first = context[next]
                    if grammar.map({ $0.isEOS(Int(first)) ? $0.isComplete : $0.allows(Int(first)) }) ?? true {
                        return Array(context[next..<min(next + count, context.count)])
                    }
                }
                start -= 1
            }
        }
        return []
    }

    /// The draft model's most likely next token after `context` (the grammar's most likely
    /// allowed one among its top candidates), or nil.
    private func draftModelToken(_ draft: DraftModel, context: [Int32], grammar: GrammarTokenConstraint?) throws(ModelError) -> Int32? {
        let cache = draft.cache
        guard context.count <= cache.capacity else { return nil }
        var offset = cache.keepPrefix(of: context)
        var logits: [Float] = []
        while offset < context.count {
            let end = min(offset + 512, context.count)
            logits = try draft.model.forward(Array(context[offset..<end]), cache: cache)
            offset = end
        }
        var order = Array(logits.indices)
        let candidates = 8
        // Partial selection of the best `candidates` logits, best first.
        for i in 0..<min(candidates, order.count) {
            var best = i
            for j in (i + 1)..<order.count where logits[order[j]] > logits[order[best]] { best = j }
            order.swapAt(i, best)
            let token = Int32(order[i])
            guard let grammar else { return token }
            if grammar.isEOS(order[i]) ? grammar.isComplete : grammar.allows(order[i]) { return token }
        }
        return nil
    }
}
