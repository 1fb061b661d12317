import Agent
import ArgumentParser
import Foundation
import Runtime

struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate the agent on benchmark data.",
        subcommands: [EvalBFCL.self])
}

struct EvalBFCL: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bfcl",
        abstract: "Score one agent decision per Berkeley Function Calling Leaderboard question (AST rules).",
        discussion: """
            Each question is one local step: tool_choice required (auto for the irrelevance category, \
            which passes when no call is made), one call, under the grammar of the offered functions. \
            Prints a line per question and a summary; with --json, one object per question and a last \
            line {"questions", "valid_calls", "ast_correct", "no_call", "accuracy", "mean_latency_ms", \
            "tokens_in", "tokens_out"}.
            """)

    @Option(help: "A BFCL question file (JSON Lines).")
    var questions: String

    @Option(help: "Its possible_answer file (not needed for irrelevance).")
    var answers: String?

    @OptionGroup var local: LocalModelOptions

    @Option(help: "Only the first N questions.")
    var limit: Int?

    @Option(help: "Blanks the grammar allows at each place JSON allows them (0: compact JSON).")
    var whitespace = 1

    @Flag(name: .customLong("required-only"), help: "Let the model write only the required arguments.")
    var requiredOnly = false

    @Flag(name: .customLong("copy-numbers"), help: "Number arguments may only be numbers written in the question.")
    var copyNumbers = false

    @Flag(name: .customLong("pick-by-likelihood"), help: "Choose the function by the likelihood of its whole name.")
    var pickByLikelihood = false

    @Flag(help: "One JSON object per question, and the summary object last.")
    var json = false

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if whitespace < 0 { throw ValidationError("--whitespace must be 0 or more") }
    }

    func run() async throws {
        let data: BFCLDataset
        do {
            data = try BFCLDataset.load(questions: URL(fileURLWithPath: questions), answers: answers.map(URL.init(fileURLWithPath:)))
        } catch {
            throw CLIError("\(error)")
        }
        var configuration = LocalModel.Configuration()
        configuration.maxTokensPerStep = 256
        configuration.whitespace = whitespace > 0 ? .flexible(maxRun: whitespace) : .compact
        configuration.requiredArgumentsOnly = requiredOnly
        configuration.numbersFromMessages = copyNumbers
        configuration.chooseToolByLikelihood = pickByLikelihood
        let localModel = try local.load(configuration)
        var summary = BFCLSummary()
        for question in data.questions.prefix(limit ?? .max) {
            let request = StepRequest(
                step: 1, messages: question.messages.map { ["role": .string($0.role), "content": .string($0.content)] },
                tools: question.tools, toolChoice: question.category == .irrelevance ? .auto : .required,
                parallelToolCalls: false, attempt: 0)
            let started = ContinuousClock.now
            let step: ProposedStep
            do {
                step = try await localModel.takeStep(request)
            } catch {
                throw CLIError("\(question.id): \(error)")
            }
            let elapsed = ContinuousClock.now - started
            var result = BFCLScorer.score(question, calls: step.calls)
            result.latencyMs = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) * 1e-15
            result.tokensIn = step.promptTokens
            result.tokensOut = step.generatedTokens
            summary.add(result)
            if json {
                var object = result.jsonObject.objectValue ?? JSONObject()
                object["tool_calls"] = .array(step.calls.map { ["name": .string($0.name), "arguments": $0.arguments] })
                AgentEventPrinter.out(JSONValue.object(object).compactText)
            } else {
                let calls = step.calls.map { "\($0.name)\($0.arguments.compactText)" }.joined(separator: " ")
                AgentEventPrinter.out("\(question.id)  \(result.passed ? "PASS" : "FAIL")  \(calls.isEmpty ? "(no call)" : calls)\(result.reason.map { "  — \($0)" } ?? "")")
            }
        }
        if json {
            print(summary.jsonObject.compactText)
        } else {
            print(String(format: "%d questions: %d valid calls, %d AST-correct (%.1f%%), %d without a call; mean latency %.0f ms, %d tokens in, %d out",
                         summary.questions, summary.validCalls, summary.astCorrect, summary.accuracy * 100, summary.noCall,
                         summary.meanLatencyMs, summary.tokensIn, summary.tokensOut))
        }
    }
}
