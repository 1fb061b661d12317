import TestSupport
import Foundation
import Testing
@testable import Runtime

/// Standard JSON (RFC 8259) written in GBNF, used to pit the matcher against Python's json module.
let jsonGBNF = #"""
    root   ::= ws value ws
    value  ::= object | array | string | number | "true" | "false" | "null"
    object ::= "{" ws ( member ( ws "," ws member )* ws )? "}"
    member ::= string ws ":" ws value
    array  ::= "[" ws ( value ( ws "," ws value )* ws )? "]"
    string ::= "\"" ( [^"\\\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} ) )* "\""
    number ::= "-"? ( "0" | [1-9] [0-9]* ) ( "." [0-9]+ )? ( [eE] [-+]? [0-9]+ )?
    ws     ::= [ \t\n\r]*   # any JSON whitespace
    """#

func matches(_ grammar: Grammar, _ text: String) -> Bool {
    var m = GrammarMatcher(grammar)
    return m.accept(Array(text.utf8)) && m.isComplete
}

@Suite struct GBNFTests {
    @Test func literalsAlternationAndRepetition() throws {
        let g = try Grammar(gbnf: #"root ::= ("ab" | "c")+ "!"? [x-z]{2,3}"#)
        for ok in ["abxy", "cabc!zzz", "c!xx"] { #expect(matches(g, ok), "\(ok)") }
        for bad in ["xy", "abx", "abxyzz", "ab!!xy", "abc"] { #expect(!matches(g, bad), "\(bad)") }
    }

    @Test func characterClassesAreCodePoints() throws {
        let g = try Grammar(gbnf: #"root ::= [^a-c\n] [é-ë] "\u00e9" "\x41" . "#)
        #expect(matches(g, "dêéA😀"))
        #expect(!matches(g, "aêéA😀"))
        #expect(!matches(g, "\nêéAx"))
        #expect(!matches(g, "dìéAx"))
    }

    @Test func multiLineRulesCommentsAndNesting() throws {
        let text = """
            # a comment
            root ::= item (
                "," item   # trailing comment
            )*
            item ::= "x"
                   | "(" root ")"
            """
        let g = try Grammar(gbnf: text)
        #expect(matches(g, "x,(x,(x)),x"))
        #expect(!matches(g, "x,(x"))
    }

    @Test(arguments: [
        ("root ::= \"a", 1, 12, "unterminated"),
        ("root ::= foo", 1, 10, "not defined"),
        ("root ::= \"a\"\nfoo := \"b\"", 2, 5, "'::='"),
        ("root ::= [b-a]", 1, 14, "out of order"),
        ("root ::= \"a\"{3,1}", 1, 17, "max below min"),
        ("root ::= ( \"a\"", 1, 15, "')'"),
        ("root ::= \"\\q\"", 1, 11, "escape"),
        ("x ::= \"a\"", 0, 0, "no 'root'"),
        ("root ::= root \"a\"", 0, 0, "left-recursive"),
        ("root ::= a\na ::= \"b\"? root", 0, 0, "left-recursive"),
    ])
    func errorsSayWhere(text: String, line: Int, column: Int, fragment: String) {
        do {
            _ = try Grammar(gbnf: text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.line == line && error.column == column, "\(error)")
            #expect(error.message.contains(fragment), "\(error)")
        }
    }

    @Test func rollbackAndForcedBytes() throws {
        var m = GrammarMatcher(try Grammar(gbnf: #"root ::= "{\"name\":" ("\"a\"" | "\"b\"") "}""#))
        #expect(m.forcedBytes() == Array(#"{"name":""#.utf8))
        let tookA = m.accept(Array(#"{"name":"a"#.utf8))
        #expect(tookA)
        #expect(m.forcedBytes() == Array(#""}"#.utf8))
        let tookX = m.accept(Array("x".utf8))
        #expect(!tookX)
        m.rollback()
        let tookB = m.accept(Array(#"{"name":"b"}"#.utf8))
        #expect(tookB)
        #expect(m.isComplete && !m.canContinue)
    }

    /// Mutated JSON documents: the JSON grammar accepts exactly what Python's json module accepts.
    @Test func jsonGrammarAgreesWithPython() throws {
        let g = try Grammar(gbnf: jsonGBNF)
        let seeds = [
            #" {"a" : [1, -2.5e+3, "x\"\u00e9\n"], "b":{"c":null}, "d":[true,false,[]]} "#,
            #"[0,-0.0,1E+2,"\ud83d\ude00","é",{}]"#,
        ]
        let alphabet = Array(#"{}[]:,"\-+.eE0123456789tfnulrasx \u"#.utf8) + [0x00, 0x0A, 0x09, 0xC3, 0xA9, 0xFF, 0x7F]
        var rng = SeededRandom(seed: 11)
        var cases: [[UInt8]] = seeds.map { Array($0.utf8) }
        for seed in seeds {
            let bytes = Array(seed.utf8)
            for _ in 0..<400 {
                var m = bytes
                for _ in 0..<Int.random(in: 1...2, using: &rng) where !m.isEmpty {
                    switch Int.random(in: 0..<4, using: &rng) {
                    case 0: m = Array(m.prefix(Int.random(in: 0...m.count, using: &rng)))
                    case 1: m[Int.random(in: 0..<m.count, using: &rng)] = alphabet.randomElement(using: &rng) ?? 0
                    case 2: m.insert(alphabet.randomElement(using: &rng) ?? 0, at: Int.random(in: 0...m.count, using: &rng))
                    default: m.remove(at: Int.random(in: 0..<m.count, using: &rng))
                    }
                }
                cases.append(m)
            }
        }
        let output = try runPythonOracle("json_accepts.py", input: cases.map(\.hexString).joined(separator: "\n") + "\n")
        let verdicts = output.split(separator: "\n").map { $0 == "1" }
        #expect(verdicts.count == cases.count)
        var disagreements: [String] = []
        for (bytes, pythonAccepts) in zip(cases, verdicts) {
            var m = GrammarMatcher(g)
            let ours = m.accept(bytes) && m.isComplete
            if ours != pythonAccepts { disagreements.append(String(decoding: bytes, as: UTF8.self)) }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
        #expect(verdicts.filter { $0 }.count > 10 && verdicts.filter { !$0 }.count > 10)
    }

    /// Random GBNF-ish text never crashes the parser (errors are fine).
    @Test func fuzzedGrammarTextNeverCrashes() {
        let pieces = ["root", " ::= ", "\"a\"", "[", "]", "^", "-", "(", ")", "|", "*", "+", "?", "{2,", "}",
                      "\\", "x", "\n", "#", " ", ".", "\"", "b ::= ", "b", "\\x4", "é", "{", "3", ","]
        var rng = SeededRandom(seed: 5)
        for _ in 0..<3000 {
            let text = (0..<Int.random(in: 1..<14, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined()
            if let g = try? Grammar(gbnf: text) {
                var m = GrammarMatcher(g)
                _ = m.accept(Array("aab".utf8))
            }
        }
    }
}
