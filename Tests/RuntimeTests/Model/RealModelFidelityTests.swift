import Foundation
import GGUF
@testable import Runtime
import TestSupport
import Testing

/// The two real models against llama.cpp's reference outputs (`../shared/reference/*.jsonl`), on
/// llama.cpp's own prompt tokens: the argmax at each prompt position equals llama.cpp's top-1 at
/// ≥ 99% of positions and wherever its top-1 leads by more than `clearMargin`, and our
/// log-probability of its top-1 is within 0.1 on average. Its greedy
/// continuation is fed one decode step at a time, as llama.cpp made it, and compared with
/// llama.cpp's top-10 logits at every step (`Tests/Reference/*-greedy-topk.jsonl`): wherever its
/// top-1 leads by more than `clearMargin` our argmax must be its token, so free-running greedy
/// can leave its path only at a near-tie; the mean difference of the top-10 logits relative to
/// the top-1 must stay within what llama.cpp's own two attention paths differ by.
@Suite(.serialized) struct RealModelFidelityTests {
    static let cases: [(model: URL, reference: String)] = [
        (TestPaths.smolLM2, "smollm2-135m-instruct-q4_1.jsonl"),
        (TestPaths.gemma3, "gemma-3-270m-q4_k_m.jsonl"),
    ]

    @Test(arguments: [0, 1])
    func matchesLlamaCpp(_ index: Int) throws {
        let (url, referenceName) = Self.cases[index]
        try #require(FileManager.default.fileExists(atPath: url.path), "run scripts/fetch-models.sh")
        let model = try Model(file: GGUFFile(path: url.path))
        let prompts = try ReferencePrompt.load(TestPaths.shared.appendingPathComponent("reference/\(referenceName)"))
        let vocab = model.config.vocabularySize
        var positions = 0, agree = 0
        var logprobGap = 0.0
        var forcedSteps = 0, forcedAgree = 0, clearSteps = 0
        var stepGaps: [Float] = [], promptGaps: [Float] = []
        var freeRunning: [Int] = []
        let greedyTopK = try GreedyTopK.load(reference: referenceName)
        for (p, reference) in prompts.enumerated() {
            let cache = model.makeCache(contextLength: 2048)
            let logits = try model.forward(reference.tokens, cache: cache, logits: .all)
            for (position, top) in reference.topK.enumerated() {
                let row = logits[(position * vocab)..<((position + 1) * vocab)]
                let argmax = row.indices.max { logits[$0] < logits[$1] }.map { $0 - position * vocab }
                positions += 1
                promptGaps += Self.relativeGaps(top.map { ($0.token, $0.logit) }) { row[$0 + position * vocab] }
                if argmax == Int(top[0].token) {
                    agree += 1
                } else if let ours = argmax, top.count > 1 {
                    let margin = top[0].logit - top[1].logit
                    print("\(referenceName) prompt \(p) position \(position): argmax \(ours), llama.cpp \(top[0].token), its margin \(margin), ours \(row[ours + position * vocab] - row[Int(top[0].token) + position * vocab])")
                    #expect(margin <= Self.clearMargin, "prompt \(p) position \(position): llama.cpp's margin \(margin) is not a near-tie")
                }
                let ours = PerplexityEvaluator.logSoftmax(logits, row: position, width: vocab, at: Int(top[0].token))
                logprobGap += abs(ours - Double(top[0].logprob))
            }
            // llama.cpp's greedy tokens fed one decode step at a time, as llama.cpp made them. Where its
            // top-1 leads its top-2 by more than `clearMargin`, our argmax must be its token.
            let steps = greedyTopK[p]
            try #require(steps.greedy == reference.greedy, "greedy-topk file does not match the reference")
            var row = Array(logits[((reference.tokens.count - 1) * vocab)...])
            var leftPath: Int?
            for (step, token) in reference.greedy.enumerated() {
                forcedSteps += 1
                let ours = Self.argmax(row)
                let margin = steps.margin(step)
                if ours == token {
                    forcedAgree += 1
                } else {
                    leftPath = leftPath ?? step
                    print("\(referenceName) prompt \(p) step \(step): argmax \(ours), llama.cpp \(token), its margin \(margin), ours \(row[Int(ours)] - row[Int(token)])")
                    #expect(margin <= Self.clearMargin, "prompt \(p) step \(step): llama.cpp's margin \(margin) is not a near-tie")
                }
                if margin > Self.clearMargin { clearSteps += 1 }
                stepGaps += Self.relativeGaps(steps.topK[step]) { row[$0] }
                if step + 1 < reference.greedy.count { row = try model.forward([token], cache: cache) }
            }
            // Free-running greedy follows the same states up to the first step where our argmax differs.
            let matching = leftPath ?? reference.greedy.count
            print("\(referenceName) prompt \(p): free-running greedy matches \(matching)/\(reference.greedy.count)")
            freeRunning.append(matching)
        }
        let agreement = Double(agree) / Double(positions)
        let fullGreedy = zip(freeRunning, prompts).filter { $0 == $1.greedy.count }.count
        let stepGapMean = stepGaps.reduce(0, +) / Float(stepGaps.count)
        print("\(referenceName): argmax agreement \(agree)/\(positions), mean top-1 logprob gap \(logprobGap / Double(positions)), full greedy \(fullGreedy)/\(prompts.count), teacher-forced greedy \(forcedAgree)/\(forcedSteps) (\(clearSteps) steps with llama.cpp's margin > \(Self.clearMargin)), top-10 logit difference at greedy steps max \(stepGaps.max() ?? 0) mean \(stepGapMean), free-running \(freeRunning); prompt positions max \(promptGaps.max() ?? 0) mean \(promptGaps.reduce(0, +) / Float(promptGaps.count))")
        // llama.cpp without flash attention differs from the reference by 0.104 (SmolLM2) and
        // 0.170 (Gemma3) on this measure.
        #expect(stepGapMean <= 0.25)
        #expect(Double(forcedAgree) >= 0.95 * Double(forcedSteps))
        #expect(agreement >= 0.99)
        #expect(logprobGap / Double(positions) <= 0.1)
    }

    /// llama.cpp's top-1 minus top-2 logit above which a greedy step is a clear choice. Measured
    /// with `scripts/oracles/llamacpp`: llama.cpp without flash attention, against itself with it
    /// (the reference), picks another token at 7 of SmolLM2's and 3 of Gemma3's greedy steps, at
    /// margins up to 0.311 and 0.327; we do at 7 and 2, up to 0.292 and 0.327. Closer calls
    /// depend on summation order.
    static let clearMargin: Float = 0.4

    /// For each of llama.cpp's top-k entries (the first is its top-1): |(our logit − ours at its
    /// top-1) − (its logit − its top-1's)|. Differences of logits, so a shift of all logits does
    /// not count.
    static func relativeGaps(_ entries: [(token: Int32, logit: Float)], _ ours: (Int) -> Float) -> [Float] {
        guard let top = entries.first else { return [] }
        return entries.map { abs((ours(Int($0.token)) - ours(Int(top.token))) - ($0.logit - top.logit)) }
    }

    static func argmax(_ row: [Float]) -> Int32 {
        Int32(row.indices.max { row[$0] < row[$1] } ?? 0)
    }
}
