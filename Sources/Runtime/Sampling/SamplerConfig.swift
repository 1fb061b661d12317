/// Settings of the sampler chain. Defaults follow llama.cpp's (`temp 0.8, top-k 40, top-p 0.95,
/// min-p 0.05`, penalties off).
public struct SamplerConfig: Sendable, Equatable, Codable {
    /// 0 (or less) means greedy: always the most likely token.
    public var temperature: Float = 0.8
    /// 0 (or less) disables top-k.
    public var topK: Int = 40
    /// 1 disables top-p (nucleus).
    public var topP: Float = 0.95
    /// 0 disables min-p.
    public var minP: Float = 0.05
    /// 1 disables locally typical sampling.
    public var typicalP: Float = 1.0
    /// 1 disables the repetition penalty.
    public var repeatPenalty: Float = 1.0
    public var presencePenalty: Float = 0
    public var frequencyPenalty: Float = 0
    /// How many of the most recent tokens the penalties look at.
    public var penaltyLastN: Int = 64
    /// Added to a token's logit before anything else (`-inf` bans it).
    public var logitBias: [Int32: Float] = [:]
    /// Seed of the final draw; nil picks one at random.
    public var seed: UInt64?

    public init() {}

    /// Greedy decoding with nothing else applied.
    public static var greedy: SamplerConfig {
        var config = SamplerConfig()
        config.temperature = 0
        return config
    }
}
