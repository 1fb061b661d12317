import Agent
import Foundation
import Runtime

/// Renders agent events: readable lines (steps, calls with confidence, results, the answer on
/// stdout, the summary on stderr), or one JSON object per event.
struct AgentEventPrinter {
    let json: Bool
    /// Accounting of the run's steps (tokens, cost); updated as steps finish.
    var ledger: CostLedger?
    /// Print the ledger's summary at the end (runs with a remote).
    var showAccounting = false

    init(json: Bool) {
        self.json = json
    }

    mutating func print(_ event: AgentEvent) {
        if case .stepFinished(let record) = event { ledger?.add(record) }
        if json {
            var object = Self.object(event)
            if case .finished = event, showAccounting, let ledger, case .object(var fields) = object {
                fields["accounting"] = Self.accounting(ledger)
                object = .object(fields)
            }
            Self.out(object.compactText)
            return
        }
        switch event {
        case .stepStarted(let step, let taker):
            stderr("step \(step) (\(taker))")
        case .decision(_, let record) where record.action != "keep":
            stderr("  \(record.action) → \(record.taker): \(record.reason)")
        case .decision:
            break
        case .text(_, let text):
            Self.out(text)
        case .toolCall(_, let call):
            var line = "  → \(call.call.name) \(call.call.arguments.compactText)"
            if let c = call.confidence {
                line += String(format: "   [p(name) %.2f, min arg logprob %.2f]", exp(Double(c.nameLogprob)), c.minArgumentLogprob)
            }
            stderr(line)
        case .toolResult(_, let result):
            let output = result.output.count > 300 ? String(result.output.prefix(300)) + "…" : result.output
            stderr("  ← \(result.name) \(result.error == nil ? "" : "error ")\(output)  (\(String(format: "%.1f", result.seconds * 1000)) ms)")
        case .stepFinished(let record) where record.escalated:
            stderr("  step \(record.step) answered by \(record.taker): \(record.output.promptTokens) tokens in, "
                   + String(format: "%d out, %.0f ms", record.output.generatedTokens, record.seconds * 1000))
        case .stepFinished:
            break
        case .error(_, let message):
            stderr("  error: \(message)")
        case .finished(let result):
            for call in result.pendingCalls {
                Self.out("\(call.call.name) \(call.call.arguments.compactText)")
            }
            var summary = "finished: \(result.reason.rawValue)"
            if !result.detail.isEmpty { summary += " (\(result.detail))" }
            summary += String(format: " | %d steps, %d prompt tokens, %d generated, %.2f s",
                              result.steps, result.promptTokens, result.generatedTokens, result.seconds)
            stderr(summary)
            if showAccounting, let ledger {
                stderr(String(format: "accounting: %d of %d steps local (%.0f%%), remote tokens %d in / %d out, cost $%.6f, all-remote estimate $%.6f",
                              ledger.steps - ledger.remoteSteps, ledger.steps, ledger.localShare * 100, ledger.remoteTokensIn,
                              ledger.remoteTokensOut, ledger.costUSD, ledger.allRemoteCostUSD))
            }
        }
    }

    static func accounting(_ ledger: CostLedger) -> JSONValue {
        .object(JSONObject([
            ("steps", .int(ledger.steps)), ("remote_steps", .int(ledger.remoteSteps)), ("local_share", .double(ledger.localShare)),
            ("local_tokens_in", .int(ledger.localTokensIn)), ("local_tokens_out", .int(ledger.localTokensOut)),
            ("remote_tokens_in", .int(ledger.remoteTokensIn)), ("remote_tokens_out", .int(ledger.remoteTokensOut)),
            ("cost_usd", .double(ledger.costUSD)), ("all_remote_cost_usd", .double(ledger.allRemoteCostUSD)),
        ]))
    }

    /// A line on stdout, written at once (not held in a buffer while the model works).
    static func out(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    private func stderr(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func object(_ event: AgentEvent) -> JSONValue {
        switch event {
        case .stepStarted(let step, let taker):
            return ["event": "step", "step": .int(step), "taker": .string(taker)]
        case .decision(let step, let r):
            return ["event": "decision", "step": .int(step), "action": .string(r.action), "taker": .string(r.taker), "reason": .string(r.reason)]
        case .text(let step, let text):
            return ["event": "text", "step": .int(step), "text": .string(text)]
        case .toolCall(let step, let call):
            var object = JSONObject([("event", "tool_call"), ("step", .int(step)), ("id", .string(call.id)),
                                     ("name", .string(call.call.name)), ("arguments", call.call.arguments)])
            if let c = call.confidence {
                object["confidence"] = [
                    "name_logprob": .double(Double(c.nameLogprob)), "min_argument_logprob": .double(Double(c.minArgumentLogprob)),
                    "mean_argument_logprob": .double(Double(c.meanArgumentLogprob)), "argument_choices": .int(c.argumentChoices),
                ]
            }
            return .object(object)
        case .toolResult(let step, let r):
            return ["event": "tool_result", "step": .int(step), "id": .string(r.callID), "name": .string(r.name),
                    "output": .string(r.output), "error": r.error.map { .string($0.kind.rawValue) } ?? .null,
                    "ms": .double((r.seconds * 1000).rounded() )]
        case .stepFinished(let record):
            return ["event": "step_finished", "step": .int(record.step), "taker": .string(record.taker),
                    "escalated": .bool(record.escalated), "tokens_in": .int(record.output.promptTokens),
                    "tokens_out": .int(record.output.generatedTokens), "ms": .double((record.seconds * 1000).rounded())]
        case .error(let step, let message):
            return ["event": "error", "step": .int(step), "message": .string(message)]
        case .finished(let r):
            return ["event": "finished", "reason": .string(r.reason.rawValue), "answer": .string(r.answer),
                    "detail": .string(r.detail), "steps": .int(r.steps),
                    "pending_calls": .array(r.pendingCalls.map { $0.call.openAIObject(defaultID: $0.id) }),
                    "prompt_tokens": .int(r.promptTokens), "generated_tokens": .int(r.generatedTokens),
                    "seconds": .double((r.seconds * 1000).rounded() / 1000)]
        }
    }
}
