import Agent
import Foundation
import GGUF
import Runtime
import TestSupport
import Testing

/// The loop on SmolLM2 with scripted tools: each run ends with its defined reason, and every call
/// the model writes is a valid call of an offered tool.
@Suite(.serialized) struct RealModelAgentTests {
    static let local: Result<LocalModel, any Error> = Result {
        var configuration = LocalModel.Configuration()
        configuration.contextLength = 2048
        configuration.maxTokensPerStep = 128
        return try LocalModel(file: GGUFFile(path: TestPaths.smolLM2.path), configuration: configuration)
    }

    static let secret = ScriptedTool("get_secret_number", .answer(#"{"secret_number": 42}"#))

    static func run(_ tools: [any Tool], choice: ToolChoice = .required, later: ToolChoice? = ToolChoice.none,
                    maxSteps: Int = 4, timeout: Duration = .seconds(5),
                    task: String = "What is the secret number? Use the tool.") async throws -> ([AgentEvent], AgentResult) {
        var options = Agent.Options()
        options.toolChoice = choice
        options.laterToolChoice = later
        options.maxSteps = maxSteps
        options.toolTimeout = timeout
        let agent = Agent(local: try local.get(), tools: try ToolRegistry(tools), options: options)
        return try await AgentLoopTests.events(agent, task)
    }

    static func calls(_ events: [AgentEvent]) -> [AgentCall] {
        events.compactMap { if case .toolCall(_, let call) = $0 { call } else { nil } }
    }

    @Test func callsTheToolThenAnswers() async throws {
        let (events, result) = try await Self.run([Self.secret, ScriptedTool("get_time", .answer(#"{"time":"noon"}"#))])
        #expect(result.reason == .answered, "\(result.detail)")
        #expect(result.steps == 2)
        let calls = Self.calls(events)
        #expect(calls.count >= 1)
        #expect(calls.allSatisfy { ["get_secret_number", "get_time"].contains($0.call.name) && $0.call.arguments == [:] })
        let confidence = try #require(calls.first?.confidence)
        #expect(confidence.nameLogprob <= 0 && confidence.nameLogprob > -30)
        #expect(!result.answer.isEmpty)
        #expect(result.messages.map { $0["role"]?.stringValue ?? "" } == ["user", "assistant"] + Array(repeating: "tool", count: calls.count) + ["assistant"])
    }

    @Test func oneToolMeansTheNameIsCertain() async throws {
        let (events, _) = try await Self.run([Self.secret], maxSteps: 1)
        let call = try #require(Self.calls(events).first)
        // The name's bytes are forced; only a token that also carries the optional blank before the
        // name's opening quote can take any probability from it.
        let confidence = try #require(call.confidence)
        #expect(confidence.nameLogprob <= 0 && confidence.nameLogprob > -0.7, "\(confidence)")
    }

    @Test func throwingToolIsReportedToTheModel() async throws {
        let broken = ScriptedTool("get_secret_number", .fail(ToolError(.failed, "the vault is locked")))
        let (events, result) = try await Self.run([broken])
        #expect(result.reason == .answered)
        let results = events.compactMap { if case .toolResult(_, let r) = $0 { r } else { nil } }
        #expect(!results.isEmpty && results.allSatisfy { $0.error?.kind == .failed })
    }

    @Test func stuckToolTimesOut() async throws {
        // The tool hangs for 6 s; the 300 ms timeout must end each call well before that (the
        // bound is loose: other tests in this process can hold the cooperative threads). A tool
        // that blocks its thread is AgentLoopTests' case: here the model may call it several
        // times, and blocked threads would stall the whole test process.
        let stuck = ScriptedTool("get_secret_number", .hang(6))
        let started = ContinuousClock.now
        let (events, result) = try await Self.run([stuck], timeout: .milliseconds(300))
        #expect(result.reason == .answered)
        let results = events.compactMap { if case .toolResult(_, let r) = $0 { r } else { nil } }
        #expect(!results.isEmpty && results.allSatisfy { $0.error?.kind == .timeout && $0.seconds < 5 })
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func stepBudgetEndsTheRun() async throws {
        let (_, result) = try await Self.run([Self.secret], maxSteps: 1)
        #expect(result.reason == .stepBudget)
        #expect(result.steps == 1)
    }

    @Test func sameCallSameResultIsALoop() async throws {
        // `required` on every step: the model can only call the one argument-less tool again.
        let (_, result) = try await Self.run([Self.secret], later: nil, maxSteps: 6)
        #expect(result.reason == .loopDetected)
        #expect(result.steps == 2)
    }
}
