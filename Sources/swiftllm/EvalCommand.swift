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
            "tokens_in", "tokens_out", "decode_steps", "decode_tokens_per_second"}. With a remote (--remote, --remote-model), the escalation policy \
            decides per question whether the remote answers instead; the summary adds "escalated", \
            "ast_correct_kept", "ast_correct_escalated", "remote_tokens", "cost_usd", "all_remote_cost_usd". \
            --calibrate asks the remote every question and prints the curve of the confidence and random \
            rules at 0, 10, 20, 30, 50 and 100 % (with --json: {"calibration": …} lines before the summary).
            """)

    @Option(help: "A BFCL question file (JSON Lines).")
    var questions: String

    @Option(help: "Its possible_answer file (not needed for irrelevance).")
    var answers: String?

    @OptionGroup var local: LocalModelOptions

    @Option(help: "Only the first N questions.")
    var limit: Int?

    @Option(help: "Blanks the grammar allows at each place JSON allows them (0: compact JSON).")
    var whitespace = 2

    @Flag(name: .customLong("required-only"), help: "Let the model write only the required arguments.")
    var requiredOnly = false

    @Flag(name: .customLong("copy-numbers"), help: "Number arguments may only be numbers written in the question.")
    var copyNumbers = false

    @Flag(name: .customLong("pick-by-likelihood"), help: "Choose the function by the likelihood of its whole name.")
    var pickByLikelihood = false

    @Flag(help: "One JSON object per question, and the summary object last.")
    var json = false

    @OptionGroup(title: "Remote escalation") var escalation: EscalationOptions

    @Flag(help: "Ask the remote every question too, and print the escalation curve (rate → accuracy → cost) of the confidence and random rules.")
    var calibrate = false

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if whitespace < 0 { throw ValidationError("--whitespace must be 0 or more") }
        if calibrate && escalation.baseURL == nil { throw ValidationError("--calibrate needs a remote (--remote)") }
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
        let policy = try escalation.makePolicy()
        let trace = try escalation.makeTrace()
        var summary = BFCLSummary()
        var totals = BFCLEscalationTotals()
        var ledger = escalation.ledger
        var samples: [BFCLEscalationSample] = []
        for question in data.questions.prefix(limit ?? .max) {
            let request = StepRequest(
                step: 1, messages: question.messages.map { ["role": .string($0.role), "content": .string($0.content)] },
                tools: question.tools, toolChoice: question.category == .irrelevance ? .auto : .required,
                parallelToolCalls: false, attempt: 0)
            let started = ContinuousClock.now
            let localStep: ProposedStep
            do {
                localStep = try await localModel.takeStep(request)
            } catch {
                throw CLIError("\(question.id): \(error)")
            }
            let score = StepConfidence.score(localStep, request: request)
            let localResult = BFCLScorer.score(question, calls: localStep.calls)
            var step = localStep
            var decision = StepDecisionRecord(action: "keep", taker: localModel.name, reason: "no remote")
            if let policy {
                let reason = policy.escalationReason(request, local: localStep)
                var remoteStep: ProposedStep?
                var failure: String?
                if reason != nil || calibrate {
                    do { remoteStep = try await policy.remote.takeStep(request) } catch { failure = "\(error)" }
                }
                if let reason, let remoteStep {
                    step = remoteStep
                    decision = StepDecisionRecord(action: "delegate", taker: policy.remote.name, reason: reason)
                } else if let reason {
                    decision = StepDecisionRecord(action: "fallback", taker: localModel.name,
                                                  reason: reason + "; \(policy.remote.name) failed: \(failure ?? "")")
                } else {
                    decision = StepDecisionRecord(action: "keep", taker: localModel.name, reason: "policy \(policy.rule) keeps it")
                }
                if calibrate {
                    samples.append(BFCLEscalationSample(
                        id: question.id, localPassed: localResult.passed,
                        remotePassed: remoteStep.map { BFCLScorer.score(question, calls: $0.calls).passed } ?? false,
                        score: score, draw: EscalationPolicy.uniform(request, seed: escalation.seed),
                        remoteTokensIn: remoteStep?.promptTokens ?? 0, remoteTokensOut: remoteStep?.generatedTokens ?? 0,
                        localContextTokens: localStep.contextTokens, localTokensOut: localStep.generatedTokens))
                }
            }
            let elapsed = ContinuousClock.now - started
            let escalated = decision.action == "delegate"
            let record = StepRecord(step: 1, messages: request.messages, toolNames: request.tools.map(\.name),
                                    decision: decision, output: step, localOutput: escalated ? localStep : nil,
                                    seconds: elapsed.seconds)
            ledger.add(record)
            trace?.write(record, ledger: ledger)
            var result = escalated ? BFCLScorer.score(question, calls: step.calls) : localResult
            result.latencyMs = elapsed.seconds * 1000
            result.tokensIn = step.promptTokens
            result.tokensOut = step.generatedTokens
            result.decodeSteps = step.decodeSteps
            result.decodeSeconds = step.decodeSeconds
            summary.add(result)
            totals.add(passed: result.passed, escalated: record.escalated)
            if json {
                var object = result.jsonObject.objectValue ?? JSONObject()
                object["tool_calls"] = .array(step.calls.map { ["name": .string($0.name), "arguments": $0.arguments] })
                object["confidence"] = score.isFinite ? .double(Double(score)) : .null
                if let c = localStep.confidence.first {
                    object["local_confidence"] = [
                        "name_logprob": .double(Double(c.nameLogprob)), "min_argument_logprob": .double(Double(c.minArgumentLogprob)),
                        "mean_argument_logprob": .double(Double(c.meanArgumentLogprob)), "argument_choices": .int(c.argumentChoices),
                    ]
                }
                if policy != nil {
                    object["local_passed"] = .bool(localResult.passed)
                    object["taker"] = .string(record.taker)
                    object["reason"] = .string(decision.reason)
                }
                AgentEventPrinter.out(JSONValue.object(object).compactText)
            } else {
                let calls = step.calls.map { "\($0.name)\($0.arguments.compactText)" }.joined(separator: " ")
                let who = record.escalated ? "  [\(record.taker)]" : ""
                AgentEventPrinter.out("\(question.id)  \(result.passed ? "PASS" : "FAIL")\(who)  \(calls.isEmpty ? "(no call)" : calls)\(result.reason.map { "  — \($0)" } ?? "")")
            }
        }
        if calibrate { printCalibration(samples, price: ledger.remotePrice) }
        var object = summary.jsonObject.objectValue ?? JSONObject()
        if policy != nil {
            object["escalated"] = .int(ledger.remoteSteps)
            object["ast_correct_kept"] = .int(totals.correctKept)
            object["ast_correct_escalated"] = .int(totals.correctEscalated)
            object["remote_tokens"] = .int(ledger.remoteTokensIn + ledger.remoteTokensOut)
            object["remote_tokens_in"] = .int(ledger.remoteTokensIn)
            object["remote_tokens_out"] = .int(ledger.remoteTokensOut)
            object["cost_usd"] = .double(ledger.costUSD)
            object["all_remote_cost_usd"] = .double(ledger.allRemoteCostUSD)
        }
        if json {
            print(JSONValue.object(object).compactText)
        } else {
            print(String(format: "%d questions: %d valid calls, %d AST-correct (%.1f%%), %d without a call; mean latency %.0f ms, %d tokens in, %d out",
                         summary.questions, summary.validCalls, summary.astCorrect, summary.accuracy * 100, summary.noCall,
                         summary.meanLatencyMs, summary.tokensIn, summary.tokensOut))
            if policy != nil {
                print(String(format: "escalated %d (%.1f%%): %d correct of those, %d correct kept local; remote tokens %d in, %d out; cost $%.6f (all remote: $%.6f)",
                             ledger.remoteSteps, 100 * (1 - ledger.localShare), totals.correctEscalated, totals.correctKept,
                             ledger.remoteTokensIn, ledger.remoteTokensOut, ledger.costUSD, ledger.allRemoteCostUSD))
            }
        }
    }

    /// The escalation curve at 0, 10, 20, 30, 50 and 100 %: the confidence rule beside the random one.
    private func printCalibration(_ samples: [BFCLEscalationSample], price: Pricing) {
        let errors = samples.filter { !$0.localPassed }.count
        let allRemote = BFCLCalibration.allRemoteCost(samples, price: price)
        if !json {
            print("rate  rule        threshold  escalated  errors caught (of \(errors))  accuracy  cost USD   vs all-remote")
        }
        for rate in [0, 0.1, 0.2, 0.3, 0.5, 1] {
            for point in [BFCLCalibration.confidence(samples, rate: rate, price: price), BFCLCalibration.random(samples, rate: rate, price: price)] {
                if json {
                    AgentEventPrinter.out(JSONValue.object(JSONObject([("calibration", .object(JSONObject([
                        ("rule", .string(point.rule)), ("rate", .double(rate)),
                        ("threshold", point.threshold.flatMap { $0.isFinite ? .double(Double($0)) : nil } ?? .null),
                        ("escalated", .int(point.escalated)), ("errors_caught", .int(point.errorsCaught)), ("local_errors", .int(errors)),
                        ("accuracy", .double(point.accuracy)), ("cost_usd", .double(point.costUSD)), ("all_remote_cost_usd", .double(allRemote)),
                    ])))])).compactText)
                } else {
                    let threshold = point.threshold.map { $0.isFinite ? String(format: "%9.3f", $0) : "\($0)" } ?? "-"
                    let rule = point.rule.padding(toLength: 10, withPad: " ", startingAt: 0)
                    print(String(format: "%3.0f%%  ", rate * 100) + rule + "  " + String(repeating: " ", count: max(0, 9 - threshold.count)) + threshold
                          + String(format: "  %9d  %27d  %7.1f%%  %9.6f  %11.1f%%", point.escalated, point.errorsCaught, point.accuracy * 100,
                                   point.costUSD, allRemote > 0 ? 100 * point.costUSD / allRemote : 0))
                }
            }
        }
    }
}

/// Correct answers split by who gave them.
struct BFCLEscalationTotals {
    var correctKept = 0
    var correctEscalated = 0

    mutating func add(passed: Bool, escalated: Bool) {
        guard passed else { return }
        if escalated { correctEscalated += 1 } else { correctKept += 1 }
    }
}
