import Runtime

/// What one step produced: text and/or tool calls, by the local model or someone else.
public struct ProposedStep: Sendable {
    public var text: String
    public var calls: [ToolCall]
    /// Per-token detail when the local model wrote it under a grammar (empty otherwise).
    public var tokens: [GeneratedToken]
    /// Per-call confidence, parallel to `calls`, for local steps.
    public var confidence: [CallConfidence]
    /// Prompt tokens evaluated for this step (the local model reuses its KV cache, so only the
    /// new part; a remote model reports the whole prompt).
    public var promptTokens: Int
    public var generatedTokens: Int
    /// Tokens of the whole prompt the step saw, as the local tokenizer counts them (0 when
    /// unknown): what a remote model would have been sent for this step.
    public var contextTokens: Int
    public var seconds: Double
    /// Generation stopped for lack of room or tokens: the step is incomplete.
    public var truncated: Bool
    /// The local model's forward passes after the prompt's (fewer than `generatedTokens` when
    /// speculation accepted drafted tokens); 0 for other step takers.
    public var decodeSteps = 0
    /// Seconds from the local model's first generated token to its last (0 for other step takers).
    public var decodeSeconds = 0.0

    public init(text: String, calls: [ToolCall], tokens: [GeneratedToken] = [], confidence: [CallConfidence] = [],
                promptTokens: Int = 0, generatedTokens: Int = 0, contextTokens: Int = 0, seconds: Double = 0,
                truncated: Bool = false) {
        self.text = text
        self.calls = calls
        self.tokens = tokens
        self.confidence = confidence
        self.promptTokens = promptTokens
        self.generatedTokens = generatedTokens
        self.contextTokens = contextTokens
        self.seconds = seconds
        self.truncated = truncated
    }
}

/// What a step sees: the conversation so far, the tools and the tool choice for this step.
public struct StepRequest: Sendable {
    public var step: Int
    public var messages: [JSONValue]
    public var tools: [ToolDefinition]
    public var toolChoice: ToolChoice
    public var parallelToolCalls: Bool
    /// 0 for the first try of a step, 1 for the first retry, …
    public var attempt: Int

    public init(step: Int, messages: [JSONValue], tools: [ToolDefinition], toolChoice: ToolChoice,
                parallelToolCalls: Bool = true, attempt: Int = 0) {
        self.step = step
        self.messages = messages
        self.tools = tools
        self.toolChoice = toolChoice
        self.parallelToolCalls = parallelToolCalls
        self.attempt = attempt
    }
}

/// Someone who can take a step: the local model, a remote model, a script (tests).
public protocol StepTaker: Sendable {
    /// A short name for traces (`local`, `remote:gpt-4o`, …).
    var name: String { get }
    func takeStep(_ request: StepRequest) async throws -> ProposedStep
}

/// What to do with the local model's step.
public enum StepDecision: Sendable {
    /// Use the local step as it is.
    case keep
    /// Take the step locally again (the request's `attempt` goes up).
    case retry
    /// Let `taker` take this step instead; the local model takes the next one.
    case delegate(any StepTaker)
    /// Let `taker` take this step and every later one (it finishes the task).
    case handOff(any StepTaker)
}

/// A decision with its reason, as recorded in the run's events.
public struct StepDecisionRecord: Sendable, Equatable {
    /// `keep`, `retry`, `delegate`, `handoff`, or `handed-off` for a step taken by the taker a
    /// hand-off chose (no local step), or `fallback` when a delegate failed and the local step was kept.
    public var action: String
    /// Who took the step in the end.
    public var taker: String
    public var reason: String

    public init(action: String, taker: String, reason: String) {
        self.action = action
        self.taker = taker
        self.reason = reason
    }
}

/// The one decision point of each agent step: sees the request and the local step (its text,
/// calls, per-token log-probabilities under the grammar and per-call confidence) and decides who
/// takes the step.
public protocol StepPolicy: Sendable {
    func decide(_ request: StepRequest, local: ProposedStep) async -> (StepDecision, reason: String)
}

/// Always keeps the local step.
public struct KeepLocalPolicy: StepPolicy {
    public init() {}
    public func decide(_ request: StepRequest, local: ProposedStep) async -> (StepDecision, reason: String) {
        (.keep, "local-only policy")
    }
}
