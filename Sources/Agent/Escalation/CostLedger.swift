/// A price in US dollars per million tokens, input and output.
public struct Pricing: Sendable, Equatable {
    public var inputPerMillion: Double
    public var outputPerMillion: Double

    public init(inputPerMillion: Double, outputPerMillion: Double) {
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
    }

    public static let free = Pricing(inputPerMillion: 0, outputPerMillion: 0)

    public func cost(input: Int, output: Int) -> Double {
        (Double(input) * inputPerMillion + Double(output) * outputPerMillion) / 1_000_000
    }
}

/// Tokens, time and money of a run, step by step: who answered each step, what it cost, and what
/// the same run would have cost with every step sent to the remote model.
public struct CostLedger: Sendable {
    public var remotePrice: Pricing
    /// An amortised rate for the local model's tokens (0 by default: the machine is already paid for).
    public var localPrice: Pricing

    public private(set) var steps = 0
    public private(set) var remoteSteps = 0
    public private(set) var localTokensIn = 0
    public private(set) var localTokensOut = 0
    public private(set) var remoteTokensIn = 0
    public private(set) var remoteTokensOut = 0
    public private(set) var costUSD = 0.0
    public private(set) var allRemoteCostUSD = 0.0
    public private(set) var seconds = 0.0

    public init(remotePrice: Pricing = .free, localPrice: Pricing = .free) {
        self.remotePrice = remotePrice
        self.localPrice = localPrice
    }

    /// The cost of one step: the remote's tokens at the remote price (those of a remote that failed
    /// the step included), plus the local model's tokens (its try, also when the step was then sent
    /// away) at the local rate.
    public func cost(of record: StepRecord) -> Double {
        var cost = remotePrice.cost(input: record.failedRemotePromptTokens, output: record.failedRemoteCompletionTokens)
        if record.escalated {
            cost += remotePrice.cost(input: record.output.promptTokens, output: record.output.generatedTokens)
        }
        if let local = record.escalated ? record.localOutput : record.output {
            cost += localPrice.cost(input: local.promptTokens, output: local.generatedTokens)
        }
        return cost
    }

    /// What the step would have cost at the remote price had the remote taken it: its real cost when
    /// it did, else the local step's whole prompt and output counted by the local tokenizer.
    public func remoteCost(of record: StepRecord) -> Double {
        if record.escalated { return remotePrice.cost(input: record.output.promptTokens, output: record.output.generatedTokens) }
        let local = record.output
        return remotePrice.cost(input: local.contextTokens > 0 ? local.contextTokens : local.promptTokens, output: local.generatedTokens)
    }

    public mutating func add(_ record: StepRecord) {
        steps += 1
        seconds += record.seconds
        if record.escalated {
            remoteSteps += 1
            remoteTokensIn += record.output.promptTokens
            remoteTokensOut += record.output.generatedTokens
        }
        remoteTokensIn += record.failedRemotePromptTokens
        remoteTokensOut += record.failedRemoteCompletionTokens
        if let local = record.escalated ? record.localOutput : record.output {
            localTokensIn += local.promptTokens
            localTokensOut += local.generatedTokens
        }
        costUSD += cost(of: record)
        allRemoteCostUSD += remoteCost(of: record)
    }

    /// The share of steps the local model answered (1 for an empty ledger).
    public var localShare: Double { steps == 0 ? 1 : Double(steps - remoteSteps) / Double(steps) }
}
