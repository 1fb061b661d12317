import ArgumentParser
import Runtime

/// Flags shared by `run` and `chat`.
struct SamplingOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The GGUF model (default: SmolLM2-135M-Instruct in the models folder).")
    var model: String?

    @Option(name: [.customShort("n"), .customLong("n-predict")], help: "Most tokens to generate (-1: until end of generation or context).")
    var nPredict: Int = -1

    @Option(help: "Temperature; 0 is greedy.")
    var temp: Float = 0.8

    @Option(name: .customLong("top-k"), help: "Keep the K most likely tokens (0: off).")
    var topK: Int = 40

    @Option(name: .customLong("top-p"), help: "Nucleus: keep tokens up to cumulative probability P (1: off).")
    var topP: Float = 0.95

    @Option(name: .customLong("min-p"), help: "Keep tokens at least P times as likely as the best (0: off).")
    var minP: Float = 0.05

    @Option(name: .customLong("typical-p"), help: "Locally typical sampling (1: off).")
    var typicalP: Float = 1.0

    @Option(name: .customLong("repeat-penalty"), help: "Penalise repeated tokens (1: off).")
    var repeatPenalty: Float = 1.0

    @Option(name: .customLong("repeat-last-n"), help: "Tokens the penalties look back over (-1: all).")
    var repeatLastN: Int = 64

    @Option(name: .customLong("presence-penalty"), help: "Subtracted once from seen tokens' logits.")
    var presencePenalty: Float = 0

    @Option(name: .customLong("frequency-penalty"), help: "Subtracted per occurrence from seen tokens' logits.")
    var frequencyPenalty: Float = 0

    @Option(help: "Seed of the sampler (default: random).")
    var seed: UInt64?

    @Option(help: "Threads for the kernels (default: physical cores).")
    var threads: Int?

    @Option(help: "Context size in tokens (default: the model's training context).")
    var ctx: Int?

    @Option(help: "Prompt tokens evaluated per batch.")
    var batch: Int = 512

    @Option(name: .customLong("stop"), help: "Stop when this text is generated (repeatable).")
    var stop: [String] = []

    @Option(name: [.customShort("l"), .customLong("logit-bias")],
            help: "Add to a token's logit, as TOKEN_ID+BIAS or TOKEN_ID-BIAS (-inf bans it; repeatable).",
            transform: SamplingOptions.parseLogitBias)
    var logitBias: [LogitBias] = []

    struct LogitBias {
        let token: Int32
        let bias: Float
    }

    /// One `--logit-bias` value.
    static func parseLogitBias(_ entry: String) throws -> LogitBias {
        guard let split = entry.dropFirst().firstIndex(where: { $0 == "+" || $0 == "-" }),
              let token = Int32(entry[..<split]), token >= 0,
              let bias = Float(entry[split...].replacingOccurrences(of: "+", with: "")), !bias.isNaN
        else {
            throw ValidationError("--logit-bias '\(entry)' is not TOKEN_ID+BIAS or TOKEN_ID-BIAS (e.g. 15043+1.5, 2-inf)")
        }
        return LogitBias(token: token, bias: bias)
    }

    /// Rejects `--logit-bias` tokens the model's vocabulary does not have.
    func checkLogitBias(vocabularySize: Int) throws {
        if let outside = logitBias.first(where: { Int($0.token) >= vocabularySize }) {
            throw ValidationError("--logit-bias token \(outside.token) is outside the vocabulary (\(vocabularySize) tokens)")
        }
    }

    var samplerConfig: SamplerConfig {
        var config = SamplerConfig()
        // A later entry for the same token wins.
        config.logitBias = Dictionary(logitBias.map { ($0.token, $0.bias) }, uniquingKeysWith: { $1 })
        config.temperature = temp
        config.topK = topK
        config.topP = topP
        config.minP = minP
        config.typicalP = typicalP
        config.repeatPenalty = repeatPenalty
        config.penaltyLastN = repeatLastN
        config.presencePenalty = presencePenalty
        config.frequencyPenalty = frequencyPenalty
        config.seed = seed
        return config
    }

    var generationOptions: GenerationOptions {
        GenerationOptions(maxTokens: nPredict < 0 ? nil : nPredict, sampler: samplerConfig, stopStrings: stop)
    }

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let ctx, ctx < 1 { throw ValidationError("--ctx must be at least 1") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if temp < 0 { throw ValidationError("--temp must not be negative") }
    }
}
