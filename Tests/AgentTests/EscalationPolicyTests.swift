import Agent
import Foundation
import Runtime
import Testing

/// A step taker with a name, scripted steps, and a log of the requests it was given.
final class RecordingTaker: StepTaker, @unchecked Sendable {
    let name: String
    private let steps: [ProposedStep]
    private let fails: Bool
    private let lock = NSLock()
    private var seen: [StepRequest] = []

    init(_ name: String, steps: [ProposedStep], fails: Bool = false) {
        self.name = name
        self.steps = steps
        self.fails = fails
    }

    var requests: [StepRequest] { lock.withLock { seen } }

    func takeStep(_ request: StepRequest) async throws -> ProposedStep {
        let count = lock.withLock { seen.append(request); return seen.count }
        if fails { throw ToolError(.unavailable, "scripted remote failure") }
        return steps[min(count - 1, steps.count - 1)]
    }
}

/// A local step with one call and the given confidence.
func confidentCall(_ name: String, _ arguments: JSONValue = [:], name nameLogprob: Float, argument: Float) -> ProposedStep {
    ProposedStep(text: "", calls: [ToolCall(name: name, arguments: arguments)],
                 confidence: [CallConfidence(nameLogprob: nameLogprob, minArgumentLogprob: argument, meanArgumentLogprob: argument,
                                             argumentChoices: 1)])
}

@Suite struct EscalationPolicyTests {
    let request = StepRequest(step: 1, messages: [["role": "user", "content": "hi"]],
                              tools: [ToolDefinition(name: "f", description: "", parameters: ["type": "object"])], toolChoice: .auto)

    @Test func confidenceRuleComparesTheStepScoreWithTheThreshold() async {
        let remote = RecordingTaker("remote:x", steps: [])
        let step = confidentCall("f", name: -0.1, argument: -0.2)   // score −0.3
        let keep = await EscalationPolicy(rule: .confidence(threshold: -0.5), remote: remote).decide(request, local: step)
        guard case .keep = keep.0 else { Issue.record("kept expected: \(keep.reason)"); return }
        #expect(keep.reason.contains("-0.300"))
        let send = await EscalationPolicy(rule: .confidence(threshold: -0.2), remote: remote).decide(request, local: step)
        guard case .delegate(let taker) = send.0 else { Issue.record("delegation expected: \(send.reason)"); return }
        #expect(taker.name == "remote:x")
        #expect(send.reason == "confidence -0.300 < threshold -0.200")
        var truncated = step
        truncated.truncated = true
        let cut = EscalationPolicy(rule: .confidence(threshold: -100), remote: remote).escalationReason(request, local: truncated)
        #expect(cut == "the local step ran out of tokens")
    }

    @Test func perStepEscalationGivesTheNextStepBackToTheLocalModel() async throws {
        let tool = ScriptedTool("f", .answer("{}"))
        let local = RecordingTaker("local", steps: [confidentCall("f", name: -3, argument: 0), ProposedStep(text: "done", calls: [])])
        let remote = RecordingTaker("remote:x", steps: [confidentCall("f", ["x": 1], name: 0, argument: 0)])
        let policy = EscalationPolicy(rule: .confidence(threshold: -1), remote: remote)
        let (events, result) = try await AgentLoopTests.events(Agent(local: local, tools: try ToolRegistry([tool]), policy: policy))
        #expect(result.reason == .answered && result.answer == "done")
        let records = events.compactMap { if case .stepFinished(let r) = $0 { r } else { nil } }
        #expect(records.map(\.taker) == ["remote:x", "local"])
        #expect(records.map(\.decision.action) == ["delegate", "keep"])
        #expect(records.first?.localOutput?.calls.first?.arguments == [:])
        #expect(records.first?.output.calls.first?.arguments == ["x": 1])
        #expect(local.requests.count == 2 && remote.requests.count == 1)
    }

    @Test func handOffLetsTheRemoteFinishTheTask() async throws {
        let tool = ScriptedTool("f", .answer("{}"))
        let local = RecordingTaker("local", steps: [confidentCall("f", name: -3, argument: 0)])
        let remote = RecordingTaker("remote:x", steps: [confidentCall("f", ["x": 1], name: 0, argument: 0),
                                                        ProposedStep(text: "remote answer", calls: [])])
        let policy = EscalationPolicy(rule: .confidence(threshold: -1), remote: remote, mode: .handOff)
        let (events, result) = try await AgentLoopTests.events(Agent(local: local, tools: try ToolRegistry([tool]), policy: policy))
        #expect(result.answer == "remote answer")
        let records = events.compactMap { if case .stepFinished(let r) = $0 { r } else { nil } }
        #expect(records.map(\.decision.action) == ["handoff", "handed-off"])
        #expect(records.map(\.taker) == ["remote:x", "remote:x"])
        #expect(local.requests.count == 1, "no local step after the hand-off")
    }

    @Test func aFailingRemoteFallsBackToTheLocalStep() async throws {
        let local = RecordingTaker("local", steps: [ProposedStep(text: "local answer", calls: [])])
        let remote = RecordingTaker("remote:x", steps: [], fails: true)
        let (events, result) = try await AgentLoopTests.events(
            Agent(local: local, tools: try ToolRegistry(), policy: EscalationPolicy(rule: .always, remote: remote)))
        #expect(result.reason == .answered && result.answer == "local answer")
        let record = try #require(events.compactMap { if case .stepFinished(let r) = $0 { r } else { nil } }.first)
        #expect(record.taker == "local" && record.decision.action == "fallback")
        #expect(record.decision.reason.contains("remote:x failed"))
    }

    @Test func theEscalateToolSendsTheStepAwayAndTheRemoteNeverSeesIt() async throws {
        let local = RecordingTaker("local", steps: [ProposedStep(text: "", calls: [ToolCall(name: "escalate", arguments: ["reason": "too hard"])])])
        let remote = RecordingTaker("remote:x", steps: [ProposedStep(text: "remote answer", calls: [])])
        let registry = try ToolRegistry([EscalateTool(), ScriptedTool("f", .answer("{}"))])
        let (events, result) = try await AgentLoopTests.events(
            Agent(local: local, tools: registry, policy: EscalationPolicy(rule: .tool, remote: remote)))
        #expect(result.answer == "remote answer")
        let record = try #require(events.compactMap { if case .decision(_, let r) = $0 { r } else { nil } }.first)
        #expect(record.reason == "the local model called escalate: too hard")
        #expect(local.requests.first?.tools.map(\.name).sorted() == ["escalate", "f"])
        #expect(remote.requests.first?.tools.map(\.name) == ["f"])
    }

    @Test func errorsRuleCountsFailedCallsAndSeesARepeat() {
        let policy = EscalationPolicy(rule: .errors(failures: 2), remote: RecordingTaker("remote:x", steps: []))
        let failure: JSONValue = ["role": "tool", "tool_call_id": "1", "content": .string(ToolError(.failed, "no").jsonText)]
        let success: JSONValue = ["role": "tool", "tool_call_id": "2", "content": #"{"ok":true}"#]
        let call = ProposedStep(text: "", calls: [ToolCall(name: "f", arguments: ["x": 1])])
        var request = self.request
        request.messages += [failure, success]
        #expect(policy.escalationReason(request, local: call) == nil)
        request.messages.append(failure)
        #expect(policy.escalationReason(request, local: call) == "2 failed tool calls so far (limit 2)")
        var earlier = self.request
        earlier.messages.append(.object(JSONObject([("role", "assistant"), ("content", .null),
            ("tool_calls", [ToolCall(name: "f", arguments: ["x": 1]).openAIObject(defaultID: "c1")])])))
        #expect(policy.escalationReason(earlier, local: call) == "the local step repeats an earlier call to 'f'")
        #expect(policy.escalationReason(earlier, local: ProposedStep(text: "", calls: [ToolCall(name: "f", arguments: ["x": 2])])) == nil)
    }

    @Test func randomRuleEscalatesItsShareReproducibly() {
        let remote = RecordingTaker("remote:x", steps: [])
        let step = ProposedStep(text: "a", calls: [])
        let requests = (0..<2000).map { StepRequest(step: 1, messages: [["role": "user", "content": .string("question \($0)")]],
                                                     tools: [], toolChoice: .auto) }
        func share(_ rate: Double, seed: UInt64) -> [Bool] {
            let policy = EscalationPolicy(rule: .random(rate: rate, seed: seed), remote: remote)
            return requests.map { policy.escalationReason($0, local: step) != nil }
        }
        #expect(share(0, seed: 1).allSatisfy { !$0 })
        #expect(share(1, seed: 1).allSatisfy { $0 })
        let sent = share(0.3, seed: 7)
        let rate = Double(sent.filter { $0 }.count) / Double(sent.count)
        #expect(abs(rate - 0.3) < 0.04, "\(rate)")
        #expect(sent == share(0.3, seed: 7))
        #expect(sent != share(0.3, seed: 8))
    }
}
