import Foundation
import Testing
import TestSupport
@testable import Runtime

/// The fast mask (trie walk over the cached state table, byte classes, loop shortcuts with the
/// per-vocabulary `LoopTokens` cache, UTF-8 loops) equals the reference mask (every token's
/// bytes run through the matcher on their own) on random states of many grammars.
@Suite struct FastMaskTests {
    static let schemas = [
        ##"{"type":"object","properties":{"name":{"type":"string"},"note":{"type":"string","maxLength":3}},"additionalProperties":{"type":"integer"}}"##,
        ##"{"type":"array","items":{"type":"string","pattern":"^[a-zé]+$"}}"##,
        ##"{"type":"object","properties":{"when":{"type":"string","format":"date"},"n":{"type":"number"}},"required":["when"]}"##,
        ##"{"anyOf":[{"type":"string"},{"type":"array","items":{"type":"integer"}}]}"##,
        ##"{}"##,
        // Bounded repetition: chains of counted states (`GrammarMatcher.chain`).
        ##"{"type":"string","maxLength":30}"##,
        ##"{"type":"object","properties":{"a":{"type":"string","minLength":2,"maxLength":9},"b":{"type":"string","minLength":3}},"required":["a","b"],"additionalProperties":false}"##,
        ##"{"type":"array","items":{"type":"string","maxLength":5},"maxItems":3}"##,
        // Open additionalProperties: a key is a listed name or any other string (one step into
        // a wider loop, `Chain.rest`).
        ##"{"type":"object","properties":{"income":{"type":"number"},"tax":{"type":"array","items":{"type":"object","properties":{"max_income":{"type":"number"},"rate":{"type":"number"}}}}},"required":["income"]}"##,
    ]
    /// Strings that are not "anything but a few ASCII bytes": the UTF-8 loop check must fail
    /// (a non-ASCII character is excluded) and the walk fall back to plain edges.
    static let gbnf = [
        #"root ::= "\"" [^"\\é]* "\"" ("," [0-9]+)*"#,
        #"root ::= ([a-z ]+ | [^a-z"]{2})* "!""#,
        // A chain that runs into a loop over other bytes (no shortcut), and one longer than the
        // 254 characters counts are exact for.
        #"root ::= "\"" [a-zA-Z ]{0,40} [a-zA-Z0-9 ]* "\"""#,
        #"root ::= [^"]{2,300} "\"""#,
    ]

    static func grammars() throws -> [CompiledGrammar] {
        try schemas.map { CompiledGrammar(try JSONSchemaCompiler.compile(try JSONValue(parsing: $0)).grammar) }
            + gbnf.map { CompiledGrammar(try Grammar(gbnf: $0)) }
    }

    /// Random walks through allowed tokens, comparing the masks at every step; a second
    /// constraint on the same grammar then meets the same states with the loop cache warm.
    static func compareOnRandomWalks(_ vocab: TokenVocabulary, steps: Int, passes: Int, seed: UInt64) throws -> Int {
        var rng = SeededRandom(seed: seed)
        var compared = 0
        for compiled in try grammars() {
            for _ in 0..<passes {
                let c = GrammarTokenConstraint(compiled: compiled, vocabulary: vocab)
                for step in 0..<steps {
                    let fast = c.mask()
                    let reference = c.referenceMask()
                    #expect(fast == reference, "step \(step): \(fast.allowedCount) vs \(reference.allowedCount) allowed")
                    compared += 1
                    let allowed = reference.allowedTokens.filter { !c.isEOS($0) }
                    guard !allowed.isEmpty else { break }
                    #expect(c.accept(allowed[Int.random(in: 0..<allowed.count, using: &rng)]))
                }
            }
        }
        return compared
    }

    @Test func smolLM2RandomStates() throws {
        guard let vocab = SmolVocab.required() else { return }
        #expect(try FastMaskTests.compareOnRandomWalks(vocab, steps: 12, passes: 2, seed: 7) > 50)
    }

    /// A string with a maximum length, filled one character at a time (ASCII, two- and
    /// three-byte characters, an escape): the mask at every count, against the reference.
    @Test func boundedStringsAtEveryCount() throws {
        guard let vocab = SmolVocab.required() else { return }
        let pieces = ["a", "é", " ", "€", "\\n", "Z"]
        for (n, minLength) in [(1, 0), (7, 2), (30, 0)] {
            let schema = try JSONValue(parsing: #"{"type":"string","minLength":\#(minLength),"maxLength":\#(n)}"#)
            let c = GrammarTokenConstraint(compiled: CompiledGrammar(try JSONSchemaCompiler.compile(schema).grammar),
                                           vocabulary: vocab)
            func accept(_ text: String) -> Bool {
                guard let ids = vocab.greedyTokens(Array(text.utf8)) else { return false }
                return ids.allSatisfy { c.accept($0) }
            }
            let quote = vocab.tokens.firstIndex(of: [0x22]) ?? -1, letter = vocab.tokens.firstIndex(of: [0x61]) ?? -1
            #expect(accept("\""))
            for count in 0...n {
                let fast = c.mask(), reference = c.referenceMask()
                #expect(fast == reference, "maxLength \(n), \(count) characters: \(fast.allowedCount) vs \(reference.allowedCount)")
                #expect(reference.contains(quote) == (count >= minLength))
                guard count < n else { break }
                let piece = pieces[count % pieces.count]
                #expect(accept(piece), "\(piece) at \(count)")
            }
            #expect(!c.allows(letter), "maxLength \(n) reached")
        }
    }

    /// Object keys with open `additionalProperties`: a listed name or any other string, where
    /// one character leads to the any-string loop (`Chain.rest`), against the reference.
    @Test func openObjectKeys() throws {
        guard let vocab = SmolVocab.required() else { return }
        let schema = try JSONValue(parsing: FastMaskTests.schemas[8])
        let compiled = CompiledGrammar(try JSONSchemaCompiler.compile(schema).grammar)
        for prefix in [#"{""#, #"{"income":1,""#, #"{"income":1,"tax":[{""#, #"{"i"#, #"{"income":1,"x"#, #"{"income":1,"tax":[{"x"#, #"{"income":1,"tax":[{"ma"#] {
            let c = GrammarTokenConstraint(compiled: compiled, vocabulary: vocab)
            guard let ids = vocab.greedyTokens(Array(prefix.utf8)) else { Issue.record("no tokens for \(prefix)"); continue }
            #expect(ids.allSatisfy { c.accept($0) }, "\(prefix)")
            let fast = c.mask(), reference = c.referenceMask()
            #expect(fast == reference, "after \(prefix): \(fast.allowedCount) vs \(reference.allowedCount)")
        }
    }

    /// Gemma's 262k vocabulary is mostly non-ASCII tokens: this exercises the UTF-8 loops.
    @Test func gemma3RandomStates() throws {
        guard FileManager.default.fileExists(atPath: TestPaths.gemma3.path) else { return }
        let vocab = try TokenVocabulary.load(path: TestPaths.gemma3.path)
        #expect(vocab.count == 262_144)
        #expect(try FastMaskTests.compareOnRandomWalks(vocab, steps: 4, passes: 1, seed: 11) > 20)
    }

    /// A hand-made vocabulary with every UTF-8 shape (complete, cut inside a character, invalid
    /// continuations, surrogates, overlongs) under a string loop, against the reference.
    @Test func utf8EdgeTokens() throws {
        let vocab = FastMaskTests.utf8EdgeVocabulary()
        for compiled in try FastMaskTests.grammars() {
            let c = GrammarTokenConstraint(compiled: compiled, vocabulary: vocab)
            for text in ["", "\"", "[\"", "{\"name\":\"a"] {
                c.reset()
                guard text.utf8.allSatisfy({ c.accept(Int($0)) }) else { continue }
                #expect(c.mask() == c.referenceMask(), "after \(text)")
            }
        }
    }

    /// An object with 120 optional properties: after `{"` the state has a stack per name, more
    /// than one 64-bit word of row signature (`GrammarMatcher.byteGroups`).
    @Test func statesWithManyStacks() throws {
        let letters = Array("abcdefgh")
        let names = (0..<120).map { i in String([letters[i % 8], letters[(i / 8) % 8], letters[i / 64]]) + "\(i)" }
        let properties = names.map { #""\#($0)":{"type":"integer"}"# }.joined(separator: ",")
        let schema = try JSONValue(parsing: #"{"type":"object","properties":{\#(properties)}}"#)
        let compiled = CompiledGrammar(try JSONSchemaCompiler.compile(schema).grammar)
        let c = GrammarTokenConstraint(compiled: compiled, vocabulary: FastMaskTests.utf8EdgeVocabulary())
        for text in ["{\"", "{\"a", "{\"ab", "{\"abb9\":1,\"", "{\"abb9\":1,\"c"] {
            c.reset()
            guard text.utf8.allSatisfy({ c.accept(Int($0)) }) else { Issue.record("refused \(text)"); continue }
            if text == "{\"" { #expect(c.matcher.state.stacks.count > 64) }
            #expect(c.mask() == c.referenceMask(), "after \(text)")
        }
    }

    /// Every byte as a token, then every UTF-8 shape (complete, cut inside a character, invalid
    /// continuations, surrogates, overlongs) alone and after letters, then short ASCII words.
    static func utf8EdgeVocabulary() -> TokenVocabulary {
        var tokens: [[UInt8]] = (0..<256).map { [UInt8($0)] }
        let pieces: [[UInt8]] = [[0xC3, 0xA9], [0xC3], [0xE2, 0x82, 0xAC], [0xE2, 0x82], [0xED, 0x9F, 0xBF],
                                 [0xED, 0xA0, 0x80], [0xE0, 0x80, 0x80], [0xF0, 0x9F, 0x98, 0x80], [0xF4, 0x90, 0x80, 0x80],
                                 [0xC0, 0xAF], [0x80], [0x61, 0xC3, 0xA9, 0x22], [0xC3, 0xA9, 0x5C, 0x6E]]
        for p in pieces { for prefix in [[], [0x61], [0x61, 0x62]] as [[UInt8]] { tokens.append(prefix + p) } }
        let letters = Array("abcdefgh".utf8)
        for i in 0..<80 { tokens.append((0..<(1 + i % 5)).map { letters[(i * 7 + $0 * 3) % 8] }) }
        return TokenVocabulary(tokens: tokens, eosTokens: [0])
    }
}
