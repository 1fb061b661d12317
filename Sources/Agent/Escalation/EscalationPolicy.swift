import Runtime

/// When the local model's step goes to a remote model.
public enum EscalationRule: Sendable, Equatable, CustomStringConvertible {
    /// Never (every step local): the baseline of a local-only run.
    case never
    /// Every step: the baseline of a remote-only run.
    case always
    /// A share of the steps, chosen by a seeded hash of the step (reproducible): the baseline every
    /// other rule is compared with.
    case random(rate: Double, seed: UInt64)
    /// Steps whose confidence (`StepConfidence.score`) is below the threshold.
    case confidence(threshold: Float)
    /// After `failures` failed tool calls in the conversation, or when the step would repeat a call.
    case errors(failures: Int)
    /// When the local model calls the `escalate` tool (`EscalateTool`).
    case tool

    public var description: String {
        switch self {
        case .never: "never"
        case .always: "always"
        case .random(let rate, _): "random(\(rate))"
        case .confidence(let threshold): "confidence(\(threshold))"
        case .errors(let failures): "errors(\(failures))"
        case .tool: "tool"
        }
    }
}

/// Per step: the remote takes the escalated step and the local model the next one. Hand-off: the
/// remote takes the escalated step and every step after it.
public enum EscalationMode: String, Sendable, CaseIterable {
    case perStep = "step"
    case handOff = "handoff"
}

/// The escalation decision of each agent step: a rule over the local step (its confidence, the
/// conversation's failures, an `escalate` call), a remote taker and a mode. Every decision comes
/// with its reason, which the run records.
public struct EscalationPolicy: StepPolicy {
    public let rule: EscalationRule
    public let mode: EscalationMode
    public let remote: any StepTaker

    /// `remote` is sent requests without the `escalate` tool (it is the local model's way out, not
    /// the remote's).
    public init(rule: EscalationRule, remote: any StepTaker, mode: EscalationMode = .perStep) {
        self.rule = rule
        self.mode = mode
        self.remote = WithoutTools(remote, names: [EscalateTool.name])
    }

    public func decide(_ request: StepRequest, local: ProposedStep) async -> (StepDecision, reason: String) {
        guard let reason = escalationReason(request, local: local) else {
            return (.keep, keepReason(request, local: local))
        }
        return (mode == .handOff ? .handOff(remote) : .delegate(remote), reason)
    }

    /// Why the step should go to the remote, or nil to keep it.
    public func escalationReason(_ request: StepRequest, local: ProposedStep) -> String? {
        switch rule {
        case .never:
            return nil
        case .always:
            return "policy always escalates"
        case .random(let rate, let seed):
            let draw = Self.uniform(request, seed: seed)
            return draw < rate ? String(format: "random draw %.3f < rate %.3f", draw, rate) : nil
        case .confidence(let threshold):
            if local.truncated { return "the local step ran out of tokens" }
            let score = StepConfidence.score(local, request: request)
            return score < threshold ? String(format: "confidence %.3f < threshold %.3f", score, threshold) : nil
        case .errors(let limit):
            let failures = Self.failedToolCalls(in: request.messages)
            if failures >= limit { return "\(failures) failed tool call\(failures == 1 ? "" : "s") so far (limit \(limit))" }
            if let repeated = Self.repeatedCall(local, in: request.messages) {
                return "the local step repeats an earlier call to '\(repeated)'"
            }
            if local.truncated { return "the local step ran out of tokens" }
            return nil
        case .tool:
            guard let call = local.calls.first(where: { $0.name == EscalateTool.name }) else { return nil }
            let why = call.arguments["reason"]?.stringValue ?? ""
            return "the local model called escalate" + (why.isEmpty ? "" : ": \(why)")
        }
    }

    private func keepReason(_ request: StepRequest, local: ProposedStep) -> String {
        switch rule {
        case .confidence(let threshold):
            String(format: "confidence %.3f ≥ threshold %.3f", StepConfidence.score(local, request: request), threshold)
        default:
            "policy \(rule) keeps the local step"
        }
    }

    /// A uniform draw in [0, 1) from the seed, the step number and the conversation's text (FNV-1a,
    /// then a SplitMix64 finaliser): the same run draws the same numbers.
    public static func uniform(_ request: StepRequest, seed: UInt64) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        func mix(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        for byte in withUnsafeBytes(of: UInt64(request.step).littleEndian, Array.init) { mix(byte) }
        for message in request.messages { for byte in message.compactText.utf8 { mix(byte) } }
        var z = hash &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(UInt64(1) << 53)
    }

    /// Tool messages whose content is a tool error (`{"error": …}`).
    static func failedToolCalls(in messages: [JSONValue]) -> Int {
        messages.filter { message in
            guard message["role"]?.stringValue == "tool", let content = message["content"]?.stringValue,
                  let parsed = try? JSONValue(parsing: content) else { return false }
            return parsed["error"] != nil
        }.count
    }

    /// The name of a call in `local` that an earlier assistant message already made with the same arguments.
    static func repeatedCall(_ local: ProposedStep, in messages: [JSONValue]) -> String? {
        var earlier: Set<String> = []
        for message in messages where message["role"]?.stringValue == "assistant" {
            for call in message["tool_calls"]?.arrayValue ?? [] {
                guard let name = call["function"]?["name"]?.stringValue else { continue }
                let arguments = call["function"]?["arguments"]?.stringValue.flatMap { try? JSONValue(parsing: $0) }
                earlier.insert(name + "\u{0}" + (arguments?.compactText ?? ""))
            }
        }
        return local.calls.first { earlier.contains($0.name + "\u{0}" + $0.arguments.compactText) }?.name
    }
}
