/// What to generate and when to stop.
public struct GenerationOptions: Sendable {
    /// Most tokens to generate (`-n`); nil generates until an end-of-generation token, a stop
    /// string or the end of the context.
    public var maxTokens: Int?
    public var sampler: SamplerConfig
    /// Generation ends when the text produced contains one of these; the text is cut before it.
    public var stopStrings: [String]
    /// Tokens that end generation (the vocabulary's end-of-generation set by default).
    public var stopTokens: Set<Int32>?
    /// Constrains the output to a grammar (GBNF, or JSON Schema compiled to one).
    public var constraint: GrammarConstraint?
    /// Record every generated token with its log-probabilities in `GenerationStats.tokens`
    /// (under a grammar this computes the allowed set at every step).
    public var recordTokens: Bool
    /// With `recordTokens`: also record this many most likely tokens at each step
    /// (`GeneratedToken.alternatives`).
    public var topLogprobs = 0
    /// Drafting several tokens per step and checking them in one pass (`SpeculationOptions`):
    /// jump-forward under a grammar is on by default; the output does not change, only the speed.
    public var speculation = SpeculationOptions()

    public init(maxTokens: Int? = nil, sampler: SamplerConfig = SamplerConfig(), stopStrings: [String] = [],
                stopTokens: Set<Int32>? = nil, constraint: GrammarConstraint? = nil, recordTokens: Bool = false) {
        self.maxTokens = maxTokens
        self.sampler = sampler
        self.stopStrings = stopStrings
        self.stopTokens = stopTokens
        self.constraint = constraint
        self.recordTokens = recordTokens
    }
}

/// Why generation ended.
public enum StopReason: String, Sendable {
    case endOfGeneration = "eog"
    case maxTokens = "max_tokens"
    case stopString = "stop_string"
    case contextFull = "context_full"
    case cancelled
    /// Under a grammar constraint, no token could continue the output.
    case grammarDeadEnd = "grammar_dead_end"
}

/// Timings and counts of one generation.
public struct GenerationStats: Sendable {
    public var promptTokens = 0
    /// Prompt tokens actually evaluated (the rest were reused from the cache).
    public var promptTokensEvaluated = 0
    public var promptSeconds: Double = 0
    public var generatedTokens = 0
    public var generationSeconds: Double = 0
    /// Of `generationSeconds` (and the first token's sampling), the time the grammar constraint
    /// took beyond what unconstrained sampling does: checking each sampled token, masking and
    /// sampling again when it was rejected, advancing the parser, and checking for the end.
    public var constraintSeconds: Double = 0
    /// From the start of the call to the first generated token.
    public var timeToFirstToken: Double = 0
    public var stopReason: StopReason = .endOfGeneration
    /// With a grammar constraint: whether the output is a complete sentence of the grammar.
    /// False means generation stopped early (e.g. at `maxTokens`) and the text is truncated.
    public var grammarComplete: Bool?
    /// Every generated token, when `GenerationOptions.recordTokens` is set (the end-of-generation
    /// token included, last).
    public var tokens: [GeneratedToken] = []
    /// Forward passes after the prompt's (one per decode step; a step may check drafted tokens).
    public var decodeSteps = 0
    /// Drafted and accepted tokens (`SpeculationOptions`).
    public var speculation = SpeculationStats()

    /// Tokens generated per decode step after the first token: 1 without speculation, higher when
    /// steps accept drafted tokens (tokens per read of the weights).
    public var tokensPerStep: Double { decodeSteps > 0 ? Double(max(generatedTokens - 1, 0)) / Double(decodeSteps) : 0 }

    public var promptTokensPerSecond: Double { promptSeconds > 0 ? Double(promptTokensEvaluated) / promptSeconds : 0 }
    /// Generated tokens after the first, per second of decoding.
    public var generationTokensPerSecond: Double {
        generationSeconds > 0 ? Double(max(generatedTokens - 1, 0)) / generationSeconds : 0
    }
}

/// A generated token with how sure the model was of it.
public struct GeneratedToken: Sendable, Equatable {
    public var id: Int32
    /// The token's bytes in the output (empty for end-of-generation).
    public var bytes: [UInt8]
    /// log p(token) under the model's full distribution.
    public var logprob: Float
    /// log p(token) renormalised over the tokens the grammar allowed at this step (equal to
    /// `logprob` without a grammar; 0 when the grammar allowed only this token).
    public var grammarLogprob: Float
    /// How many tokens the grammar allowed at this step (the vocabulary size without a grammar).
    public var allowedCount: Int
    /// The most likely tokens at this step, when `GenerationOptions.topLogprobs` asked for them.
    public var alternatives: [TokenAlternative] = []

    public init(id: Int32, bytes: [UInt8], logprob: Float, grammarLogprob: Float, allowedCount: Int) {
        self.id = id
        self.bytes = bytes
        self.logprob = logprob
        self.grammarLogprob = grammarLogprob
        self.allowedCount = allowedCount
    }
}

/// One event of a generation stream.
public enum GenerationEvent: Sendable {
    /// A generated token and its log-probability under the model (before sampling adjustments).
    case token(id: Int32, logprob: Float)
    /// The most likely tokens at the step of the `.token` just before (most likely first), when
    /// tokens are recorded with `GenerationOptions.topLogprobs` > 0.
    case alternatives([TokenAlternative])
    /// Text that is final (complete UTF-8, not part of a possible stop string).
    case text(String)
    /// The last event.
    case done(GenerationStats)
}
