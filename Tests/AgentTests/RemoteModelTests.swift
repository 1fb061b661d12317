import Agent
import Foundation
import Runtime
import Testing

/// `RemoteModel`: remote answers become proposed steps only when every call validates.
extension RemoteClientTests {
    static func request(_ choice: ToolChoice = .auto, parallel: Bool = true) -> StepRequest {
        StepRequest(step: 1, messages: RemoteTesting.question, tools: [RemoteTesting.lookup], toolChoice: choice,
                    parallelToolCalls: parallel)
    }

    @Test func validCallBecomesAStep() async throws {
        try await ScriptedRemote.with(["ok"]) { server in
            let model = RemoteModel(client: try RemoteClient(server.configuration()))
            #expect(model.name == "remote:scripted-model")
            let step = try await model.takeStep(Self.request(.required))
            #expect(step.calls == [ToolCall(name: "lookup", arguments: [:], id: "call_1")])
            #expect(step.promptTokens > 0 && step.generatedTokens > 0 && step.seconds > 0 && !step.truncated)
            #expect(step.tokens.isEmpty && step.confidence.isEmpty)
        }
    }

    @Test(arguments: ["invalid_call", "unknown_tool", "bad_arguments", "text"])
    func invalidAnswerIsAskedForAgainThenRefused(behaviour: String) async throws {
        try await ScriptedRemote.with([behaviour]) { server in
            let model = RemoteModel(client: try RemoteClient(server.configuration()))
            let error = await RemoteTesting.expectError(.invalidToolCall) { try await model.takeStep(Self.request(.required)) }
            #expect(error?.message.contains("remote:scripted-model") == true, "\(String(describing: error))")
            #expect(server.requests().count == 2)
            // Both answers were paid for: the error carries the tokens the server's usage reported.
            let usages = server.usages()
            #expect(usages.count == 2 && usages.allSatisfy { $0.prompt > 0 && $0.completion > 0 }, "\(usages)")
            #expect(error?.promptTokens == usages.map(\.prompt).reduce(0, +), "\(String(describing: error))")
            #expect(error?.completionTokens == usages.map(\.completion).reduce(0, +), "\(String(describing: error))")
            // An invalid answer is not a transport failure: the breaker stays closed.
            #expect(model.client.breaker.state == .closed(failures: 0))
        }
    }

    @Test func secondAnswerIsUsedWhenItIsValid() async throws {
        try await ScriptedRemote.with(["invalid_call", "ok"]) { server in
            let model = RemoteModel(client: try RemoteClient(server.configuration()))
            let step = try await model.takeStep(Self.request())
            #expect(step.calls.map(\.name) == ["lookup"])
            #expect(server.requests().count == 2)
        }
    }

    @Test func callsMustFitTheToolChoice() {
        let call = ToolCall(name: "lookup", arguments: ["word": "x"])
        #expect(RemoteModel.invalidity(of: [call], for: Self.request()) == nil)
        #expect(RemoteModel.invalidity(of: [], for: Self.request()) == nil)
        #expect(RemoteModel.invalidity(of: [], for: Self.request(.function("lookup")))?.contains("no tool call") == true)
        #expect(RemoteModel.invalidity(of: [call], for: Self.request(.none))?.contains("none") == true)
        #expect(RemoteModel.invalidity(of: [call, call], for: Self.request(parallel: false))?.contains("parallel") == true)
        #expect(RemoteModel.invalidity(of: [ToolCall(name: "lookup", arguments: ["word", 1])], for: Self.request()) != nil)
        #expect(RemoteModel.invalidity(of: [ToolCall(name: "lookup", arguments: ["extra": 1])], for: Self.request()) != nil)
        // A schema the validator cannot decide does not make a call invalid.
        var open = Self.request()
        open.tools = [ToolDefinition(name: "lookup", description: "", parameters: ["unevaluatedProperties": false])]
        #expect(RemoteModel.invalidity(of: [call], for: open) == nil)
    }

    /// Through the agent loop: a policy hands the step to the remote, whose answers are invalid
    /// twice, so the local step is kept and the run goes on.
    @Test func agentKeepsTheLocalStepWhenTheRemoteStaysInvalid() async throws {
        struct Escalate: StepPolicy {
            let remote: RemoteModel
            func decide(_ request: StepRequest, local: ProposedStep) async -> (StepDecision, reason: String) {
                (.delegate(remote), "test escalation")
            }
        }
        try await ScriptedRemote.with(["invalid_call"]) { server in
            let remote = RemoteModel(client: try RemoteClient(server.configuration()))
            let local = ScriptedTaker(steps: [ProposedStep(text: "local answer", calls: [])])
            let agent = Agent(local: local, tools: try ToolRegistry([ScriptedTool("lookup", .answer("{}"))]),
                              policy: Escalate(remote: remote))
            let (events, result) = try await AgentLoopTests.events(agent)
            #expect(result.answer == "local answer")
            let errors = events.compactMap { if case .error(_, let text) = $0 { text } else { nil } }
            #expect(errors.count == 1 && errors.first?.contains("invalid tool call") == true, "\(errors)")
            // The fallback step's record and the ledger count the tokens of the two unused answers.
            let record = try #require(events.compactMap { if case .stepFinished(let r) = $0 { r } else { nil } }.first)
            let usages = server.usages()
            #expect(usages.count == 2)
            #expect(record.decision.action == "fallback" && !record.escalated)
            #expect(record.failedRemotePromptTokens == usages.map(\.prompt).reduce(0, +))
            #expect(record.failedRemoteCompletionTokens == usages.map(\.completion).reduce(0, +))
            var ledger = CostLedger(remotePrice: Pricing(inputPerMillion: 1, outputPerMillion: 2))
            ledger.add(record)
            #expect(ledger.remoteTokensIn == record.failedRemotePromptTokens && ledger.remoteSteps == 0)
            #expect(ledger.remoteTokensOut == record.failedRemoteCompletionTokens)
            let expected = Double(ledger.remoteTokensIn + 2 * ledger.remoteTokensOut) / 1_000_000
            #expect(abs(ledger.costUSD - expected) < 1e-12, "\(ledger.costUSD) vs \(expected)")
        }
    }
}
