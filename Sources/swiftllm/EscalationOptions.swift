import Agent
import ArgumentParser
import Foundation
import Runtime

/// The flags `agent` and `eval bfcl` share for remote escalation: the remote model, the policy
/// that decides which steps go to it, prices and the trace file.
struct EscalationOptions: ParsableArguments {
    enum Policy: String, ExpressibleByArgument, CaseIterable {
        case confidence, errors, tool, always, never, random
    }

    /// The confidence threshold that escalates 20 % of BFCL simple_python + multiple (600
    /// questions, pooled) with SmolLM2-135M-Instruct and `--copy-strings`, measured 2026-12-04
    /// after `ArgumentEvidence` (README, "Remote escalation", has the command that reproduces it).
    static let calibratedThreshold: Float = -1.05

    @Option(help: "A remote OpenAI-compatible API's base URL, e.g. https://api.openai.com/v1 (default: $OPENAI_BASE_URL).")
    var remote: String?

    @Option(name: .customLong("remote-model"), help: "The remote model's name.")
    var remoteModel: String?

    @Option(name: .customLong("remote-key-env"), help: "The environment variable that holds the remote's API key.")
    var remoteKeyEnv = "OPENAI_API_KEY"

    @Option(name: .customLong("remote-timeout"), help: "Seconds a remote call may take, retries included.")
    var remoteTimeout: Double = 120

    @Option(name: .customLong("remote-max-tokens"), help: "Most tokens one remote answer may have (sent as max_tokens; default: the remote's own limit).")
    var remoteMaxTokens: Int?

    @Option(name: .customLong("remote-temperature"), help: "The remote's sampling temperature (default: the remote's own).")
    var remoteTemperature: Double?

    @Option(help: "Which steps go to the remote: confidence, errors, tool, always, never, random (default: confidence with a remote, never without).")
    var policy: Policy?

    @Option(help: "confidence: escalate steps whose confidence (a log-probability, ≤ 0) is below this; write --threshold=-1.5.")
    var threshold: Float = EscalationOptions.calibratedThreshold

    @Option(help: "random: the share of steps to escalate, 0...1.")
    var rate: Double = 0.2

    @Option(help: "random: the seed of the draws.")
    var seed: UInt64 = 1

    @Option(name: .customLong("max-failures"), help: "errors: escalate after this many failed tool calls.")
    var maxFailures = 2

    @Option(help: "step: the remote takes the escalated step only; handoff: it finishes the task.")
    var mode: String = EscalationMode.perStep.rawValue

    @Option(name: .customLong("price-in"), help: "Remote price, US dollars per million input tokens.")
    var priceIn: Double = 0

    @Option(name: .customLong("price-out"), help: "Remote price, US dollars per million output tokens.")
    var priceOut: Double = 0

    @Option(name: .customLong("local-price-in"), help: "An amortised local price per million input tokens.")
    var localPriceIn: Double = 0

    @Option(name: .customLong("local-price-out"), help: "An amortised local price per million output tokens.")
    var localPriceOut: Double = 0

    @Option(help: "Write one JSON line per step (messages, who answered and why, tokens, cost, latency) to this file.")
    var trace: String?

    func validate() throws {
        if EscalationMode(rawValue: mode) == nil { throw ValidationError("--mode must be step or handoff") }
        if !(0...1).contains(rate) { throw ValidationError("--rate must be between 0 and 1") }
        if maxFailures < 1 { throw ValidationError("--max-failures must be at least 1") }
        if remoteTimeout <= 0 { throw ValidationError("--remote-timeout must be positive") }
        if let remoteMaxTokens, remoteMaxTokens < 1 { throw ValidationError("--remote-max-tokens must be at least 1") }
        if let remoteTemperature, !(0...2).contains(remoteTemperature) { throw ValidationError("--remote-temperature must be between 0 and 2") }
        if [priceIn, priceOut, localPriceIn, localPriceOut].contains(where: { $0 < 0 || !$0.isFinite }) {
            throw ValidationError("prices must be 0 or more")
        }
        if let policy, policy != .never, baseURL == nil {
            throw ValidationError("--policy \(policy.rawValue) needs a remote: --remote URL or OPENAI_BASE_URL")
        }
        if baseURL != nil && remoteModel == nil && (ProcessInfo.processInfo.environment["OPENAI_MODEL"] ?? "").isEmpty {
            throw ValidationError("--remote needs --remote-model (or OPENAI_MODEL)")
        }
    }

    /// The remote base URL from the flag or the environment.
    var baseURL: String? { remote ?? ProcessInfo.processInfo.environment["OPENAI_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } }

    var rule: EscalationRule {
        switch policy ?? (baseURL == nil ? .never : .confidence) {
        case .confidence: .confidence(threshold: threshold)
        case .errors: .errors(failures: maxFailures)
        case .tool: .tool
        case .always: .always
        case .never: .never
        case .random: .random(rate: rate, seed: seed)
        }
    }

    var ledger: CostLedger {
        CostLedger(remotePrice: Pricing(inputPerMillion: priceIn, outputPerMillion: priceOut),
                   localPrice: Pricing(inputPerMillion: localPriceIn, outputPerMillion: localPriceOut))
    }

    /// The policy, or nil when no remote is configured.
    func makePolicy() throws -> EscalationPolicy? {
        guard let remote = try makeRemote() else { return nil }
        return EscalationPolicy(rule: rule, remote: remote, mode: EscalationMode(rawValue: mode) ?? .perStep)
    }

    /// The remote model as a step taker, or nil when no remote is configured.
    func makeRemote() throws -> RemoteModel? {
        guard baseURL != nil else { return nil }
        do {
            var configuration = try RemoteConfiguration.fromEnvironment(baseURL: baseURL, model: remoteModel, keyVariable: remoteKeyEnv)
            configuration.deadline = .milliseconds(Int(remoteTimeout * 1000))
            configuration.requestTimeout = min(configuration.requestTimeout, configuration.deadline)
            configuration.maxTokens = remoteMaxTokens
            configuration.temperature = remoteTemperature
            return RemoteModel(client: try RemoteClient(configuration))
        } catch {
            throw CLIError("remote: \(error)")
        }
    }

    func makeTrace() throws -> StepTrace? {
        guard let trace else { return nil }
        do {
            return try StepTrace(path: trace)
        } catch {
            throw CLIError("--trace \(trace): cannot write the file")
        }
    }
}
