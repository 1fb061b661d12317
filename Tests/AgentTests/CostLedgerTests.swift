import Agent
import Foundation
import Runtime
import Testing

/// Accounting and the escalation curve, checked against figures worked out by hand.
@Suite struct CostLedgerTests {
    static func record(_ step: Int, taker: String, output: ProposedStep, local: ProposedStep? = nil, seconds: Double = 1) -> StepRecord {
        StepRecord(step: step, messages: [], toolNames: [],
                   decision: StepDecisionRecord(action: taker == "local" ? "keep" : "delegate", taker: taker, reason: ""),
                   output: output, localOutput: local, seconds: seconds)
    }

    @Test func aHandComputedRunMatchesTheLedger() {
        // $2.50 / $10 per million tokens in / out; the local model is free.
        var ledger = CostLedger(remotePrice: Pricing(inputPerMillion: 2.5, outputPerMillion: 10))
        // Step 1, local: 100 prompt tokens (the whole prompt), 20 out.
        ledger.add(Self.record(1, taker: "local", output: ProposedStep(text: "", calls: [], promptTokens: 100, generatedTokens: 20,
                                                                       contextTokens: 100)))
        // Step 2, escalated: the remote read 300 and wrote 50; the local try read 30 new tokens of a 130-token prompt and wrote 10.
        ledger.add(Self.record(2, taker: "remote:x", output: ProposedStep(text: "", calls: [], promptTokens: 300, generatedTokens: 50),
                               local: ProposedStep(text: "", calls: [], promptTokens: 30, generatedTokens: 10, contextTokens: 130)))
        // Cost: 300 × 2.5 + 50 × 10 = 1250 micro-dollars. All remote: step 1 at 100 × 2.5 + 20 × 10 = 450 more.
        #expect(abs(ledger.costUSD - 0.001_25) < 1e-12)
        #expect(abs(ledger.allRemoteCostUSD - 0.001_70) < 1e-12)
        #expect(ledger.steps == 2 && ledger.remoteSteps == 1 && ledger.localShare == 0.5)
        #expect(ledger.localTokensIn == 130 && ledger.localTokensOut == 30)
        #expect(ledger.remoteTokensIn == 300 && ledger.remoteTokensOut == 50)
        #expect(ledger.seconds == 2)

        // An amortised local rate of $0.10 / $0.40 adds 130 × 0.1 + 30 × 0.4 = 25 micro-dollars.
        var rated = CostLedger(remotePrice: ledger.remotePrice, localPrice: Pricing(inputPerMillion: 0.1, outputPerMillion: 0.4))
        rated.add(Self.record(1, taker: "local", output: ProposedStep(text: "", calls: [], promptTokens: 100, generatedTokens: 20)))
        rated.add(Self.record(2, taker: "remote:x", output: ProposedStep(text: "", calls: [], promptTokens: 300, generatedTokens: 50),
                              local: ProposedStep(text: "", calls: [], promptTokens: 30, generatedTokens: 10)))
        #expect(abs(rated.costUSD - 0.001_275) < 1e-12)
    }

    @Test func traceLinesCarryTheStepAndItsCost() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ledger = CostLedger(remotePrice: Pricing(inputPerMillion: 2.5, outputPerMillion: 10))
        let trace = try StepTrace(path: path)
        let local = ProposedStep(text: "", calls: [ToolCall(name: "f", arguments: ["x": 1])], promptTokens: 30, generatedTokens: 10)
        trace.write(Self.record(2, taker: "remote:x", output: ProposedStep(text: "", calls: [ToolCall(name: "f", arguments: ["x": 2])],
                                                                           promptTokens: 300, generatedTokens: 50), local: local, seconds: 0.25),
                    ledger: ledger)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
        let line = try JSONValue(parsing: String(lines[0]))
        #expect(line["taker"] == "remote:x" && line["escalated"] == true && line["latency_ms"]?.doubleValue == 250)
        #expect(line["output"]?["tool_calls"]?.arrayValue?.first?["arguments"] == ["x": 2])
        #expect(line["local_output"]?["tool_calls"]?.arrayValue?.first?["arguments"] == ["x": 1])
        #expect(line["cost_usd"]?.doubleValue.map { abs($0 - 0.001_25) < 1e-12 } == true)
    }

    /// Ten questions: the local model has 4 wrong (ids 0, 1, 2, 5), the remote is always right.
    static let samples: [BFCLEscalationSample] = (0..<10).map { i in
        let scores: [Float] = [-5, -4, -0.5, -0.1, -0.2, -3, -0.05, -0.3, -0.01, -0.02]
        return BFCLEscalationSample(id: "\(i)", localPassed: ![0, 1, 2, 5].contains(i), remotePassed: true, score: scores[i],
                                    draw: Double(i) / 10, remoteTokensIn: 100, remoteTokensOut: 10, localContextTokens: 90,
                                    localTokensOut: 12)
    }

    @Test func theCurveSendsTheLeastConfidentQuestions() {
        let price = Pricing(inputPerMillion: 2.5, outputPerMillion: 10)
        // 30 %: the three lowest scores (−5, −4, −3: ids 0, 1, 5), all local errors; threshold between −3 and −0.5.
        let point = BFCLCalibration.confidence(Self.samples, rate: 0.3, price: price)
        #expect(point.escalated == 3 && point.errorsCaught == 3)
        #expect(point.threshold == -1.75)
        #expect(point.accuracy == 0.9)
        #expect(abs(point.costUSD - 3 * 0.000_35) < 1e-12)
        // Random at 30 %: draws 0.0, 0.1, 0.2 (ids 0, 1, 2), also all errors here by construction.
        let random = BFCLCalibration.random(Self.samples, rate: 0.3, price: price)
        #expect(random.escalated == 3 && random.errorsCaught == 3)
        #expect(BFCLCalibration.confidence(Self.samples, rate: 0, price: price).accuracy == 0.6)
        let all = BFCLCalibration.confidence(Self.samples, rate: 1, price: price)
        #expect(all.accuracy == 1 && all.escalated == 10 && all.threshold == .infinity)
        #expect(abs(BFCLCalibration.allRemoteCost(Self.samples, price: price) - 0.003_5) < 1e-12)
    }
}
