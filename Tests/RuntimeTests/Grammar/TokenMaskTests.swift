import Foundation
import Testing
import GGUF
import TestSupport
@testable import Runtime

/// SmolLM2's vocabulary as byte strings, read independently by Python `gguf`
/// (`scripts/oracles/vocab_bytes.py`), cached for the process.
enum SmolVocab {
    static let pythonVocabulary: TokenVocabulary? = {
        guard FileManager.default.fileExists(atPath: TestPaths.smolLM2.path) else { return nil }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swiftllm-grammar-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let out = dir.appendingPathComponent("smollm2.vocab")
        guard let text = try? runPythonOracle("vocab_bytes.py", arguments: [TestPaths.smolLM2.path], input: ""),
            (try? text.write(to: out, atomically: true, encoding: .utf8)) != nil
        else { return nil }
        return try? TokenVocabulary.load(path: out.path)
    }()

    /// The vocabulary when the model is present (nil skips the test: no model here); a model
    /// that is present but unreadable by the oracle is a failure, not a skip.
    static func required() -> TokenVocabulary? {
        guard FileManager.default.fileExists(atPath: TestPaths.smolLM2.path) else { return nil }
        if let vocabulary = pythonVocabulary { return vocabulary }
        Issue.record("scripts/oracles/vocab_bytes.py failed on \(TestPaths.smolLM2.path)")
        return nil
    }
}

@Suite struct TokenMaskTests {
    @Test func ggufVocabularyMatchesPythonGGUF() throws {
        guard let python = SmolVocab.required() else { return }
        let ours = try TokenVocabulary.load(path: TestPaths.smolLM2.path)
        #expect(ours.count == python.count)
        #expect(ours.count == 49152)
        #expect(ours.eosTokens.first == python.eosTokens.first)
        let mismatches = (0..<min(ours.count, python.count)).filter { ours.tokens[$0] != python.tokens[$0] }
        #expect(mismatches.isEmpty, "first mismatching ids: \(mismatches.prefix(5))")
    }

    /// The vocabulary taken from the tokenizer agrees with the Python reading, and real
    /// tokenizations of MaskBench instances walk the matcher like the greedy segmentation does.
    @Test func tokenizerVocabularyAndRealTokens() throws {
        guard let python = SmolVocab.required() else { return }
        let tokenizer = try Tokenizer(file: try GGUFFile(path: TestPaths.smolLM2.path))
        let vocab = TokenVocabulary(tokenizer: tokenizer)
        let mismatches = (0..<python.count).filter { vocab.tokens[$0] != python.tokens[$0] }
        #expect(mismatches.isEmpty, "first mismatching ids: \(mismatches.prefix(5))")
        #expect(vocab.eosTokens.contains(python.eosTokens[0]))
        let schema = try JSONValue(parsing: #"{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer","minimum":1}},"required":["city"]}"#)
        let compiled = CompiledGrammar(try JSONSchemaCompiler.compile(schema).grammar)
        for (text, valid) in [(#"{"city":"São Paulo","days":3}"#, true), (#"{"city":"Rome","days":0}"#, false)] {
            let c = GrammarTokenConstraint(compiled: compiled, vocabulary: vocab)
            var ok = true
            for t in tokenizer.encode(text, addSpecial: false, parseSpecial: false) where ok { ok = c.accept(Int(t)) }
            #expect((ok && c.isComplete) == valid, "\(text)")
        }
    }

    /// The trie walk gives the same mask as trying every token's bytes on its own.
    @Test func maskMatchesBruteForce() throws {
        guard let vocab = SmolVocab.required() else { return }
        let schema = try JSONValue(parsing: #"""
            {"type":"object","properties":{"name":{"type":"string","maxLength":5},"n":{"type":"integer","minimum":-3,"maximum":250},
             "tags":{"type":"array","items":{"enum":["a","bc"]}}},"required":["name"]}
            """#)
        let compiled = CompiledGrammar(try JSONSchemaCompiler.compile(schema).grammar)
        let constraint = GrammarTokenConstraint(compiled: compiled, vocabulary: vocab)
        let text = Array(#"{"name":"ab\"","n":-2,"tags":["bc"]}"#.utf8)
        let tokens = try #require(vocab.greedyTokens(text))
        for token in tokens + [-1] {
            let mask = constraint.mask()
            var brute = TokenMask(count: vocab.count)
            for id in 0..<vocab.count where !vocab.tokens[id].isEmpty {
                var m = constraint.matcher
                if m.accept(vocab.tokens[id]) { brute.insert(id) }
            }
            if constraint.isComplete { for e in vocab.eosTokens { brute.insert(e) } }
            #expect(mask == brute, "step before token \(token): \(mask.allowedCount) vs \(brute.allowedCount)")
            if token >= 0 { #expect(constraint.accept(token)) }
        }
        #expect(constraint.isComplete && constraint.allows(vocab.eosTokens[0]))
    }

    @Test func forcedTokensAndRollback() throws {
        guard let vocab = SmolVocab.required() else { return }
        let g = try JSONSchemaCompiler.compile(try JSONValue(parsing: #"{"type":"object","properties":{"location":{"enum":["Paris","Rome"]}},"required":["location"],"additionalProperties":false}"#)).grammar
        let c = GrammarTokenConstraint(grammar: g, vocabulary: vocab)
        let forced = c.forcedTokens()
        let spelled = forced.flatMap { vocab.tokens[$0] }
        #expect(String(decoding: spelled, as: UTF8.self) == #"{"location":""#)
        for t in forced { #expect(c.accept(t)) }
        let before = c.matcher.state
        let paris = try #require(vocab.greedyTokens(Array("Paris".utf8)))
        for t in paris { #expect(c.accept(t)) }
        c.rollback(paris.count)
        #expect(c.matcher.state == before)
        #expect(!c.allows(vocab.eosTokens[0]))
    }

    /// MaskBench through the token-level matcher on a sample, with the full mask computed and
    /// checked against the single-token check at every step.
    @Test func maskBenchTokenLevelSample() throws {
        guard let vocab = SmolVocab.required() else { return }
        var reports: [SchemaConformance.Report] = []
        for prefix in ["Glaiveai2K", "Github_easy"] {
            let files = try MaskBenchTests.files(prefix: prefix)
            for url in stride(from: 0, to: files.count, by: 80).map({ files[$0] }) {
                reports.append(SchemaConformance.check(file: url, vocabulary: vocab))
            }
        }
        let (_, wrong) = MaskBenchTests.summarize(reports, label: "token-level sample")
        let times = reports.flatMap(\.maskMicros).sorted()
        if !times.isEmpty {
            print("masks: \(times.count), mean \(times.reduce(0, +) / Double(times.count)) µs, p50 \(times[times.count / 2]) µs, p99 \(times[Int(Double(times.count) * 0.99)]) µs")
        }
        #expect(wrong == 0)
    }
}
