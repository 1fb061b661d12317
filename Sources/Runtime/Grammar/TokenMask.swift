/// A set of allowed token ids as a bitmap.
public struct TokenMask: Equatable, Sendable {
    public private(set) var words: [UInt64]
    public let count: Int

    public init(count: Int) {
        self.count = count
        words = [UInt64](repeating: 0, count: (count + 63) / 64)
    }

    init(words: [UInt64], count: Int) {
        self.words = words
        self.count = count
    }

    @inline(__always)
    public func contains(_ token: Int) -> Bool {
        token >= 0 && token < count && words[token >> 6] & (1 << UInt64(token & 63)) != 0
    }

    @inline(__always)
    public mutating func insert(_ token: Int) { words[token >> 6] |= 1 << UInt64(token & 63) }

    /// How many tokens are allowed.
    public var allowedCount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The allowed token ids in increasing order.
    public var allowedTokens: [Int] {
        var tokens: [Int] = []
        tokens.reserveCapacity(allowedCount)
        for (w, word) in words.enumerated() {
            var bits = word
            while bits != 0 {
                let token = w << 6 | bits.trailingZeroBitCount
                if token < count { tokens.append(token) }
                bits &= bits &- 1
            }
        }
        return tokens
    }
}

/// Constrains token generation to a grammar: token masks, single-token checks, forced tokens,
/// and the parser state advanced as tokens are accepted.
///
/// Sampling with it: draw a token from the unconstrained distribution; if `allows(token)`, accept
/// it (the common case costs one token's bytes through the matcher); only if not, compute `mask()`,
/// set disallowed logits to -inf and draw again. This gives the same distribution as masking
/// first: for any sampler that draws from p restricted and renormalised to the allowed set A, the
/// first draw lands in A with probability p(A), and given that it did, it is distributed as p
/// restricted to A; on a miss, the redraw is from the masked distribution, which is the same
/// conditional distribution. (Samplers whose truncation depends on the set, such as top-k or
/// top-p, must be applied after masking on the slow path, so compute the mask first when those
/// are active and the grammar is narrow.) End-of-generation tokens are allowed exactly when the
/// grammar is complete.
///
/// ```swift
/// let constraint = GrammarTokenConstraint(grammar: g, vocabulary: vocab)
/// if !constraint.allows(token) { let mask = constraint.mask() /* resample under mask */ }
/// constraint.accept(token)
/// ```
public final class GrammarTokenConstraint {
    public let vocabulary: TokenVocabulary
    public private(set) var matcher: GrammarMatcher
    private var cache: [GrammarState: TokenMask] = [:]
    /// Masks cached per parser state; bounded so long generations cannot grow it without end.
    public var maxCachedMasks = 4096
    private var acceptedTokens = 0

    private let initialState: GrammarState

    public convenience init(grammar: Grammar, vocabulary: TokenVocabulary) {
        self.init(compiled: CompiledGrammar(grammar), vocabulary: vocabulary)
    }

    /// Starts from a matcher a finished constraint on the same grammar handed back to the
    /// vocabulary's pool when there is one (`ConstraintPool`: its parser states and masks are
    /// already known), else from a new matcher, and then starts warming the vocabulary's token
    /// sets for this grammar's string loops in the background (`TokenVocabulary.prepareLoops`).
    public init(compiled: CompiledGrammar, vocabulary: TokenVocabulary) {
        self.vocabulary = vocabulary
        if let pooled = vocabulary.constraints.take(compiled) {
            matcher = pooled.matcher
            cache = pooled.masks
        } else {
            matcher = GrammarMatcher(compiled: compiled)
            vocabulary.prepareLoops(for: compiled)
        }
        initialState = matcher.state
    }

    /// Hands the matcher back to the pool for the next constraint on this grammar, unless a copy
    /// of it (which shares its state table) may still be in use.
    deinit {
        matcher.reset(to: initialState)
        guard matcher.ownsArenaAlone() else { return }
        vocabulary.constraints.give(PooledMatcher(matcher: matcher, masks: cache))
    }

    /// Back to the start of the grammar for a new generation. The parser-state cache and the
    /// mask cache are kept, so reusing one constraint per schema (a tool called many times)
    /// pays the warm-up once.
    public func reset() {
        matcher.reset(to: initialState)
        acceptedTokens = 0
    }

    /// The grammar is complete (end-of-generation allowed).
    public var isComplete: Bool { matcher.isComplete }

    public func isEOS(_ token: Int) -> Bool { vocabulary.eosTokens.contains(token) }

    /// Whether `token` may come next: its bytes walk through the grammar, or it is an
    /// end-of-generation token and the grammar is complete.
    public func allows(_ token: Int) -> Bool {
        if isEOS(token) { return matcher.isComplete }
        guard token >= 0, token < vocabulary.count else { return false }
        let bytes = vocabulary.tokens[token]
        if bytes.isEmpty { return false }
        matcher.trimStateCache()
        var id = matcher.stateID(matcher.state)
        for b in bytes {
            id = matcher.step(id, b)
            if id < 0 { return false }
        }
        return true
    }

    /// Accepts `token` (advancing the parser); false, with no change, if it is not allowed.
    @discardableResult
    public func accept(_ token: Int) -> Bool {
        if isEOS(token) { return matcher.isComplete }
        guard allows(token) else { return false }
        matcher.accept(vocabulary.tokens[token])
        acceptedTokens += 1
        return true
    }

    /// Undoes the last `count` accepted tokens.
    public func rollback(_ count: Int = 1) {
        let n = min(count, acceptedTokens)
        matcher.rollback(n)
        acceptedTokens -= n
    }

    /// Tokens that spell the bytes the grammar forces next (possibly empty): they can be
    /// appended without sampling.
    public func forcedTokens() -> [Int] {
        vocabulary.greedyTokens(matcher.forcedBytes()) ?? []
    }

    /// The allowed tokens for the current state (cached per state; see `MaskWalker`).
    public func mask() -> TokenMask {
        let state = matcher.state
        if let cached = cache[state] { return cached }
        matcher.trimStateCache()
        var words = [UInt64](repeating: 0, count: (vocabulary.count + 63) / 64)
        let start = matcher.stateID(state)
        words.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var walker = MaskWalker(matcher: matcher, vocabulary: vocabulary, words: base)
            walker.walk(node: 0, state: start)
            if walker.edges > vocabulary.count / 4 { matcher.arena.regionsWanted = true }
        }
        var mask = TokenMask(words: words, count: vocabulary.count)
        if state.isComplete { for t in vocabulary.eosTokens where t < vocabulary.count { mask.insert(t) } }
        if cache.count >= maxCachedMasks { cache.removeAll(keepingCapacity: true) }
        cache[state] = mask
        return mask
    }

    /// The mask computed the plain way, as the reference for the fast one: every token's bytes
    /// run through the matcher on their own, with no trie, state table or cache.
    public func referenceMask() -> TokenMask {
        var mask = TokenMask(count: vocabulary.count)
        let state = matcher.state
        for (id, bytes) in vocabulary.tokens.enumerated() where !bytes.isEmpty {
            var s = state
            for b in bytes where !s.isDead { s = matcher.advance(s, b) }
            if !s.isDead { mask.insert(id) }
        }
        if state.isComplete { for t in vocabulary.eosTokens where t < vocabulary.count { mask.insert(t) } }
        return mask
    }
}
