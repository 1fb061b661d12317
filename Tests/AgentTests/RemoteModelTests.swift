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
        }
    }
}
