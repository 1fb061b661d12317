import Foundation
import Testing
import TestSupport
@testable import Runtime

/// The pieces that make masks cheap when cold and warm when repeated: the level-by-level trie,
/// whole transition rows, whole-trie loop token sets and their background warm-up, and pooled
/// constraints. Each is checked against something that does not use it: the token list itself,
/// the matcher's plain byte step, a per-token classification, and `referenceMask()`.
@Suite struct WarmConstraintTests {
    static let gemma: TokenVocabulary? = {
        guard FileManager.default.fileExists(atPath: TestPaths.gemma3.path) else { return nil }
        return try? TokenVocabulary.load(path: TestPaths.gemma3.path)
    }()

    static let toolSchema = ##"""
        {"type":"object","properties":{"name":{"enum":["get_weather","search"]},
         "arguments":{"type":"object","properties":{"location":{"type":"string"},"days":{"type":"integer","minimum":1,"maximum":14},
         "tags":{"type":"array","items":{"type":"string"},"maxItems":3}},"required":["location"],"additionalProperties":false}},
         "required":["name","arguments"],"additionalProperties":false}
        """##

    static func vocabularies() -> [(String, TokenVocabulary)] {
        var out: [(String, TokenVocabulary)] = []
        if let smol = SmolVocab.required() { out.append(("SmolLM2", smol)) }
        if let gemma { out.append(("Gemma3", gemma)) }
        return out
    }

    /// The trie holds exactly the tokens' distinct prefixes, children in increasing byte order,
    /// each token at the node its bytes spell (ids ascending there), parents before children.
    static func checkTrie(_ v: TokenVocabulary) {
        var prefixes = Set<[UInt8]>([[]])
        for bytes in v.tokens where !bytes.isEmpty {
            for n in 1...bytes.count { prefixes.insert(Array(bytes.prefix(n))) }
        }
        #expect(v.trie.childStart.count == prefixes.count)
        for n in v.trie.childStart.indices {
            let start = Int(v.trie.childStart[n]), end = start + Int(v.trie.childCount[n])
            for k in start..<end {
                #expect(TokenTrie.child(k) > n)
                if k > start { #expect(v.trie.childByte[k] > v.trie.childByte[k - 1]) }
            }
            let here = v.trie.nodeTokens[Int(v.trie.tokenStart[n])..<Int(v.trie.tokenStart[n + 1])]
            #expect(here.sorted() == Array(here))
        }
        var misplaced = 0
        for (id, bytes) in v.tokens.enumerated() where !bytes.isEmpty {
            var node = 0
            for b in bytes { node = v.child(of: node, byte: b) ?? -1; if node < 0 { break } }
            if node < 0 || !v.trie.nodeTokens[Int(v.trie.tokenStart[node])..<Int(v.trie.tokenStart[node + 1])].contains(Int32(id)) { misplaced += 1 }
        }
        #expect(misplaced == 0)
        #expect(Int(v.subtreeTokens[0]) == v.tokens.filter { !$0.isEmpty }.count)
    }

    @Test func trieHoldsEveryTokenAtItsPrefix() {
        var tokens: [[UInt8]] = [[0x61], [0x61, 0x62], [], [0x61, 0x62], [0x62], [0xFF, 0x00], [0x61, 0x62, 0x63]]
        for i in 0..<200 {
            let first = UInt8(i % 7) + 0x61, second = UInt8(i % 5) + 0x61
            tokens.append([first, second, UInt8(i % 3)])
        }
        let handmade = TokenVocabulary(tokens: tokens, eosTokens: [2])
        WarmConstraintTests.checkTrie(handmade)
        for (_, v) in WarmConstraintTests.vocabularies() { WarmConstraintTests.checkTrie(v) }
    }

    /// Every entry of a filled transition row agrees with the matcher's plain byte step, on the
    /// states of random walks through several grammars.
    @Test func filledRowsAgreeWithPlainSteps() throws {
        guard let vocab = SmolVocab.required() else { return }
        var rng = SeededRandom(seed: 5)
        var compared = 0
        for compiled in try FastMaskTests.grammars() + [CompiledGrammar(try JSONSchemaCompiler.compile(text: WarmConstraintTests.toolSchema).grammar)] {
            let c = GrammarTokenConstraint(compiled: compiled, vocabulary: vocab)
            for _ in 0..<8 {
                let m = c.matcher
                let id = m.stateID(m.state)
                for b in 0...255 {
                    let next = m.step(id, UInt8(b))
                    let plain = m.advance(m.state, UInt8(b))
                    if next < 0 {
                        #expect(plain.isDead, "byte \(b)")
                    } else {
                        #expect(m.cachedState(next) == plain, "byte \(b)")
                    }
                    compared += 1
                }
                let allowed = c.mask().allowedTokens.filter { !c.isEOS($0) }
                guard !allowed.isEmpty else { break }
                #expect(c.accept(allowed[Int.random(in: 0..<allowed.count, using: &rng)]))
            }
        }
        #expect(compared > 5000)
    }

    /// The whole-trie loop token set (index-order scan) equals a per-token classification: a
    /// token is inside when each byte is a loop byte at a character boundary or continues a
    /// valid UTF-8 character.
    @Test func wholeTrieLoopTokensMatchPerTokenClassification() {
        var json = ByteSet(0x20...0x7F)
        json = ByteSet(bytes: json.bytes.filter { $0 != 0x22 && $0 != 0x5C })
        for (name, v) in WarmConstraintTests.vocabularies() {
            for (loop, utf8) in [(json, true), (ByteSet(0x30...0x39), false), (json, false)] {
                let computed = LoopTokens(loop: loop, utf8: utf8, node: 0, vocabulary: v)
                var inside = Set<Int32>()
                for (id, bytes) in v.tokens.enumerated() where !bytes.isEmpty {
                    var u = 0
                    var ok = true
                    for b in bytes {
                        if u == 0 && loop.contains(b) { continue }
                        let next = utf8 ? Int(UTF8Automaton.next[u * 256 + Int(b)]) : -1
                        if next < 0 { ok = false; break }
                        u = next
                    }
                    if ok { inside.insert(Int32(id)) }
                }
                let got: Set<Int32>
                if computed.insideWords.isEmpty {
                    got = Set(computed.insideList)
                } else {
                    got = Set(TokenMask(words: computed.insideWords, count: v.count).allowedTokens.map(Int32.init))
                }
                #expect(got == inside, "\(name) loop of \(loop.count) bytes, utf8 \(utf8)")
            }
        }
    }

    /// The background warm-up guesses the loop a JSON string's mask walk uses (so it is not
    /// wasted), and masks computed with the warmed entries equal the reference.
    @Test func warmUpPredictsTheStringLoop() throws {
        for (name, shared) in WarmConstraintTests.vocabularies() {
            // A vocabulary of its own, so no entry is cached yet.
            let v = TokenVocabulary(tokens: shared.tokens, eosTokens: shared.eosTokens)
            let compiled = CompiledGrammar(try JSONSchemaCompiler.compile(text: WarmConstraintTests.toolSchema).grammar)
            let c = GrammarTokenConstraint(compiled: compiled, vocabulary: v)
            let text = Array(#"{"name":"search","arguments":{"location":""#.utf8)
            #expect(c.matcher.compiled === compiled)
            var m = c.matcher
            let accepted = m.accept(text)
            #expect(accepted)
            let id = m.stateID(m.state)
            let key = LoopTokenCache.Key(loop: m.loopBytes(id), utf8: m.loopsOverUTF8(id), node: 0)
            #expect(key.loop.count == 94 && key.utf8, "\(name)")
            #expect(v.loopCache.contains(key), "\(name): the warm-up did not guess the string loop")
            for t in try #require(v.greedyTokens(text)) { #expect(c.accept(t)) }
            #expect(c.mask() == c.referenceMask(), "\(name)")
        }
    }

    /// The same schema text gives the same compiled grammar; a constraint made after another on
    /// that grammar was released starts from its matcher (states already known) at the start of
    /// the grammar, and its masks still equal the reference along random walks.
    @Test func pooledConstraintsStartWarmAndStayExact() throws {
        for (name, v) in WarmConstraintTests.vocabularies() {
            let pool = v.constraints
            let schema = try pool.grammar(jsonSchema: WarmConstraintTests.toolSchema)
            #expect(try pool.grammar(jsonSchema: WarmConstraintTests.toolSchema).grammar === schema.grammar)
            let flexible = JSONSchemaCompiler.Options(whitespace: .flexible(maxRun: 2))
            #expect(try pool.grammar(jsonSchema: WarmConstraintTests.toolSchema, options: flexible).grammar !== schema.grammar)
            var rng = SeededRandom(seed: 31)
            var statesBefore = 0
            for pass in 0..<3 {
                let c = GrammarTokenConstraint(compiled: schema.grammar, vocabulary: v)
                if pass > 0 { #expect(c.matcher.arena.stateCount >= statesBefore && statesBefore > 10, "\(name): not pooled") }
                let atStart = c.matcher.state == GrammarMatcher(compiled: schema.grammar).state
                #expect(atStart)
                for step in 0..<(name == "Gemma3" ? 6 : 14) {
                    let reference = c.referenceMask()
                    let fast = c.mask()
                    #expect(fast == reference, "\(name) pass \(pass) step \(step)")
                    let allowed = reference.allowedTokens.filter { !c.isEOS($0) }
                    guard !allowed.isEmpty else { break }
                    #expect(c.accept(allowed[Int.random(in: 0..<allowed.count, using: &rng)]))
                }
                // Keep `c` alive past the copy of its matcher this reads (else `c` may be released
                // first, while the copy still shares the arena, and is then rightly not pooled).
                withExtendedLifetime(c) { statesBefore = c.matcher.arena.stateCount }
            }
        }
    }

    /// A constraint whose matcher was copied out (the copy shares its state table) while it is
    /// released is not pooled: the next constraint starts from a new matcher.
    @Test func sharedMatcherIsNotPooled() throws {
        let vocab = TokenVocabulary(tokens: (0..<128).map { [UInt8($0)] }, eosTokens: [0])
        let compiled = CompiledGrammar(try Grammar(gbnf: #"root ::= "a" [b-z]+ "!""#))
        var copy: GrammarMatcher?
        do {
            let c = GrammarTokenConstraint(compiled: compiled, vocabulary: vocab)
            #expect(c.accept(0x61) && c.accept(0x62))
            copy = c.matcher
        }
        let next = GrammarTokenConstraint(compiled: compiled, vocabulary: vocab)
        let copyArena = copy?.arena
        #expect(copyArena != nil && next.matcher.arena !== copyArena)
        copy = nil
        do {
            let c = GrammarTokenConstraint(compiled: compiled, vocabulary: vocab)
            _ = c.mask()
        }
        let pooled = GrammarTokenConstraint(compiled: compiled, vocabulary: vocab)
        #expect(pooled.matcher.arena.stateCount > 1)
        #expect(pooled.mask() == pooled.referenceMask())
    }
}
