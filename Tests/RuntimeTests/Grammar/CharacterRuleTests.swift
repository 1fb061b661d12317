import Foundation
import Testing
@testable import Runtime

/// `GrammarMatcher.characterCheck`: the UTF-8 check answered from a character rule read once
/// with nothing below it, against the check that reads every character in its context
/// (`searchUTF8`), on every state that inputs with ASCII, two-, three- and four-byte characters
/// reach, in grammars where it applies and in grammars where it must not.
@Suite struct CharacterRuleTests {
    /// Inputs walked byte by byte from each grammar's start (a walk stops where a byte is refused).
    static let inputs = [
        #"{"name":"aé€😀\"b","note":"x€","zé":1,"o":"ü"}"#,
        #"["aé","€€","😀z"]"#,
        #""aé€😀 abcdefghijklmnopqrstuvwxyzéé€"#,
        #"{"when":"2024-01-02","n":1.5}"#,
        #"{"a":"ab","b":"xyz"}"#,
        #"{"income":1,"tax":[{"max_income":2,"rate":3,"é€":4}],"x":5}"#,
        #""aé€😀"#,
    ]

    /// Grammars GBNF cannot write (its classes are code points): a string of raw bytes, whose
    /// "character" ends after the lead byte; one whose two-byte character may end after the
    /// lead; and a character rule called from two places at once (two parents).
    static func byteLevelGrammars() throws -> [CompiledGrammar] {
        func string(_ item: GrammarExpr) throws -> CompiledGrammar {
            var b = GrammarBuilder()
            let root = b.ruleID("root")
            b.define(root, .sequence([.literal("\""), .repeated(item, min: 0, max: nil), .literal("\"")]))
            return CompiledGrammar(try b.build(root: root))
        }
        var printable = ByteSet(0x20...0x21)
        printable.insert(0x23...0x7F)
        let rawBytes = printable.union(ByteSet(0x80...0xFF))
        let cutShort = GrammarExpr.choice([
            .bytes(printable), .sequence([.bytes(ByteSet(0xC2...0xDF)), .optional(.bytes(ByteSet(0x80...0xBF)))]),
        ])
        return [try string(.bytes(rawBytes)), try string(cutShort),
                CompiledGrammar(try Grammar(gbnf: #"""
                    root ::= "\"" (c "x" | c "y") "\""
                    c ::= [^"\\]
                    """#))]
    }

    /// Every state the inputs reach, as cached ids of one matcher.
    static func states(_ compiled: CompiledGrammar) -> (GrammarMatcher, [Int32]) {
        var m = GrammarMatcher(compiled: compiled)
        let start = m.state
        var ids: Set<Int32> = [m.stateID(start)]
        for input in inputs {
            m.reset(to: start)
            for b in input.utf8 {
                guard m.accept([b]) else { break }
                ids.insert(m.stateID(m.state))
            }
        }
        return (m, ids.sorted())
    }

    /// Per state, the shortcut's verdict (where it gives one) for the state itself (a loop), its
    /// successors over a few ASCII bytes (a chain step) and the state it finds.
    static func compare(_ compiled: CompiledGrammar) -> (answered: Int, asked: Int) {
        let (m, ids) = states(compiled)
        var answered = 0, asked = 0
        for id in ids where m.hasStacks(id) {
            var targets: Set<Int32> = [id]
            for b in Array("a0\" ".utf8) where m.step(id, b) >= 0 { targets.insert(m.step(id, b)) }
            if let target = m.characterTarget(id) { targets.insert(target) }
            for to in targets.sorted() {
                asked += 1
                guard let verdict = m.characterCheck(from: id, to: to) else { continue }
                answered += 1
                #expect(verdict == m.searchUTF8(from: id, to: to), "state \(id) → \(to)")
            }
        }
        return (answered, asked)
    }

    /// On the schema and GBNF grammars of `FastMaskTests`, where strings call one character rule
    /// from each count and each key, the shortcut answers and agrees with the search.
    @Test func agreesWithTheSearch() throws {
        var answered = 0, asked = 0
        for compiled in try FastMaskTests.grammars() {
            let counts = CharacterRuleTests.compare(compiled)
            answered += counts.answered
            asked += counts.asked
        }
        #expect(asked > 200)
        #expect(answered > asked / 4, "answered \(answered) of \(asked)")
    }

    /// Where the lead byte alone may end the rule, or the character rule has two parents, the
    /// shortcut gives no answer; the fast mask still equals the reference there.
    @Test func declinesWhereItMustNot() throws {
        let vocab = FastMaskTests.utf8EdgeVocabulary()
        for (n, compiled) in try CharacterRuleTests.byteLevelGrammars().enumerated() {
            let (m, ids) = CharacterRuleTests.states(compiled)
            // Some state takes a lead byte, so there is something to decline.
            let leads = ids.filter { !m.allowedBytes(m.cachedState($0)).isDisjoint(with: ByteSet(0xC2...0xF4)) }
            #expect(!leads.isEmpty, "grammar \(n)")
            for id in ids { #expect(m.characterTarget(id) == nil, "grammar \(n), state \(id)") }
            let c = GrammarTokenConstraint(compiled: compiled, vocabulary: vocab)
            for text in [[0x22], [0x22, 0x61], [0x22, 0xC3], [0x22, 0xC3, 0xA9]] as [[UInt8]] {
                c.reset()
                guard text.allSatisfy({ c.accept(Int($0)) }) else { continue }
                #expect(c.mask() == c.referenceMask(), "grammar \(n) after \(text)")
            }
        }
    }

    /// A string with `maxLength`: every count's check is answered by the one character rule.
    @Test func boundedStringCountsShareOneRule() throws {
        let schema = try JSONValue(parsing: #"{"type":"string","maxLength":40}"#)
        let compiled = CompiledGrammar(try JSONSchemaCompiler.compile(schema).grammar)
        var m = GrammarMatcher(compiled: compiled)
        let opened = m.accept(Array("\"".utf8))
        #expect(opened)
        for count in 0..<40 {
            let id = m.stateID(m.state)
            let next = m.step(id, UInt8(ascii: "a"))
            let verdict = m.characterCheck(from: id, to: next)
            #expect(verdict == true, "count \(count)")
            let accepted = m.accept(Array((count % 2 == 0 ? "é" : "a").utf8))
            #expect(accepted)
        }
        #expect(m.arena.characterRules.count == 1)
    }
}
