import Foundation
import Runtime

/// A run's steps as JSON Lines, one object per step: the messages the step saw, who answered and
/// why, what it wrote, tokens, cost and latency. Where the remote took a step, the local model's
/// own try is there too (`local_output`): the escalated steps with the remote's answers are the
/// examples a fine-tuning run for the local model needs.
public final class StepTrace: @unchecked Sendable {
    // `handle` is only written under `lock`.
    private let lock = NSLock()
    private let handle: FileHandle

    /// Creates (or empties) the file at `path`.
    public init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    deinit { try? handle.close() }

    public func write(_ record: StepRecord, ledger: CostLedger) {
        let line = Self.object(record, ledger: ledger).compactText + "\n"
        lock.withLock { handle.write(Data(line.utf8)) }
    }

    /// The trace object of one step.
    public static func object(_ record: StepRecord, ledger: CostLedger) -> JSONValue {
        var object = JSONObject([
            ("step", .int(record.step)), ("taker", .string(record.taker)), ("escalated", .bool(record.escalated)),
            ("action", .string(record.decision.action)), ("reason", .string(record.decision.reason)),
            ("messages", .array(record.messages)), ("tools", .array(record.toolNames.map { .string($0) })),
            ("output", output(record.output)),
        ])
        if let local = record.localOutput { object["local_output"] = output(local) }
        object["tokens_in"] = .int(record.output.promptTokens)
        object["tokens_out"] = .int(record.output.generatedTokens)
        object["cost_usd"] = .double(ledger.cost(of: record))
        object["latency_ms"] = .double((record.seconds * 1000).rounded())
        return .object(object)
    }

    static func output(_ step: ProposedStep) -> JSONValue {
        var object = JSONObject([
            ("text", .string(step.text)),
            ("tool_calls", .array(step.calls.map { ["name": .string($0.name), "arguments": $0.arguments] })),
        ])
        if step.truncated { object["truncated"] = true }
        if !step.confidence.isEmpty {
            object["confidence"] = .array(step.confidence.map {
                ["name_logprob": .double(Double($0.nameLogprob)), "min_argument_logprob": .double(Double($0.minArgumentLogprob))]
            })
        }
        return .object(object)
    }
}
