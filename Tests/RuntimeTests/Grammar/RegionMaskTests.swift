import Foundation
import Testing
import TestSupport
@testable import Runtime

/// Grammars whose states form regions (`GrammarMatcher.region`): no state loops, but a byte set
/// keeps every state inside a closed set of them — unanchored patterns with a counted run (the
/// run's length is the state), an unanchored literal being matched, a cycle of character
/// classes. The fast mask equals the reference (every token's bytes run through the matcher on
/// their own) after every character of a text fed one character at a time, and the region
/// shortcut was taken (else only the plain walk would have been checked).
@Suite struct RegionMaskTests {
    /// A grammar (JSON Schema, else GBNF) and a text it accepts, fed character by character.
    static let cases: [(grammar: String, text: String)] = [
        // The run of 12 comes late, after runs broken by a space, a two- and a three-byte
        // character and an escape; then characters after it.
        (#"{"type":"string","pattern":"[a-zA-Z0-9_-]{12}"}"#, #""ab cd-12345678é€x_y\nZ0123456789AB tail""#),
        // Non-ASCII characters inside the run's class.
        (#"{"type":"string","pattern":"[a-zé]{4}"}"#, #""x é aé b abéc d""#),
        (#"{"type":"string","pattern":"id-[0-9]{3}"}"#, #""an id-12 and id-123 after""#),
        (#"{"type":"object","properties":{"k":{"type":"string","pattern":"[A-Z]{5}"}},"required":["k"]}"#, #"{"k":"ab ABCD ABCDE z"}"#),
        // ASCII only (no UTF-8 characters in the region): a line that contains three digits in
        // a row, as a hand-written automaton.
        (#"""
        root ::= s0
        s0 ::= [ -/:-~] s0 | [0-9] s1
        s1 ::= [ -/:-~] s0 | [0-9] s2
        s2 ::= [ -/:-~] s0 | [0-9] s3
        s3 ::= [ -~]* "\n"
        """#, "ab 12 x3456 z\n"),
    ]

    static func constraint(_ grammar: String, _ vocab: TokenVocabulary) throws -> GrammarTokenConstraint {
        let compiled = grammar.hasPrefix("{")
            ? CompiledGrammar(try JSONSchemaCompiler.compile(try JSONValue(parsing: grammar)).grammar)
            : CompiledGrammar(try Grammar(gbnf: grammar))
        return GrammarTokenConstraint(compiled: compiled, vocabulary: vocab)
    }

    /// Feeds each case's text one character at a time and compares the masks after every
    /// `stride`-th character (the reference is slow: the states hold many stacks); returns the
    /// masks compared. The fast mask is computed at every character all the same.
    static func compare(_ vocab: TokenVocabulary, cases: ArraySlice<(grammar: String, text: String)>,
                        stride: Int) throws -> Int {
        var compared = 0
        for (grammar, text) in cases {
            let c = try constraint(grammar, vocab)
            // Searched from the first mask on, not only after an expensive one (the cheap masks
            // of a 49k vocabulary may never turn the search on; `searchStartsAfterAnExpensiveMask`).
            c.matcher.arena.regionsWanted = true
            for (i, character) in text.enumerated() {
                let fast = c.mask()
                if i % stride == 0 || i == text.count - 1 {
                    let reference = c.referenceMask()
                    #expect(fast == reference, "\(grammar) at \(i) (\(character)): \(fast.allowedCount) vs \(reference.allowedCount)")
                    compared += 1
                }
                guard let ids = vocab.greedyTokens(Array(String(character).utf8)) else {
                    Issue.record("no tokens for \(character)")
                    break
                }
                #expect(ids.allSatisfy { c.accept($0) }, "\(grammar): \(character) at \(i)")
            }
            #expect(c.matcher.state.isComplete, "\(grammar): the text is a whole instance")
            #expect(!c.matcher.arena.regions.isEmpty, "\(grammar): no region was found")
        }
        return compared
    }

    @Test func smolLM2() throws {
        guard let vocab = SmolVocab.required() else { return }
        #expect(try Self.compare(vocab, cases: Self.cases[...], stride: 2) > 50)
    }

    /// Gemma's 262k vocabulary (mostly non-ASCII tokens): the UTF-8 side of a region.
    @Test func gemma3() throws {
        try #require(FileManager.default.fileExists(atPath: TestPaths.gemma3.path), "run scripts/fetch-models.sh")
        let vocab = try TokenVocabulary.load(path: TestPaths.gemma3.path)
        #expect(try Self.compare(vocab, cases: Self.cases[..<2], stride: 5) > 10)
    }

    /// An unanchored pattern compiles to its minimized automaton (one rule per state), so the
    /// parser's stacks stay as many at every count of a run (one per way the next character may
    /// start); the regex's own grammar added a stack per partial match, one more per character.
    @Test func unanchoredPatternStacksDoNotGrow() throws {
        guard let vocab = SmolVocab.required() else { return }
        let c = try Self.constraint(Self.cases[0].grammar, vocab)
        var counts: [Int] = []
        for character in "\"abcdefghijk" {
            guard let ids = vocab.greedyTokens(Array(String(character).utf8)) else { break }
            #expect(ids.allSatisfy { c.accept($0) })
            counts.append(c.matcher.state.stacks.count)
        }
        #expect(counts.count == 12)
        #expect(Set(counts.dropFirst(2)).count == 1, "stacks per count: \(counts)")
    }

    /// Regions are searched for once a mask walked a large part of the trie edge by edge: the
    /// unanchored run turns them on by itself, and gets one.
    @Test func searchStartsAfterAnExpensiveMask() throws {
        guard let vocab = SmolVocab.required() else { return }
        let c = try Self.constraint(Self.cases[0].grammar, vocab)
        #expect(!c.matcher.arena.regionsWanted)
        for character in "\"ab cd-1234" {
            _ = c.mask()
            guard let ids = vocab.greedyTokens(Array(String(character).utf8)) else { break }
            #expect(ids.allSatisfy { c.accept($0) })
        }
        #expect(c.matcher.arena.regionsWanted)
        #expect(!c.matcher.arena.regions.isEmpty)
    }

    /// `ExitPaths` steps down to each exit's parent: every exit's parent is on the paths, with
    /// the bytes of the trie on the way (checked against the token bytes the exit continues).
    @Test func exitPathsSpellTheTokens() throws {
        guard let vocab = SmolVocab.required() else { return }
        var loop = ByteSet()
        loop.insert(0x20...0x7E)
        let entry = LoopTokens(loop: loop, utf8: true, node: 0, vocabulary: vocab)
        let paths = ExitPaths(exits: entry.exits, trie: vocab.trie)
        #expect(!entry.exits.isEmpty)
        let trie = vocab.trie
        for (i, k) in entry.exits.enumerated() {
            // The bytes from the root to the exit's child, read up the paths.
            var bytes: [UInt8] = [trie.childByte[Int(k)]]
            var p = Int(paths.exitParent[i])
            while p >= 0 {
                bytes.insert(paths.byte[p], at: 0)
                p = Int(paths.parent[p])
            }
            // Some token starts with those bytes: the one ending at or below the exit's child.
            var node = TokenTrie.child(Int(k))
            while trie.tokenStart[node] == trie.tokenStart[node + 1] { node = TokenTrie.child(Int(trie.childStart[node])) }
            let token = vocab.tokens[Int(trie.nodeTokens[Int(trie.tokenStart[node])])]
            #expect(Array(token.prefix(bytes.count)) == bytes, "exit \(k)")
        }
    }
}
