import Runtime

/// How a response is sampled and how long it may be.
///
/// ```swift
/// let options = GenerationOptions(sampling: .greedy, maximumResponseTokens: 64)
/// let story = try await session.respond(to: "Tell a story", options: .init(temperature: 0.9, seed: 7))
/// ```
public struct GenerationOptions: Sendable, Equatable {
    /// How the next token is chosen.
    public struct SamplingMode: Sendable, Equatable {
        enum Kind: Sendable, Equatable {
            case greedy
            case top(Int)
            case threshold(Double)
        }

        let kind: Kind
        let seed: UInt64?

        /// Always the most likely token: the same prompt gives the same text.
        public static let greedy = SamplingMode(kind: .greedy, seed: nil)

        /// Sample among the `k` most likely tokens.
        public static func random(top k: Int, seed: UInt64? = nil) -> SamplingMode {
            SamplingMode(kind: .top(k), seed: seed)
        }

        /// Sample among the most likely tokens whose probabilities add up to `probabilityThreshold`.
        public static func random(probabilityThreshold: Double, seed: UInt64? = nil) -> SamplingMode {
            SamplingMode(kind: .threshold(probabilityThreshold), seed: seed)
        }
    }

    /// nil: random sampling with the engine's defaults (top-k 40, top-p 0.95, min-p 0.05).
    public var sampling: SamplingMode?
    /// Softmax temperature for random sampling (default 0.8); 0 is greedy.
    public var temperature: Double?
    /// Most tokens in the response; nil: until the model ends its turn or the context is full
    /// (structured responses default to 1,024).
    public var maximumResponseTokens: Int?
    /// Seed for random sampling, for reproducible output (ignored when `sampling` carries one).
    public var seed: UInt64?
    /// Penalty for repeating recent tokens (1 is none).
    public var repetitionPenalty: Double?

    public init(sampling: SamplingMode? = nil, temperature: Double? = nil, maximumResponseTokens: Int? = nil,
                seed: UInt64? = nil, repetitionPenalty: Double? = nil) {
        self.sampling = sampling
        self.temperature = temperature
        self.maximumResponseTokens = maximumResponseTokens
        self.seed = seed
        self.repetitionPenalty = repetitionPenalty
    }

    /// The engine's sampler chain for these options.
    var samplerConfig: SamplerConfig {
        var config = SamplerConfig()
        if let temperature { config.temperature = Float(temperature) }
        config.seed = seed
        switch sampling?.kind {
        case .greedy?:
            config = .greedy
        case .top(let k)?:
            config.topK = max(1, k)
            config.topP = 1
        case .threshold(let threshold)?:
            config.topK = 0
            config.topP = Float(min(max(threshold, 0), 1))
        case nil:
            break
        }
        if let seed = sampling?.seed { config.seed = seed }
        if let repetitionPenalty { config.repeatPenalty = Float(repetitionPenalty) }
        return config
    }
}
