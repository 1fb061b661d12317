import Foundation
import Runtime

/// The agent loop: messages → a step (the local model's, unless the step policy hands it to
/// someone else) → tool calls run concurrently, their results appended as tool messages → the next
/// step, until the model answers in text or a limit is reached. Every decision and every call is
/// streamed as an `AgentEvent`.
///
/// ```swift
/// let agent = Agent(local: try LocalModel(file: GGUFFile(path: path)), tools: registry)
/// for try await event in agent.run(task: "What is 17 * 23?") {
///     if case .finished(let result) = event { print(result.answer) }
/// }
/// ```
public final class Agent: Sendable {
    public struct Options: Sendable {
        /// The tool choice of the first step.
        public var toolChoice = ToolChoice.auto
        /// The tool choice of the steps after a tool result (nil: keep `toolChoice`). `required`
        /// for every step would never let the model answer, so it becomes `auto` by default.
        public var laterToolChoice: ToolChoice? = .auto
        public var maxSteps = 8
        /// Time limit of each tool call.
        public var toolTimeout: Duration = .seconds(30)
        public var parallelToolCalls = true
        /// Retries the policy may ask for in one step before the local step is kept.
        public var maxRetries = 1
        /// Bytes of a tool result passed back to the model (the rest is cut, with a note).
        public var maxToolResultBytes = 16_384

        public init() {}
    }

    public let local: any StepTaker
    public let tools: ToolRegistry
    public let policy: any StepPolicy
    public let options: Options

    public init(local: any StepTaker, tools: ToolRegistry, policy: any StepPolicy = KeepLocalPolicy(), options: Options = Options()) {
        self.local = local
        self.tools = tools
        self.policy = policy
        self.options = options
    }

    /// Runs `task` as the user's message (after an optional system message).
    public func run(task: String, system: String? = nil) -> AsyncThrowingStream<AgentEvent, Error> {
        var messages: [JSONValue] = []
        if let system { messages.append(["role": "system", "content": .string(system)]) }
        messages.append(["role": "user", "content": .string(task)])
        return run(messages: messages)
    }

    /// Continues a conversation in OpenAI's message shape.
    public func run(messages: [JSONValue]) -> AsyncThrowingStream<AgentEvent, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                let result = await self.loop(messages: messages) { continuation.yield($0) }
                continuation.yield(.finished(result))
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The loop; `emit` receives every event but the last, which is returned.
    public func loop(messages start: [JSONValue], emit: (AgentEvent) -> Void) async -> AgentResult {
        let clock = ContinuousClock()
        let began = clock.now
        var run = RunState(messages: start)
        func finish(_ reason: FinishReason, _ detail: String = "", pending: [AgentCall] = []) -> AgentResult {
            AgentResult(reason: reason, answer: run.lastText, detail: detail, steps: run.step, pendingCalls: pending,
                        messages: run.messages, promptTokens: run.promptTokens, generatedTokens: run.generatedTokens,
                        seconds: (clock.now - began).seconds)
        }
        while true {
            if Task.isCancelled { return finish(.cancelled) }
            guard run.step < options.maxSteps else {
                return finish(.stepBudget, "no answer after \(options.maxSteps) step\(options.maxSteps == 1 ? "" : "s")")
            }
            run.step += 1
            let step = run.step
            let choice = step == 1 || options.laterToolChoice == nil ? options.toolChoice : options.laterToolChoice ?? .auto
            let proposal: ProposedStep
            do {
                proposal = try await takeStep(StepRequest(step: step, messages: run.messages, tools: tools.definitions,
                                                         toolChoice: choice, parallelToolCalls: options.parallelToolCalls,
                                                         attempt: 0), run: &run, emit: emit)
            } catch is CancellationError {
                return finish(.cancelled)
            } catch let error as ModelError {
                if case .contextFull = error { return finish(.contextFull, error.description) }
                emit(.error(step: step, error.description))
                return finish(.error, error.description)
            } catch {
                emit(.error(step: step, "\(error)"))
                return finish(.error, "\(error)")
            }
            run.promptTokens += proposal.promptTokens
            run.generatedTokens += proposal.generatedTokens
            if !proposal.text.isEmpty {
                run.lastText = proposal.text
                emit(.text(step: step, proposal.text))
            }
            if proposal.truncated && proposal.calls.isEmpty {
                return finish(.error, "the step ran out of tokens before it was complete")
            }
            guard !proposal.calls.isEmpty else {
                run.messages.append(["role": "assistant", "content": .string(proposal.text)])
                return finish(.answered)
            }
            let calls = proposal.calls.enumerated().map { i, call in
                AgentCall(id: call.id ?? "call_\(step)_\(i + 1)", call: call,
                          confidence: i < proposal.confidence.count ? proposal.confidence[i] : nil)
            }
            run.messages.append(.object(JSONObject([
                ("role", "assistant"), ("content", proposal.text.isEmpty ? .null : .string(proposal.text)),
                ("tool_calls", .array(calls.map { $0.call.openAIObject(defaultID: $0.id) })),
            ])))
            for call in calls { emit(.toolCall(step: step, call)) }
            if calls.contains(where: { tools.tool(named: $0.call.name) is DeclaredTool }) {
                return finish(.toolCallsPending, "the caller runs these tools", pending: calls)
            }
            let results = await execute(calls)
            var repeated: AgentToolResult?
            for result in results {
                emit(.toolResult(step: step, result))
                run.messages.append(.object(JSONObject([
                    ("role", "tool"), ("tool_call_id", .string(result.callID)), ("name", .string(result.name)),
                    ("content", .string(result.output)),
                ])))
            }
            for (call, result) in zip(calls, results) {
                let signature = call.call.name + "\u{0}" + call.call.arguments.compactText + "\u{0}" + result.output
                if !run.seen.insert(signature).inserted { repeated = result }
            }
            if let repeated {
                return finish(.loopDetected, "'\(repeated.name)' was called again with the same arguments and gave the same result")
            }
        }
    }

    /// The local step, put to the policy (retries, delegation and hand-off included); emits the
    /// decision and the finished step's record.
    private func takeStep(_ request: StepRequest, run: inout RunState, emit: (AgentEvent) -> Void) async throws -> ProposedStep {
        var request = request
        let started = ContinuousClock.now
        let toolNames = request.tools.map(\.name)
        var failedRemote = (prompt: 0, completion: 0)
        /// Counts the tokens a failed remote was paid for (its answers were not used).
        func remoteFailed(_ error: any Error) {
            guard let error = error as? RemoteError else { return }
            failedRemote.prompt += error.promptTokens
            failedRemote.completion += error.completionTokens
        }
        func finish(_ output: ProposedStep, _ record: StepDecisionRecord, local: ProposedStep?) -> ProposedStep {
            emit(.decision(step: request.step, record))
            var step = StepRecord(step: request.step, messages: request.messages, toolNames: toolNames,
                                  decision: record, output: output, localOutput: local,
                                  seconds: (ContinuousClock.now - started).seconds)
            step.failedRemotePromptTokens = failedRemote.prompt
            step.failedRemoteCompletionTokens = failedRemote.completion
            emit(.stepFinished(step))
            return output
        }
        if let taker = run.handedTo {
            emit(.stepStarted(step: request.step, taker: taker.name))
            do {
                let output = try await taker.takeStep(request)
                return finish(output, StepDecisionRecord(action: "handed-off", taker: taker.name, reason: run.handOffReason), local: nil)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                remoteFailed(error)
                emit(.error(step: request.step, "\(taker.name) failed (\(error)); the local model takes the task back"))
                run.handedTo = nil
            }
        } else {
            emit(.stepStarted(step: request.step, taker: local.name))
        }
        while true {
            let proposal = try await local.takeStep(request)
            let (decision, reason) = await policy.decide(request, local: proposal)
            switch decision {
            case .keep:
                return finish(proposal, StepDecisionRecord(action: "keep", taker: local.name, reason: reason), local: nil)
            case .retry where request.attempt < options.maxRetries:
                emit(.decision(step: request.step, StepDecisionRecord(action: "retry", taker: local.name, reason: reason)))
                request.attempt += 1
            case .retry:
                return finish(proposal, StepDecisionRecord(action: "keep", taker: local.name,
                                                           reason: reason + "; retries used up, local step kept"), local: nil)
            case .delegate(let taker), .handOff(let taker):
                var handOff = false
                if case .handOff = decision { handOff = true }
                do {
                    let output = try await taker.takeStep(request)
                    if handOff {
                        run.handedTo = taker
                        run.handOffReason = "handed off at step \(request.step): " + reason
                    }
                    return finish(output, StepDecisionRecord(action: handOff ? "handoff" : "delegate", taker: taker.name, reason: reason),
                                  local: proposal)
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    remoteFailed(error)
                    emit(.error(step: request.step, "\(taker.name) failed (\(error)); the local step is kept"))
                    return finish(proposal, StepDecisionRecord(action: "fallback", taker: local.name,
                                                               reason: reason + "; \(taker.name) failed: \(error)"), local: nil)
                }
            }
        }
    }

    /// Runs the calls concurrently, each under the time limit; results in call order.
    private func execute(_ calls: [AgentCall]) async -> [AgentToolResult] {
        let registry = tools, limit = options.toolTimeout, cap = options.maxToolResultBytes
        return await withTaskGroup(of: (Int, AgentToolResult).self) { group in
            for (i, call) in calls.enumerated() {
                group.addTask {
                    let started = ContinuousClock.now
                    var output: String
                    var failure: ToolError?
                    do {
                        guard let tool = registry.tool(named: call.call.name) else {
                            throw ToolError(.unknownTool, "no tool is named '\(call.call.name)'")
                        }
                        let arguments = call.call.arguments
                        output = try await withDeadline(limit) { () async throws -> String in try await tool.call(arguments: arguments) }
                    } catch let error as ToolError {
                        failure = error
                        output = error.jsonText
                    } catch is DeadlineExceeded {
                        failure = ToolError(.timeout, "'\(call.call.name)' did not answer within \(limit)")
                        output = failure?.jsonText ?? ""
                    } catch {
                        failure = ToolError(.failed, "\(error)")
                        output = failure?.jsonText ?? ""
                    }
                    if output.utf8.count > cap {
                        output = String(decoding: output.utf8.prefix(cap), as: UTF8.self) + "… [cut at \(cap) bytes]"
                    }
                    return (i, AgentToolResult(callID: call.id, name: call.call.name, output: output, error: failure,
                                               seconds: (ContinuousClock.now - started).seconds))
                }
            }
            var results = [AgentToolResult?](repeating: nil, count: calls.count)
            for await (i, result) in group { results[i] = result }
            return results.compactMap { $0 }
        }
    }
}

private struct RunState {
    var messages: [JSONValue]
    var step = 0
    var lastText = ""
    var promptTokens = 0
    var generatedTokens = 0
    /// name, arguments and result of every call so far.
    var seen: Set<String> = []
    /// The taker a hand-off gave the rest of the task to, and why.
    var handedTo: (any StepTaker)?
    var handOffReason = ""
}
