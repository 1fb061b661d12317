import Runtime

/// One number for how sure the local model was of a step, from the grammar log-probabilities it
/// recorded (each token's probability renormalised over what the grammar allowed, so forced tokens
/// count 0). Higher is surer; 0 is certain.
public enum StepConfidence {
    /// For a step with calls: the least sure call's name log-probability plus its lowest argument
    /// token log-probability (a wrong tool and a guessed argument both pull it down). For a text
    /// step where tools were offered: the log-probability of its first token, where the grammar let
    /// it choose between answering and calling. For a text step without tools: the mean token
    /// log-probability. A truncated step scores −∞.
    public static func score(_ step: ProposedStep, request: StepRequest) -> Float {
        if step.truncated { return -.infinity }
        if !step.calls.isEmpty {
            guard step.confidence.count == step.calls.count else { return -.infinity }
            return step.confidence.map { $0.nameLogprob + $0.minArgumentLogprob }.min() ?? 0
        }
        let tokens = step.tokens.filter { !$0.bytes.isEmpty }
        guard let first = tokens.first else { return 0 }
        if !request.tools.isEmpty && request.toolChoice == .auto { return first.grammarLogprob }
        return tokens.map(\.grammarLogprob).reduce(0, +) / Float(tokens.count)
    }
}
