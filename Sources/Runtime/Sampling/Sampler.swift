/// The sampler chain in llama.cpp's default order: logit bias, penalties, top-k, typical-p, top-p,
/// min-p, temperature, then a seeded draw — or the argmax when the temperature is 0.
///
/// ```swift
/// var sampler = Sampler(config: config)
/// let token = sampler.sample(logits: logits)   // also records the token for the penalties
/// ```
public struct Sampler: Sendable {
    public let config: SamplerConfig
    private var rng: Xoshiro256
    /// Recent tokens (prompt and generated) for the penalties.
    public private(set) var history: [Int32] = []

    public init(config: SamplerConfig) {
        self.config = config
        rng = Xoshiro256(seed: config.seed ?? UInt64.random(in: 0...UInt64.max))
    }

    /// Records tokens the penalties should see (e.g. the prompt) without sampling.
    public mutating func accept(_ tokens: some Sequence<Int32>) {
        history.append(contentsOf: tokens)
        // A negative window means "all tokens": keep everything then.
        guard config.penaltyLastN >= 0 else { return }
        if history.count > config.penaltyLastN * 4 + 256 { history.removeFirst(history.count - config.penaltyLastN) }
    }

    /// Picks the next token from a full vocabulary of logits and records it.
    public mutating func sample(logits: [Float]) -> Int32 {
        var candidates = Candidates(logits: logits)
        let token = sample(&candidates)
        accept([token])
        return token
    }

    /// Runs the chain over `candidates` (which it narrows) and returns the chosen token without
    /// recording it.
    public mutating func sample(_ candidates: inout Candidates) -> Int32 {
        Samplers.logitBias(&candidates, config.logitBias)
        let lastN = config.penaltyLastN < 0 ? history.count : min(config.penaltyLastN, history.count)
        Samplers.penalties(&candidates, recent: history.suffix(lastN), repeat: config.repeatPenalty,
                           frequency: config.frequencyPenalty, presence: config.presencePenalty)
        if config.temperature <= 0 { return Samplers.greedy(candidates) }
        Samplers.topK(&candidates, config.topK)
        Samplers.typical(&candidates, config.typicalP)
        Samplers.topP(&candidates, config.topP)
        Samplers.minP(&candidates, config.minP)
        Samplers.temperature(&candidates, config.temperature)
        return Samplers.draw(&candidates, using: &rng)
    }
}

/// xoshiro256** seeded through SplitMix64: fast, and the same stream for the same seed everywhere.
struct Xoshiro256: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }
}
