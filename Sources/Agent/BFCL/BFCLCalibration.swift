import Foundation
import Runtime

/// One question seen both ways: the local step (its confidence and whether it passed) and the
/// remote's answer to the same question, so that any escalation rate can be scored after the fact.
public struct BFCLEscalationSample: Sendable, Equatable {
    public var id: String
    public var localPassed: Bool
    public var remotePassed: Bool
    /// `StepConfidence.score` of the local step (−∞ for a truncated one).
    public var score: Float
    /// The random rule's draw for this question (`EscalationPolicy.uniform`).
    public var draw: Double
    public var remoteTokensIn: Int
    public var remoteTokensOut: Int
    /// The local step's whole prompt and output, counted by the local tokenizer.
    public var localContextTokens: Int
    public var localTokensOut: Int

    public init(id: String, localPassed: Bool, remotePassed: Bool, score: Float, draw: Double, remoteTokensIn: Int,
                remoteTokensOut: Int, localContextTokens: Int, localTokensOut: Int) {
        self.id = id
        self.localPassed = localPassed
        self.remotePassed = remotePassed
        self.score = score
        self.draw = draw
        self.remoteTokensIn = remoteTokensIn
        self.remoteTokensOut = remoteTokensOut
        self.localContextTokens = localContextTokens
        self.localTokensOut = localTokensOut
    }
}

/// The escalation curve: at each rate, which questions a rule sends away, how many local errors it
/// catches, the accuracy and the cost that follow.
public enum BFCLCalibration {
    public struct Point: Sendable, Equatable {
        public var rule: String
        /// The rate asked for; `escalated` is what the rule did.
        public var rate: Double
        /// For the confidence rule: the threshold that escalates this share (scores below it go).
        public var threshold: Float?
        public var escalated: Int
        /// Escalated questions the local model had wrong.
        public var errorsCaught: Int
        public var accuracy: Double
        public var costUSD: Double
    }

    /// The confidence rule at `rate`: the `rate × n` lowest-scoring questions (rounded), and the
    /// threshold between the last one sent and the first one kept.
    public static func confidence(_ samples: [BFCLEscalationSample], rate: Double, price: Pricing) -> Point {
        let order = samples.indices.sorted { (samples[$0].score, $0) < (samples[$1].score, $1) }
        let count = min(samples.count, Int((rate * Double(samples.count)).rounded()))
        let sent = Set(order.prefix(count))
        var threshold: Float?
        if count == 0 {
            threshold = order.first.map { samples[$0].score }
        } else if count < order.count {
            let below = samples[order[count - 1]].score, above = samples[order[count]].score
            threshold = below.isFinite ? (below + above) / 2 : above
        } else {
            threshold = .infinity
        }
        return point("confidence", rate: rate, threshold: threshold, samples, sent: sent, price: price)
    }

    /// The random rule at `rate`: the questions whose draw is below it.
    public static func random(_ samples: [BFCLEscalationSample], rate: Double, price: Pricing) -> Point {
        let sent = Set(samples.indices.filter { samples[$0].draw < rate })
        return point("random", rate: rate, threshold: nil, samples, sent: sent, price: price)
    }

    /// What a run with every question sent to the remote would cost.
    public static func allRemoteCost(_ samples: [BFCLEscalationSample], price: Pricing) -> Double {
        samples.reduce(0) { $0 + price.cost(input: $1.remoteTokensIn, output: $1.remoteTokensOut) }
    }

    static func point(_ rule: String, rate: Double, threshold: Float?, _ samples: [BFCLEscalationSample], sent: Set<Int>,
                      price: Pricing) -> Point {
        var correct = 0, caught = 0, cost = 0.0
        for (i, sample) in samples.enumerated() {
            if sent.contains(i) {
                if sample.remotePassed { correct += 1 }
                if !sample.localPassed { caught += 1 }
                cost += price.cost(input: sample.remoteTokensIn, output: sample.remoteTokensOut)
            } else if sample.localPassed {
                correct += 1
            }
        }
        return Point(rule: rule, rate: rate, threshold: threshold, escalated: sent.count, errorsCaught: caught,
                     accuracy: samples.isEmpty ? 0 : Double(correct) / Double(samples.count), costUSD: cost)
    }
}
