import Agent
import Foundation
import Runtime

/// A tool-using agent: the local model takes each step (its tool calls valid by construction),
/// and a policy sends the steps it is unsure of to a remote OpenAI-compatible model.
///
/// ```swift
/// let agent = try Agent(model: model, tools: [Weather()],
///                       remote: .openAI(baseURL: "https://api.openai.com/v1", model: "gpt-4o-mini"),
///                       policy: .confidence())
/// let run = try await agent.run("What is the weather in Paris?")
/// print(run.answer, run.cost.totalUSD)
/// for step in run.steps { print(step.taker, step.reason) }
/// ```
///
/// Cancelling the task that awaits `run` stops the current generation within one decode step and
/// cancels running tools; the run then ends with `finishReason == "cancelled"`.
public final class Agent: Sendable {
    /// A remote OpenAI-compatible model (`/v1/chat/completions`).
    public struct Remote: Sendable {
        var configuration: RemoteConfiguration
        var pricing: Pricing

        /// `baseURL` up to `/v1`; the key from `apiKey`, else `$OPENAI_API_KEY`. Prices are US
        /// dollars per million input and output tokens, for the run's cost figures.
        public static func openAI(baseURL: String, model: String, apiKey: String? = nil,
                                  inputPricePerMillion: Double = 0, outputPricePerMillion: Double = 0,
                                  timeout: Duration = .seconds(120)) -> Remote {
            var configuration = RemoteConfiguration(
                baseURL: baseURL, model: model, apiKey: apiKey ?? ProcessInfo.processInfo.environment["OPENAI_API_KEY"])
            configuration.deadline = timeout
            configuration.requestTimeout = min(configuration.requestTimeout, timeout)
            return Remote(configuration: configuration,
                          pricing: Pricing(inputPerMillion: inputPricePerMillion, outputPerMillion: outputPricePerMillion))
        }
    }

    /// Which local steps go to the remote model.
    public enum Policy: Sendable, Equatable {
        /// Every step stays local.
        case never
        /// Every step goes to the remote.
        case always
        /// Steps whose confidence (log P(tool name) + lowest argument-token log-probability, under
        /// the grammar) is below `threshold`; -1.05 sends about 20 % of BFCL's questions away.
        case confidence(threshold: Double = -1.05)
        /// After `failures` failed tool calls, or when a step repeats an earlier call.
        case errors(failures: Int = 2)
        /// When the local model calls the built-in `escalate(reason)` tool.
        case tool
        /// A share of the steps at random (seeded): the baseline to compare policies with.
        case random(rate: Double, seed: UInt64 = 0)

        var rule: EscalationRule {
            switch self {
            case .never: .never
            case .always: .always
            case .confidence(let threshold): .confidence(threshold: Float(threshold))
            case .errors(let failures): .errors(failures: failures)
            case .tool: .tool
            case .random(let rate, let seed): .random(rate: rate, seed: seed)
            }
        }
    }

    /// Whether the local model must call a tool.
    public enum ToolUse: Sendable, Equatable {
        /// The model decides (small models rarely call a tool unless required).
        case automatic
        /// The first step must call a tool; later steps decide.
        case requiredFirst
        /// Every step must call a tool until `maxSteps`.
        case required
    }

    public let model: LanguageModel
    public let instructions: String?
    public let maxSteps: Int
    let loop: AgentLoop
    let pricing: Pricing

    /// - Parameters:
    ///   - model: the local model (the agent keeps its own context; the weights are shared).
    ///   - tools: the tools the model may call.
    ///   - instructions: the system message of every run.
    ///   - remote: the remote model; without one, every step is local whatever the policy.
    ///   - policy: which local steps go to the remote.
    ///   - handOff: once a step is escalated, the remote takes every later step too.
    ///   - toolUse: whether the local model must call a tool.
    ///   - maxSteps: the most steps (model replies) in one run.
    ///   - toolTimeout: how long one tool call may take before it counts as failed.
    public init(model: LanguageModel, tools: [any Tool], instructions: String? = nil, remote: Remote? = nil,
                policy: Policy = .confidence(), handOff: Bool = false, toolUse: ToolUse = .requiredFirst,
                maxSteps: Int = 8, toolTimeout: Duration = .seconds(30)) throws {
        self.model = model
        self.instructions = instructions
        self.maxSteps = maxSteps
        var registry = try ToolRegistry()
        for tool in tools { try registry.register(Self.adapt(tool)) }
        if policy == .tool, remote != nil { try registry.register(EscalateTool()) }
        let local = LocalModel(model: model.model, tokenizer: model.tokenizer, chat: model.chat, vocabulary: model.vocabulary)
        var options = AgentLoop.Options()
        switch toolUse {
        case .automatic: options.toolChoice = .auto
        case .requiredFirst: options.toolChoice = .required
        case .required:
            options.toolChoice = .required
            options.laterToolChoice = .required
        }
        options.maxSteps = maxSteps
        options.toolTimeout = toolTimeout
        let stepPolicy: any StepPolicy
        if let remote {
            let client = RemoteModel(client: try RemoteClient(remote.configuration))
            stepPolicy = EscalationPolicy(rule: policy.rule, remote: client, mode: handOff ? .handOff : .perStep)
            pricing = remote.pricing
        } else {
            stepPolicy = KeepLocalPolicy()
            pricing = .free
        }
        loop = AgentLoop(local: local, tools: registry, policy: stepPolicy, options: options)
    }

    private static func adapt<T: Tool>(_ tool: T) -> any AgentTool { ToolAdapter(tool: tool) }

    /// Runs `task` to its answer (or the step limit); see `AgentRun`.
    public func run(_ task: String) async throws -> AgentRun {
        var messages: [JSONValue] = []
        if let instructions { messages.append(["role": "system", "content": .string(instructions)]) }
        messages.append(["role": "user", "content": .string(task)])
        var ledger = CostLedger(remotePrice: pricing)
        var steps: [AgentRun.Step] = []
        var calls: [Int: [AgentRun.Call]] = [:]
        let result = await loop.loop(messages: messages) { event in
            switch event {
            case .toolResult(let step, let output):
                calls[step, default: []].append(AgentRun.Call(
                    name: output.name, arguments: "", output: output.output, failed: output.error != nil))
            case .toolCall(let step, let call):
                calls[step, default: []].append(AgentRun.Call(
                    name: call.call.name, arguments: call.call.arguments.compactText, output: nil, failed: false))
            case .stepFinished(let record):
                ledger.add(record)
                steps.append(AgentRun.Step(
                    index: record.step, taker: record.taker, escalated: record.escalated,
                    reason: record.decision.reason, text: record.output.text, calls: [],
                    promptTokens: record.output.promptTokens, completionTokens: record.output.generatedTokens,
                    seconds: record.seconds, costUSD: ledger.cost(of: record)))
            default:
                break
            }
        }
        for index in steps.indices {
            steps[index].calls = Self.pair(calls[steps[index].index] ?? [])
        }
        let cost = AgentRun.Cost(localShare: ledger.localShare, totalUSD: ledger.costUSD, allRemoteUSD: ledger.allRemoteCostUSD,
                                 localTokensIn: ledger.localTokensIn, localTokensOut: ledger.localTokensOut,
                                 remoteTokensIn: ledger.remoteTokensIn, remoteTokensOut: ledger.remoteTokensOut)
        return AgentRun(answer: result.answer, finishReason: result.reason.rawValue, detail: result.detail, steps: steps,
                        cost: cost, seconds: result.seconds)
    }

    /// Calls in order of the calls, each with the output of the result of the same tool that
    /// followed it (results arrive after all calls of a step).
    private static func pair(_ events: [AgentRun.Call]) -> [AgentRun.Call] {
        var made = events.filter { $0.output == nil }
        var results = events.filter { $0.output != nil }
        for index in made.indices {
            if let match = results.firstIndex(where: { $0.name == made[index].name }) {
                made[index].output = results[match].output
                made[index].failed = results[match].failed
                results.remove(at: match)
            }
        }
        return made
    }
}

/// What an agent run did: the answer, each step (who took it and why), and what it cost.
public struct AgentRun: Sendable {
    public struct Call: Sendable, Equatable {
        public var name: String
        /// The arguments as JSON text.
        public var arguments: String
        /// What the tool returned (or its error, as JSON), nil if it never ran.
        public var output: String?
        public var failed: Bool
    }

    public struct Step: Sendable {
        public var index: Int
        /// `local`, or `remote:MODEL`.
        public var taker: String
        /// Whether the policy sent this step to the remote.
        public var escalated: Bool
        /// Why the policy decided as it did.
        public var reason: String
        public var text: String
        public var calls: [Call]
        public var promptTokens: Int
        public var completionTokens: Int
        public var seconds: Double
        public var costUSD: Double
    }

    public struct Cost: Sendable, Equatable {
        /// Share of the steps taken locally.
        public var localShare: Double
        public var totalUSD: Double
        /// What the same run would have cost with every step remote (from the token counts).
        public var allRemoteUSD: Double
        public var localTokensIn: Int
        public var localTokensOut: Int
        public var remoteTokensIn: Int
        public var remoteTokensOut: Int
    }

    public var answer: String
    /// `answered`, `step_budget`, `loop_detected`, `cancelled`, …
    public var finishReason: String
    public var detail: String
    public var steps: [Step]
    public var cost: Cost
    public var seconds: Double
}
