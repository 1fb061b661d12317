import Runtime

/// Why an agent run ended.
public enum FinishReason: String, Sendable, Equatable {
    /// The model answered in text.
    case answered
    /// The step budget ran out before an answer.
    case stepBudget = "step_budget"
    /// The same call with the same result came back twice: the run would go round in circles.
    case loopDetected = "loop_detected"
    /// The model called tools whose implementation is the caller's (declared in a tools file);
    /// the calls are in `AgentResult.pendingCalls`, as an API answering with `tool_calls` would.
    case toolCallsPending = "tool_calls"
    /// The context window is full.
    case contextFull = "context_full"
    case cancelled
    /// A step could not be taken (the model failed, the remote failed with no fallback).
    case error
}

/// How sure the local model was of one call, from the log-probabilities of its tokens under the
/// grammar (each renormalised over the tokens the grammar allowed at that step).
public struct CallConfidence: Sendable, Equatable {
    /// log P(this tool's name | the allowed names): the summed grammar log-probabilities of the
    /// name's tokens, which over all allowed names add up to probability 1.
    public var nameLogprob: Float
    /// The lowest grammar log-probability among the argument tokens (0 when no argument token had
    /// a choice).
    public var minArgumentLogprob: Float
    /// The mean over argument tokens where the grammar allowed more than one token.
    public var meanArgumentLogprob: Float
    /// Argument tokens where the model had a choice.
    public var argumentChoices: Int

    public init(nameLogprob: Float, minArgumentLogprob: Float, meanArgumentLogprob: Float, argumentChoices: Int) {
        self.nameLogprob = nameLogprob
        self.minArgumentLogprob = minArgumentLogprob
        self.meanArgumentLogprob = meanArgumentLogprob
        self.argumentChoices = argumentChoices
    }
}

/// A call the agent made, with its OpenAI call id.
public struct AgentCall: Sendable, Equatable {
    public var id: String
    public var call: ToolCall
    /// Present for calls the local model wrote.
    public var confidence: CallConfidence?
}

/// What a tool call returned.
public struct AgentToolResult: Sendable, Equatable {
    public var callID: String
    public var name: String
    /// JSON text: the tool's result, or `ToolError.jsonText`.
    public var output: String
    public var error: ToolError?
    public var seconds: Double
}

/// The outcome of a run.
public struct AgentResult: Sendable {
    public var reason: FinishReason
    /// The final text (the answer; for other reasons, the last text the model wrote, if any).
    public var answer: String
    /// Human-readable detail for reasons other than `answered`.
    public var detail: String
    public var steps: Int
    public var pendingCalls: [AgentCall]
    /// The whole conversation in OpenAI's message shape, the last reply included.
    public var messages: [JSONValue]
    public var promptTokens: Int
    public var generatedTokens: Int
    public var seconds: Double
}

/// One event of an agent run: the CLI, the server and library users render the same stream.
public enum AgentEvent: Sendable {
    /// A step begins; `taker` says who takes it (`local`, or the name of a delegate).
    case stepStarted(step: Int, taker: String)
    /// The step policy's decision on the local step, and why.
    case decision(step: Int, StepDecisionRecord)
    /// Text the model wrote in this step (the answer, or text before its calls).
    case text(step: Int, String)
    case toolCall(step: Int, AgentCall)
    case toolResult(step: Int, AgentToolResult)
    /// A step is done: who took it, why, what it saw and wrote (for accounting and traces).
    case stepFinished(StepRecord)
    /// Something went wrong that the run survives or that ends it (then `finished` follows).
    case error(step: Int, String)
    /// The last event.
    case finished(AgentResult)
}

/// One finished step: what it saw, who answered and why, and what it wrote. The escalated steps
/// (`localOutput` and `output` from different takers) are the pairs a fine-tuning set is made of.
public struct StepRecord: Sendable {
    public var step: Int
    /// The conversation the step saw (OpenAI's message shape).
    public var messages: [JSONValue]
    public var toolNames: [String]
    /// The decision that chose who wrote `output` (`decision.taker`).
    public var decision: StepDecisionRecord
    /// The step as used by the run.
    public var output: ProposedStep
    /// The local model's step when someone else's was used (nil when the local step was used, or
    /// when no local step was taken after a hand-off).
    public var localOutput: ProposedStep?
    /// Wall time of the whole step: the local try, retries and the delegate's answer.
    public var seconds: Double
    /// Remote tokens paid for but not used: the answers of a remote that failed the step (invalid
    /// tool calls twice), as its server's `usage` counted them. 0 when no remote failed.
    public var failedRemotePromptTokens = 0
    public var failedRemoteCompletionTokens = 0

    /// Who wrote `output`.
    public var taker: String { decision.taker }

    /// Whether someone other than the local model wrote the step: the decision delegated it, handed
    /// the task off, or came after a hand-off (`keep`, `fallback` and retries leave it local).
    public var escalated: Bool { ["delegate", "handoff", "handed-off"].contains(decision.action) }

    public init(step: Int, messages: [JSONValue], toolNames: [String], decision: StepDecisionRecord,
                output: ProposedStep, localOutput: ProposedStep?, seconds: Double) {
        self.step = step
        self.messages = messages
        self.toolNames = toolNames
        self.decision = decision
        self.output = output
        self.localOutput = localOutput
        self.seconds = seconds
    }
}
