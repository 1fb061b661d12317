import Agent
import Foundation
import GGUF
import Runtime
import TestSupport
import Testing

/// Scripted tools for the loop tests.
struct ScriptedTool: Tool {
    enum Behaviour: Sendable {
        case answer(String)
        case fail(ToolError)
        /// Sleeps cooperatively for this long, then answers.
        case slow(Duration, String)
        /// Blocks its thread (ignores cancellation) for this long.
        case stuck(TimeInterval)
        /// Ignores cancellation for this long without holding a thread (a tool waiting on
        /// something that never answers).
        case hang(TimeInterval)
    }

    let definition: ToolDefinition
    let behaviour: Behaviour

    init(_ name: String, parameters: JSONValue = ["type": "object", "properties": [:], "additionalProperties": false],
         _ behaviour: Behaviour) {
        definition = ToolDefinition(name: name, description: "A scripted test tool called \(name).", parameters: parameters)
        self.behaviour = behaviour
    }

    /// Blocks the calling thread, as a tool stuck in a blocking call would.
    private static func block(_ seconds: TimeInterval) { usleep(UInt32(seconds * 1_000_000)) }

    func call(arguments: JSONValue) async throws(ToolError) -> String {
        switch behaviour {
        case .answer(let text): return text
        case .fail(let error): throw error
        case .slow(let duration, let text):
            do { try await Task.sleep(for: duration) } catch { throw ToolError(.failed, "cancelled") }
            return text
        case .stuck(let seconds):
            Self.block(seconds)
            return "{}"
        case .hang(let seconds):
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { done.resume() }
            }
            return "{}"
        }
    }
}

/// Counts arrivals; `wait` returns how many have arrived once two have, or after 10 s.
final class Rendezvous: @unchecked Sendable {
    private let lock = NSLock()
    private var arrived = 0

    func arrive() { lock.withLock { arrived += 1 } }

    func wait() async -> Int {
        for _ in 0..<1000 {
            let count = lock.withLock { arrived }
            if count >= 2 { return count }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return lock.withLock { arrived }
    }
}

struct RendezvousTool: Tool {
    let rendezvous: Rendezvous
    let definition = ToolDefinition(name: "meet", description: "Waits for a second call.", parameters: ["type": "object"])

    func call(arguments: JSONValue) async throws(ToolError) -> String {
        rendezvous.arrive()
        return "{\"met\":\(await rendezvous.wait())}"
    }
}

/// A step taker that replays fixed steps (the pluggable decision point, used as a delegate too).
struct ScriptedTaker: StepTaker {
    let name = "script"
    let steps: [ProposedStep]
    func takeStep(_ request: StepRequest) async throws -> ProposedStep {
        steps[min(request.step - 1, steps.count - 1)]
    }
}

/// The loop's mechanics with scripted steps: every limit ends the run with its own reason.
@Suite struct AgentLoopTests {
    static func events(_ agent: Agent, _ task: String = "task") async throws -> ([AgentEvent], AgentResult) {
        var events: [AgentEvent] = []
        var result: AgentResult?
        for try await event in agent.run(task: task) {
            events.append(event)
            if case .finished(let r) = event { result = r }
        }
        return (events, try #require(result))
    }

    /// Two calls in one step meet at a rendezvous: each waits until both have started, so run
    /// one after the other, the first would wait alone until it gives up.
    @Test func parallelCallsRunConcurrently() async throws {
        let rendezvous = Rendezvous()
        let meet = RendezvousTool(rendezvous: rendezvous)
        let taker = ScriptedTaker(steps: [
            ProposedStep(text: "", calls: [ToolCall(name: "meet", arguments: [:]), ToolCall(name: "meet", arguments: ["n": 2])]),
            ProposedStep(text: "both done", calls: []),
        ])
        let (events, result) = try await Self.events(Agent(local: taker, tools: try ToolRegistry([meet])))
        #expect(result.reason == .answered && result.answer == "both done" && result.steps == 2)
        let results = events.compactMap { if case .toolResult(_, let r) = $0 { r } else { nil } }
        #expect(results.map(\.callID) == ["call_1_1", "call_1_2"])
        #expect(results.allSatisfy { $0.error == nil && $0.output == #"{"met":2}"# }, "\(results.map(\.output))")
        #expect(result.messages.filter { $0["role"] == "tool" }.count == 2)
    }

    @Test func stuckToolTimesOutAndTheRunGoesOn() async throws {
        let stuck = ScriptedTool("stuck", .stuck(3))
        let taker = ScriptedTaker(steps: [ProposedStep(text: "", calls: [ToolCall(name: "stuck", arguments: [:])]),
                                          ProposedStep(text: "gave up", calls: [])])
        var options = Agent.Options()
        options.toolTimeout = .milliseconds(200)
        let started = ContinuousClock.now
        let (events, result) = try await Self.events(Agent(local: taker, tools: try ToolRegistry([stuck]), options: options))
        // Only a guard against hanging: the stuck call itself blocks for 3 s.
        #expect(ContinuousClock.now - started < .seconds(30))
        let error = events.compactMap { if case .toolResult(_, let r) = $0 { r.error } else { nil } }.first
        #expect(error?.kind == .timeout)
        #expect(result.reason == .answered)
        #expect(result.messages.contains { $0["role"] == "tool" && ($0["content"]?.stringValue ?? "").contains("timeout") })
    }

    @Test func unknownToolAndThrowingToolBecomeToolMessages() async throws {
        let failing = ScriptedTool("failing", .fail(ToolError(.failed, "disk on fire")))
        let taker = ScriptedTaker(steps: [
            ProposedStep(text: "", calls: [ToolCall(name: "failing", arguments: [:]), ToolCall(name: "ghost", arguments: [:])]),
            ProposedStep(text: "sorry", calls: []),
        ])
        let (events, result) = try await Self.events(Agent(local: taker, tools: try ToolRegistry([failing])))
        let kinds = events.compactMap { if case .toolResult(_, let r) = $0 { r.error?.kind } else { nil } }
        #expect(kinds == [.failed, .unknownTool])
        #expect(result.reason == .answered)
        let tool = try #require(result.messages.first { $0["role"] == "tool" })
        #expect(try JSONValue(parsing: tool["content"]?.stringValue ?? "")["error"]?["message"] == "disk on fire")
    }

    @Test func declaredToolsEndTheRunWithThePendingCalls() async throws {
        let declared = DeclaredTool(ToolDefinition(name: "send_mail", description: "", parameters: ["type": "object"]))
        let taker = ScriptedTaker(steps: [ProposedStep(text: "", calls: [ToolCall(name: "send_mail", arguments: ["to": "a@b.c"])])])
        let (_, result) = try await Self.events(Agent(local: taker, tools: try ToolRegistry([declared])))
        #expect(result.reason == .toolCallsPending)
        #expect(result.pendingCalls.map(\.call.name) == ["send_mail"])
    }

    @Test func delegationIsRecordedWithItsReason() async throws {
        struct Delegating: StepPolicy {
            let to: ScriptedTaker
            func decide(_ request: StepRequest, local: ProposedStep) async -> (StepDecision, reason: String) {
                (.delegate(to), "scripted hand-off")
            }
        }
        let local = ScriptedTaker(steps: [ProposedStep(text: "local answer", calls: [])])
        let remote = ScriptedTaker(steps: [ProposedStep(text: "delegate answer", calls: [])])
        let (events, result) = try await Self.events(Agent(local: local, tools: try ToolRegistry(), policy: Delegating(to: remote)))
        #expect(result.answer == "delegate answer")
        let record = events.compactMap { if case .decision(_, let r) = $0 { r } else { nil } }.first
        #expect(record == StepDecisionRecord(action: "delegate", taker: "script", reason: "scripted hand-off"))
    }
}
