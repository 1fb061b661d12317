import Agent
import Foundation
import GGUF
import Runtime
import TestSupport
import Testing

/// Speculation in the agent's real path (BFCL questions, the tool-call grammar, SmolLM2, greedy):
/// jump-forward (checked) and prompt lookup give token for token the calls of one token per step,
/// in fewer forward passes.
@Suite struct SpeculativeCallTests {
    static let perCategory = 12

    @Test func greedyCallsAreUnchanged() async throws {
        let questions = try ["simple_python", "multiple"].flatMap {
            try BFCLDatasetTests.load($0, answers: true).questions.prefix(Self.perCategory)
        }
        func model(_ speculation: SpeculationOptions) throws -> LocalModel {
            var configuration = LocalModel.Configuration()
            configuration.contextLength = 2048
            configuration.maxTokensPerStep = 160
            configuration.speculation = speculation
            return try LocalModel(file: GGUFFile(path: TestPaths.smolLM2.path), configuration: configuration)
        }
        // Every drafted token checked (the mechanism), and the default, which checks what its
        // learned acceptance and row cost say will pay (timing-dependent: only the output is fixed).
        let plain = try model(.off), drafting = try model(SpeculationOptions(jumpForward: .checked, lookup: 8, adaptive: false))
        let adaptive = try model(SpeculationOptions(jumpForward: .checked, lookup: 8))
        var tokens = 0, steps = 0, plainSteps = 0, adaptiveSteps = 0
        for question in questions {
            let request = StepRequest(step: 1, messages: question.messages.map { ["role": .string($0.role), "content": .string($0.content)] },
                                      tools: question.tools, toolChoice: .required, parallelToolCalls: false)
            let expected = try await plain.takeStep(request)
            let step = try await drafting.takeStep(request)
            #expect(step.tokens.map(\.id) == expected.tokens.map(\.id), "\(question.id)")
            #expect(step.calls == expected.calls, "\(question.id)")
            // The recorded log-probabilities come from the same logits, bit for bit.
            #expect(step.tokens.map(\.grammarLogprob) == expected.tokens.map(\.grammarLogprob), "\(question.id)")
            let adapted = try await adaptive.takeStep(request)
            #expect(adapted.tokens.map(\.id) == expected.tokens.map(\.id), "\(question.id)")
            adaptiveSteps += adapted.decodeSteps
            tokens += step.generatedTokens
            steps += step.decodeSteps
            plainSteps += expected.decodeSteps
        }
        print("speculative calls: \(questions.count) questions, \(tokens) tokens, \(plainSteps) → \(steps) decode steps (\(adaptiveSteps) adaptive)")
        // Keys, names and copied values are drafted and accepted: far fewer passes than tokens.
        #expect(steps * 2 < plainSteps)
        #expect(adaptiveSteps <= plainSteps)
    }
}
