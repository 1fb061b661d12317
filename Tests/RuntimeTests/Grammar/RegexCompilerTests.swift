import Foundation
import Testing
@testable import Runtime

@Suite struct RegexCompilerTests {
    static let patterns = [
        #"^[a-z]+\d{2,3}$"#, #"ab|cd"#, #"^(foo|bar)?baz$"#, #"^\w+@\w+\.com$"#, #"colou?r"#, #"^[^\s,]*$"#,
        #"^(\d{1,3}\.){3}\d{1,3}$"#, #"x*y+z?"#, #"^[A-Z][a-z]{0,4}(-[A-Z][a-z]{0,4})*$"#, #"^\S+$"#, #"\.json$"#,
        #"^[\u00e0-\u00ff]+$"#, #"^a.c$"#, #"^(?:ab)+$"#, #"[-+]?\d+"#, #"^$"#,
    ]
    static let texts = [
        "", "abc12", "abc1234", "ab", "cd", "xcdx", "baz", "foobaz", "barbaz", "foobarbaz", "me@site.com", "me@site.org",
        "color", "colour", "colr", "a,b", "ab", "192.168.0.1", "1.2.3", "yz", "xxy", "Ann-Bo", "ann", "Ann-", " x", "a.json",
        "àé", "aé", "abc", "a\nc", "abab", "aba", "+12", "-", "x", "é", "a c",
    ]

    /// Search semantics agree with Python's `re` on every pattern × text pair.
    @Test func agreesWithPythonRe() throws {
        var pairs: [(String, String)] = []
        for p in RegexCompilerTests.patterns { for t in RegexCompilerTests.texts { pairs.append((p, t)) } }
        let input = pairs.map { JSONValue.array([.string($0.0), .string($0.1)]).compactText }.joined(separator: "\n") + "\n"
        let verdicts = try runPythonOracle("regex_search.py", input: input).split(separator: "\n").map { $0 == "1" }
        #expect(verdicts.count == pairs.count)
        var disagreements: [String] = []
        for ((p, t), expected) in zip(pairs, verdicts) where JSONSchemaValidator.search(p, in: t) != expected {
            disagreements.append("\(p) on \(t.debugDescription)")
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(6))")
    }

    @Test(arguments: [#"(?=a)"#, #"a\1"#, #"\bword"#, #"a^b"#, #"(ab"#, #"*a"#, #"a{5,2}"#, #"\p{L}"#])
    func unsupportedOrInvalidPatternsAreErrors(pattern: String) {
        #expect(throws: RegexError.self) { try RegexCompiler.compile(pattern, encoding: .utf8) }
    }

    /// Inside JSON strings, characters that JSON escapes appear in their canonical escapes.
    @Test func jsonStringEncodingEscapes() throws {
        var builder = GrammarBuilder()
        let root = builder.ruleID("root")
        builder.define(root, try RegexCompiler.compile(#"^a"\\\n$"#, encoding: .jsonString))
        let g = try builder.build(root: root)
        #expect(matches(g, #"a\"\\\n"#))
        #expect(!matches(g, "a\"\\\n"))
    }
}
