import Foundation
import Testing
@testable import Runtime

@Suite struct SubstringGrammarTests {
    /// The trie against a brute-force list of every span (word start to word end or punctuation)
    /// of random texts, and against random strings that mostly are not spans.
    @Test func spanTrieHoldsExactlyTheSpans() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("ab ,.".utf8)
        for _ in 0..<200 {
            let text = (0..<Int.random(in: 1...30, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? 97 }
            let maxLength = Int.random(in: 1...12, using: &rng)
            let trie = SpanTrie([text], maxLength: maxLength)
            var spans = Set<[UInt8]>()
            for i in text.indices where SpanTrie.mayStart(text, at: i) {
                for j in i..<min(text.count, i + maxLength) where SpanTrie.mayEnd(text, after: j) { spans.insert(Array(text[i...j])) }
            }
            for span in spans { #expect(trie.contains(span), "\(text) \(span)") }
            for _ in 0..<50 {
                let query = (0..<Int.random(in: 0...8, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? 97 }
                #expect(trie.contains(query) == spans.contains(query), "\(text) \(query)")
            }
        }
        // The rules themselves on a plain sentence.
        let words = SpanTrie([Array("Go to St. Louis, MO now".utf8)], maxLength: 100)
        for ok in ["Go", "to St.", "St", "St.", "Louis", "Louis,", "MO", "Louis, MO", ","] { #expect(words.contains(Array(ok.utf8)), "\(ok)") }
        for bad in ["G", "ouis", "Louis ", " Louis", "", "o to"] { #expect(!words.contains(Array(bad.utf8)), "\(bad)") }
    }

    static func grammar(_ sources: [String]) throws -> Grammar {
        let schema: JSONValue = ["type": "object", "properties": ["city": ["type": "string"], "unit": ["enum": ["c", "f"]]],
                                 "required": ["city"], "additionalProperties": false]
        return try JSONSchemaCompiler.compile(schema, options: .init(copySources: sources)).grammar
    }

    @Test func plainStringsAreCopiesOfTheSources() throws {
        let g = try Self.grammar(["Weather in Paris, France", "and \"Oslo\" \\ too\n"])
        for ok in [#"{"city":"Paris"}"#, #"{"city":"Paris, France"}"#, #"{"city":"Weather in Paris, France"}"#,
                   #"{"city":"\"Oslo\""}"#, #"{"city":"\\ too"}"#, #"{"city":"Paris","unit":"f"}"#] {
            #expect(matches(g, ok), "\(ok)")
        }
        for bad in [#"{"city":"London"}"#, #"{"city":""}"#, #"{"city":"W"}"#, #"{"city":"is, Fr"}"#, #"{"city":"too\n"}"#, #"{"city":"Paris France"}"#, #"{"city":"Oslo\\"}"#,
                    #"{"city":"ParisOslo"}"#, #"{"city":"Paris","unit":"k"}"#] {
            #expect(!matches(g, bad), "\(bad)")
        }
        // Without sources, any string.
        let free = try Self.grammar([])
        #expect(matches(free, #"{"city":"London"}"#))
    }

    /// A copy never starts or stops inside a multi-byte character, so it is always valid UTF-8.
    @Test func copiesKeepWholeCharacters() throws {
        let g = try Self.grammar(["café ☕ noir"])
        #expect(matches(g, "{\"city\":\"café\"}"))
        #expect(matches(g, "{\"city\":\"☕\"}"))
        let e = Array("é".utf8), cup = Array("☕".utf8)
        let cut: [[UInt8]] = [Array("caf".utf8) + [e[0]], [e[1]], [cup[1], cup[2]], [cup[0], cup[1]]]
        for bytes in cut {
            var m = GrammarMatcher(g)
            let text = Array("{\"city\":\"".utf8) + bytes + Array("\"}".utf8)
            #expect(!(m.accept(text) && m.isComplete), "\(bytes)")
        }
    }
}
