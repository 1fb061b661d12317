import Foundation
@testable import Runtime
import Testing

/// Each sampler on hand-made logits with hand-computed expectations.
@Suite struct SamplerTests {
    @Test func logitBiasBansAndBoosts() {
        var c = Candidates(logits: [1, 2, 3])
        Samplers.logitBias(&c, [2: -.infinity, 0: 5])
        #expect(c.logits == [6, 2, -.infinity])
    }

    @Test func penalties() {
        var c = Candidates(logits: [2, -2, 1, 4])
        // token 0 seen twice, token 1 once; 2 and 3 unseen.
        Samplers.penalties(&c, recent: [0, 1, 0], repeat: 2, frequency: 0.5, presence: 0.25)
        // 2/2 - 2*0.5 - 0.25 = -0.25;  -2*2 - 0.5 - 0.25 = -4.75
        #expect(c.logits == [-0.25, -4.75, 1, 4])
    }

    @Test func topKKeepsBestSorted() {
        var c = Candidates(logits: [0.1, 5, 3, 4, -1])
        Samplers.topK(&c, 3)
        #expect(c.ids == [1, 3, 2])
        #expect(c.logits == [5, 4, 3])
        var all = Candidates(logits: [1, 2])
        Samplers.topK(&all, 0)
        #expect(all.ids == [0, 1])
    }

    @Test func topKOnLargeVocabularyUsesSelection() {
        var logits = [Float](repeating: 0, count: 100_000)
        logits[77_777] = 9
        logits[5] = 8
        logits[99_999] = 7
        var c = Candidates(logits: logits)
        Samplers.topK(&c, 3)
        #expect(c.ids == [77_777, 5, 99_999])
    }

    @Test func topP() {
        // probabilities 0.5, 0.25, 0.125, 0.125 (logits are log-probabilities)
        let logits: [Float] = [log(0.125), log(0.5), log(0.125), log(0.25)]
        var c = Candidates(logits: logits)
        Samplers.topP(&c, 0.7)
        #expect(c.ids == [1, 3])
        var exact = Candidates(logits: logits)
        Samplers.topP(&exact, 0.75)
        #expect(exact.ids == [1, 3])
        var one = Candidates(logits: logits)
        Samplers.topP(&one, 0.1)
        #expect(one.ids == [1])
    }

    @Test func minP() {
        let logits: [Float] = [log(0.125), log(0.5), log(0.125), log(0.25)]
        var c = Candidates(logits: logits)
        Samplers.minP(&c, 0.3)  // threshold 0.15: keeps 0.5 and 0.25
        #expect(c.ids == [1, 3])
        var loose = Candidates(logits: logits)
        Samplers.minP(&loose, 0.2)  // threshold 0.1: keeps all
        #expect(loose.count == 4)
    }

    @Test func typical() {
        // p = [0.7, 0.2, 0.1]; entropy H = 0.8018; |-ln p - H| = [0.445, 0.808, 1.501]
        var c = Candidates(logits: [log(0.7), log(0.2), log(0.1)])
        Samplers.typical(&c, 0.8)
        #expect(c.ids == [0, 1])
        var low = Candidates(logits: [log(0.7), log(0.2), log(0.1)])
        Samplers.typical(&low, 0.5)
        #expect(low.ids == [0])
    }

    @Test func temperatureScales() {
        var c = Candidates(logits: [1, -2])
        Samplers.temperature(&c, 0.5)
        #expect(c.logits == [2, -4])
    }

    @Test func greedyIsArgmaxWhatever() {
        var config = SamplerConfig.greedy
        config.topK = 1
        var sampler = Sampler(config: config)
        #expect(sampler.sample(logits: [0, 3, 3, -1]) == 1)
        #expect(sampler.history == [1])
    }

    @Test func drawFollowsTheDistribution() {
        var config = SamplerConfig()
        config.topK = 0
        config.topP = 1
        config.minP = 0
        config.temperature = 1
        config.seed = 42
        var sampler = Sampler(config: config)
        var counts = [0, 0, 0]
        let logits: [Float] = [log(0.6), log(0.3), log(0.1)]
        for _ in 0..<20_000 { counts[Int(sampler.sample(logits: logits))] += 1 }
        #expect(abs(Double(counts[0]) / 20_000 - 0.6) < 0.02)
        #expect(abs(Double(counts[1]) / 20_000 - 0.3) < 0.02)
        #expect(abs(Double(counts[2]) / 20_000 - 0.1) < 0.02)
    }

    @Test func sameSeedSameTokens() {
        var config = SamplerConfig()
        config.seed = 7
        let logits: [Float] = (0..<50).map { Float($0 % 7) * 0.3 }
        var a = Sampler(config: config)
        var b = Sampler(config: config)
        let first = (0..<30).map { _ in a.sample(logits: logits) }
        let second = (0..<30).map { _ in b.sample(logits: logits) }
        #expect(first == second)
        #expect(Set(first).count > 1)
    }

    @Test func chainOrderTopKBeforeTemperature() {
        // With top-k 1 the chain is deterministic whatever the temperature.
        var config = SamplerConfig()
        config.topK = 1
        config.temperature = 100
        config.seed = 1
        var sampler = Sampler(config: config)
        for _ in 0..<20 { #expect(sampler.sample(logits: [0.5, 0.4, 2.0, 1.9]) == 2) }
    }

    @Test func penaltyWindow() {
        var config = SamplerConfig.greedy
        config.repeatPenalty = 10
        config.penaltyLastN = 2
        var sampler = Sampler(config: config)
        sampler.accept([0, 5, 5])  // 0 falls out of the 2-token window
        #expect(sampler.sample(logits: [1.0, 0.9, 0, 0, 0, 0]) == 0)
        var whole = SamplerConfig.greedy
        whole.repeatPenalty = 10
        whole.penaltyLastN = -1
        var all = Sampler(config: whole)
        all.accept([0] + [Int32](repeating: 5, count: 500))
        #expect(all.sample(logits: [1.0, 0.9, 0, 0, 0, 0]) == 1)
    }
}
