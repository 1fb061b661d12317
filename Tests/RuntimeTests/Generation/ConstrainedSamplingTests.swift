import Foundation
import Testing
@testable import Runtime

/// Sampling under a grammar draws again, when the first draw is rejected, from the allowed tokens
/// alone; the definition it must equal is the chain run on the whole vocabulary with every
/// disallowed logit set to -inf.
@Suite struct ConstrainedSamplingTests {
    /// A vocabulary of digits, letters, punctuation and a few multi-byte tokens, EOS at 0.
    static func vocabulary() -> TokenVocabulary {
        var tokens: [[UInt8]] = [[]]
        for text in ["{", "}", "\"", ":", ",", " ", "\"a\"", "\"b\":", "true", "false", "null", "[", "]", "-", "."] {
            tokens.append(Array(text.utf8))
        }
        for d in 0...9 { tokens.append(Array("\(d)".utf8)); tokens.append(Array("\(d)\(d)".utf8)) }
        for c in UInt8(ascii: "a")...UInt8(ascii: "z") { tokens.append([c]); tokens.append([c, c]) }
        return TokenVocabulary(tokens: tokens, eosTokens: [0])
    }

    /// The token the chain picks on the full vocabulary masked to -inf (the definition).
    static func masked(_ sampler: inout Sampler, logits: [Float], mask: TokenMask) -> Int32 {
        var masked = logits
        for i in masked.indices where !mask.contains(i) { masked[i] = -.infinity }
        var candidates = Candidates(logits: masked)
        return sampler.sample(&candidates)
    }

    @Test func redrawEqualsMaskingTheWholeVocabulary() throws {
        let vocabulary = Self.vocabulary()
        let schema = try JSONValue(parsing: #"{"type":"object","properties":{"a":{"type":"integer","minimum":-50,"maximum":99},"b":{"type":"boolean"}},"required":["a","b"],"additionalProperties":false}"#)
        let grammar = CompiledGrammar(try JSONSchemaCompiler.compile(schema).grammar)
        var configs: [SamplerConfig] = [.greedy, SamplerConfig()]
        var wide = SamplerConfig()
        wide.topK = 0
        wide.topP = 0.9
        wide.minP = 0
        wide.typicalP = 0.95
        wide.repeatPenalty = 1.3
        wide.presencePenalty = 0.2
        wide.logitBias = [5: 2, 40: -1]
        configs.append(wide)
        var generator = SystemRandomNumberGenerator()
        var redraws = 0
        for (c, base) in configs.enumerated() {
            for run in 0..<40 {
                var config = base
                config.seed = UInt64(c * 1000 + run)
                var ours = Sampler(config: config), reference = Sampler(config: config)
                let sampling = ConstrainedSampling(GrammarConstraint(grammar: grammar, vocabulary: vocabulary))
                for _ in 0..<40 where !sampling.isFinished {
                    let logits = (0..<vocabulary.count).map { _ in Float.random(in: -4...4, using: &generator) }
                    let mask = sampling.constraint.mask()
                    var candidates = Candidates(logits: logits)
                    let first = ours.sample(&candidates)
                    var referenceCandidates = Candidates(logits: logits)
                    _ = reference.sample(&referenceCandidates)
                    let expected = mask.contains(Int(first)) ? first : Self.masked(&reference, logits: logits, mask: mask)
                    if !mask.contains(Int(first)) { redraws += 1 }
                    let token = try #require(sampling.resolve(first, sampler: &ours, logits: logits))
                    #expect(token == expected, "config \(c), run \(run)")
                    #expect(mask.contains(Int(token)))
                    ours.accept([token])
                    reference.accept([token])
                    sampling.accept(token)
                }
            }
        }
        #expect(redraws > 500, "the redraw path ran \(redraws) times")
    }

    /// `allowedTokens` lists exactly the set bits below `count`, in increasing order.
    @Test func allowedTokensMatchesMembership() {
        var generator = SystemRandomNumberGenerator()
        for count in [1, 63, 64, 65, 200, 49_152] {
            for density in [0.0, 0.01, 0.5, 1.0] {
                var mask = TokenMask(count: count)
                for token in 0..<count where Double.random(in: 0..<1, using: &generator) < density { mask.insert(token) }
                let listed = mask.allowedTokens
                #expect(listed == (0..<count).filter { mask.contains($0) }, "count \(count), density \(density)")
                #expect(listed.count == mask.allowedCount)
            }
        }
    }
}
