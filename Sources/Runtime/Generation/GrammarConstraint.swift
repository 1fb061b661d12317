import Foundation

/// Output constrained to a grammar: generated text is always a prefix of a sentence of the
/// grammar, and end-of-generation is allowed only when it is complete.
public struct GrammarConstraint: Sendable {
    public var grammar: CompiledGrammar
    /// Each token's bytes, and which tokens end generation.
    public var vocabulary: TokenVocabulary

    /// Starts building the vocabulary's token sets for the grammar's string loops in the
    /// background, so that work overlaps prompt processing instead of delaying the first mask.
    public init(grammar: CompiledGrammar, vocabulary: TokenVocabulary) {
        self.grammar = grammar
        self.vocabulary = vocabulary
        vocabulary.prepareLoops(for: grammar)
    }

    public init(grammar: Grammar, vocabulary: TokenVocabulary) {
        self.init(grammar: CompiledGrammar(grammar), vocabulary: vocabulary)
    }
}

/// Sampling under a grammar: sample from the unconstrained chain, keep the token if the grammar
/// allows it, and only otherwise mask the disallowed tokens and sample again (see
/// `GrammarTokenConstraint` for why the distribution is unchanged).
struct ConstrainedSampling {
    let constraint: GrammarTokenConstraint

    init(_ spec: GrammarConstraint) {
        constraint = GrammarTokenConstraint(compiled: spec.grammar, vocabulary: spec.vocabulary)
    }

    /// The next token given `first`, drawn from the unconstrained chain: `first` when the grammar
    /// allows it; otherwise one drawn again by the chain run on the allowed tokens alone (the same
    /// as masking the others to -inf, without walking the whole vocabulary twice). Nil when no
    /// token is allowed (a grammar that cannot continue).
    func resolve(_ first: Int32, sampler: inout Sampler, logits: [Float]) -> Int32? {
        if constraint.allows(Int(first)) { return first }
        let mask = constraint.mask()
        let allowed = mask.allowedTokens
        var ids = [Int32](), allowedLogits = [Float]()
        ids.reserveCapacity(allowed.count)
        allowedLogits.reserveCapacity(allowed.count)
        for i in allowed where i < logits.count {
            ids.append(Int32(i))
            allowedLogits.append(logits[i])
        }
        guard !ids.isEmpty else { return nil }
        var narrowed = Candidates(ids: ids, logits: allowedLogits)
        let token = sampler.sample(&narrowed)
        return mask.contains(Int(token)) ? token : nil
    }

    /// log p(token) renormalised over the grammar's allowed tokens, and how many were allowed
    /// (call before `accept`).
    /// A token whose bytes the grammar forces (e.g. one spelling of the only allowed name) counts
    /// as certain, whatever other spellings of the same bytes the vocabulary has.
    func logprob(of token: Int32, logits: [Float]) -> (grammarLogprob: Float, allowed: Int) {
        let bytes = constraint.vocabulary.tokens[Int(token)]
        if !bytes.isEmpty && constraint.matcher.forcedBytes(limit: bytes.count).count == bytes.count { return (0, 1) }
        let allowedTokens = constraint.mask().allowedTokens
        var best = -Float.infinity
        for i in allowedTokens where logits[i] > best { best = logits[i] }
        var sum: Double = 0
        for i in allowedTokens { sum += Double(expf(logits[i] - best)) }
        let allowed = allowedTokens.count
        if allowed <= 1 { return (0, allowed) }
        return (logits[Int(token)] - best - Float(log(sum)), allowed)
    }

    func accept(_ token: Int32) {
        _ = constraint.accept(Int(token))
    }

    var isComplete: Bool { constraint.isComplete }

    /// Complete, and nothing but end-of-generation may follow.
    var isFinished: Bool {
        guard constraint.isComplete else { return false }
        let mask = constraint.mask()
        return mask.allowedTokens.allSatisfy { constraint.isEOS($0) }
    }
}
