import Foundation
import Testing
import TestSupport
@testable import Runtime

/// Open object keys (`GrammarMatcher.wideLoop`, `LoopTokens.openKey`): a key whose first
/// character comes from one set and the later ones from a loop over more (any key but the
/// declared names; `patternProperties` such as `^[a-zA-Z]`, whose first character is ASCII and
/// whose later ones may be any character). The fast mask equals the reference (every token's
/// bytes run through the matcher on their own) after every character of a text, the key start
/// took the derived entry, and every transition the walks stored — whole rows and single steps
/// (`stepOne`) — equals the matcher's plain step.
@Suite struct OpenKeyMaskTests {
    static let cases: [(schema: String, text: String)] = [
        // Declared names: the first character is any but `b` and `r`; the walk follows the
        // names from the key start.
        (#"{"type":"object","properties":{"base":{"type":"number"},"radius":{"type":"number"}}}"#,
         #"{"radius":1,"bé":2,"rad":"ü","x":[1,{"y":null}],"basement":true}"#),
        // First character an ASCII letter, later ones any character.
        (#"{"type":"object","patternProperties":{"^[a-zA-Z]":{"type":"string"}},"additionalProperties":false}"#,
         #"{"aé€":"x","Zq":"y","k":""}"#),
        // Any key of at least one character.
        (#"{"type":"object","patternProperties":{".{1,}":{"type":"string"}}}"#, #"{"é1":"v","k":"w"}"#),
    ]

    static func constraint(_ schema: String, _ vocab: TokenVocabulary) throws -> GrammarTokenConstraint {
        GrammarTokenConstraint(compiled: CompiledGrammar(try JSONSchemaCompiler.compile(try JSONValue(parsing: schema)).grammar),
                               vocabulary: vocab)
    }

    /// Every stored transition of the constraint's state table equals the plain step.
    static func checkTable(_ c: GrammarTokenConstraint) -> Int {
        let m = c.matcher
        var checked = 0
        for s in 0..<Int32(m.arena.stateCount) {
            let state = m.cachedState(s)
            for b in 0...255 {
                let stored = m.arena.table[Int(s) * 256 + b]
                if stored == StackArena.unknown { continue }
                let plain = m.advance(state, UInt8(b))
                if stored == StackArena.dead {
                    #expect(plain.isDead, "state \(s), byte \(b)")
                } else {
                    #expect(m.cachedState(stored) == plain, "state \(s), byte \(b)")
                }
                checked += 1
            }
        }
        return checked
    }

    static func compare(_ vocab: TokenVocabulary, stride: Int) throws -> Int {
        var compared = 0
        for (n, (schema, text)) in cases.enumerated() {
            let c = try constraint(schema, vocab)
            for (i, character) in text.enumerated() {
                // The key start takes the wide entry; a region search (turned on by an
                // expensive mask) could take it first.
                c.matcher.arena.regionsWanted = false
                let fast = c.mask()
                if i % stride == 0 || i == 2 || i == text.count - 1 {
                    let reference = c.referenceMask()
                    #expect(fast == reference, "\(schema) at \(i) (\(character)): \(fast.allowedCount) vs \(reference.allowedCount)")
                    compared += 1
                }
                if i == 2 { try checkKeyStart(c, vocab, case: n) }
                guard let ids = vocab.greedyTokens(Array(String(character).utf8)) else {
                    Issue.record("no tokens for \(character)")
                    break
                }
                #expect(ids.allSatisfy { c.accept($0) }, "\(schema): \(character) at \(i)")
            }
            #expect(c.matcher.state.isComplete, "\(schema): the text is a whole instance")
            #expect(checkTable(c) > 1000)
        }
        return compared
    }

    /// After `{"`: the state steps into a wider loop, and its derived entry is in the cache.
    static func checkKeyStart(_ c: GrammarTokenConstraint, _ vocab: TokenVocabulary, case n: Int) throws {
        let m = c.matcher
        let id = m.stateID(m.state)
        let first = try #require(m.chainStep(id))
        let utf8 = m.chainsOverUTF8(id, to: first.next)
        let wide = try #require(m.wideLoop(after: id, first, utf8: utf8), "case \(n)")
        #expect(vocab.loopCache.contains(LoopTokenCache.Key(loop: first.bytes, utf8: utf8, node: 0, rest: wide.bytes,
                                                             restUTF8: wide.utf8)), "case \(n)")
        #expect(wide.utf8)
        switch n {
        case 0:
            #expect(!first.bytes.contains(UInt8(ascii: "b")) && !first.bytes.contains(UInt8(ascii: "r")))
            #expect(first.bytes.contains(UInt8(ascii: "x")) && utf8)
        case 1:
            // The mixed case: the first character ASCII only, the loop over UTF-8 too.
            #expect(first.bytes.count == 52 && !utf8)
        default:
            // `.{1,}`: a first multi-byte character ends in other stacks than an ASCII one, so
            // lead bytes are exits here (walked from the key start).
            break
        }
    }

    @Test func smolLM2() throws {
        guard let vocab = SmolVocab.required() else { return }
        #expect(try Self.compare(vocab, stride: 1) > 60)
    }

    /// Gemma's 262k vocabulary: most of its tokens are non-ASCII, so the first character's
    /// lead bytes matter.
    @Test func gemma3() throws {
        try #require(FileManager.default.fileExists(atPath: TestPaths.gemma3.path), "run scripts/fetch-models.sh")
        let vocab = try TokenVocabulary.load(path: TestPaths.gemma3.path)
        #expect(try Self.compare(vocab, stride: 6) > 12)
    }

    /// The warm-up takes only repeated character classes — an open object's key start (any
    /// character but the names' first letters) and the names' next letters are not loops — and
    /// a key's characters as the walk meets them (plain bytes, 0x7F and UTF-8 characters, the
    /// last two from a shared rule).
    @Test func warmUpSkipsClassesThatDoNotRepeat() throws {
        let schema = #"{"type":"object","properties":{"base":{"type":"number"},"radius":{"type":"string","maxLength":8}}}"#
        let keys = TokenVocabulary.likelyLoops(CompiledGrammar(try JSONSchemaCompiler.compile(try JSONValue(parsing: schema)).grammar))
        #expect(keys.contains { !$0.counted && $0.utf8 && $0.loop.count >= 93 }, "\(keys.map { ($0.loop.count, $0.utf8) })")
        #expect(keys.contains { $0.counted }, "the maxLength chain")
        #expect(keys.allSatisfy { $0.utf8 }, "\(keys.map { ($0.loop.count, $0.utf8) })")
    }
}

/// The arena's open-addressing tables against Swift's `Dictionary`.
@Suite struct ArenaIndexTests {
    @Test func nodeIndexAgreesWithADictionary() {
        var rng = SeededRandom(seed: 11)
        var index = NodeIndex()
        var reference: [Int64: Int32] = [:]
        for i in 0..<20_000 {
            let key = Int64(Int.random(in: 0..<5000, using: &rng)) << 32 | Int64(UInt32.random(in: 0...UInt32.max, using: &rng) % 3000)
            if reference[key] == nil {
                reference[key] = Int32(i)
                index.insert(key, Int32(i))
            }
            let probe = Int64(Int.random(in: 0..<5000, using: &rng)) << 32 | Int64(Int.random(in: 0..<3000, using: &rng))
            #expect(index.find(probe) == reference[probe])
        }
        for (key, value) in reference { #expect(index.find(key) == value) }
    }

    @Test func stateIndexAgreesWithADictionary() {
        var rng = SeededRandom(seed: 12)
        var index = StateIndex()
        var stored: [[Int32]] = []
        var reference: [[Int32]: Int32] = [:]
        for round in 0..<2 {
            for _ in 0..<5000 {
                let stacks = (0..<Int.random(in: 0..<5, using: &rng)).map { _ in Int32(Int.random(in: 0..<40, using: &rng)) }.sorted()
                let hash = StateIndex.hash(stacks, complete: false)
                let found = index.find(hash: hash) { stored[Int($0)] == stacks }
                #expect(found == reference[stacks], "round \(round)")
                if found == nil {
                    let id = Int32(stored.count)
                    stored.append(stacks)
                    reference[stacks] = id
                    index.insert(hash: hash, id)
                }
            }
            // Trimming the state cache empties the table; ids start over.
            index.removeAll()
            stored.removeAll()
            reference.removeAll()
        }
    }
}
