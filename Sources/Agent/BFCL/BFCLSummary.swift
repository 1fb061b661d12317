import Runtime

/// Totals over scored questions, for a run's report and the CLI's `--json` last line.
///
/// ```swift
/// var summary = BFCLSummary()
/// for result in results { summary.add(result) }
/// print(summary.jsonObject.compactText)
/// ```
public struct BFCLSummary: Sendable, Equatable {
    public var questions = 0
    /// Questions answered with well-formed calls (see `BFCLResult.validCall`).
    public var validCalls = 0
    /// Questions that passed the AST check (for irrelevance: made no call).
    public var astCorrect = 0
    /// Questions answered with no call at all.
    public var noCall = 0
    public var totalLatencyMs = 0.0
    public var tokensIn = 0
    public var tokensOut = 0
    /// Forward passes after the prompts' (`BFCLResult.decodeSteps`).
    public var decodeSteps = 0
    /// Seconds from first to last generated token, summed, and the tokens generated after the
    /// first: decode speed without the prompt.
    public var decodeSeconds = 0.0
    public var decodedTokens = 0

    public init() {}

    public init(_ results: some Sequence<BFCLResult>) {
        for result in results { add(result) }
    }

    public mutating func add(_ result: BFCLResult) {
        questions += 1
        if result.validCall { validCalls += 1 }
        if result.passed { astCorrect += 1 }
        if result.callCount == 0 { noCall += 1 }
        totalLatencyMs += result.latencyMs
        tokensIn += result.tokensIn
        tokensOut += result.tokensOut
        decodeSteps += result.decodeSteps
        decodeSeconds += result.decodeSeconds
        decodedTokens += max(result.tokensOut - 1, 0)
    }

    /// Generated tokens per second after each question's first token (0 when none was timed).
    public var decodeTokensPerSecond: Double { decodeSeconds > 0 ? Double(decodedTokens) / decodeSeconds : 0 }

    /// Mean latency per question; 0 with no questions (JSON has no NaN).
    public var meanLatencyMs: Double { questions == 0 ? 0 : totalLatencyMs / Double(questions) }

    /// The share of questions that passed, 0...1; 0 with no questions.
    public var accuracy: Double { questions == 0 ? 0 : Double(astCorrect) / Double(questions) }

    /// `{"questions", "valid_calls", "ast_correct", "no_call", "accuracy", "mean_latency_ms",
    /// "tokens_in", "tokens_out", "decode_steps", "decode_tokens_per_second"}`.
    public var jsonObject: JSONValue {
        .object(JSONObject([
            ("questions", .int(questions)), ("valid_calls", .int(validCalls)), ("ast_correct", .int(astCorrect)),
            ("no_call", .int(noCall)), ("accuracy", .double(accuracy)), ("mean_latency_ms", .double(meanLatencyMs)),
            ("tokens_in", .int(tokensIn)), ("tokens_out", .int(tokensOut)), ("decode_steps", .int(decodeSteps)),
            ("decode_tokens_per_second", .double(decodeTokensPerSecond)),
        ]))
    }
}
