import Foundation
import Testing
@testable import Runtime

@Suite struct SubstringGrammarTests {
    /// The automaton against a brute-force search over every substring of random texts, and over
    /// random byte strings that mostly are not substrings.
    @Test func suffixAutomatonAcceptsExactlyTheSubstrings() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let text = (0..<Int.random(in: 1...40, using: &rng)).map { _ in UInt8.random(in: 97...100, using: &rng) }
            let automaton = SuffixAutomaton(text)
            #expect(automaton.states.count <= max(2 * text.count - 1, 2))
            for _ in 0..<50 {
                let query = (0..<Int.random(in: 0...8, using: &rng)).map { _ in UInt8.random(in: 97...100, using: &rng) }
                let brute = query.isEmpty || (0...(text.count - min(query.count, text.count))).contains { start in
                    query.count <= text.count && Array(text[start..<(start + query.count)]) == query
                }
                #expect(automaton.contains(query) == brute, "\(text) \(query)")
            }
        }
    }

    static func grammar(_ sources: [String]) throws -> Grammar {
        let schema: JSONValue = ["type": "object", "properties": ["city": ["type": "string"], "unit": ["enum": ["c", "f"]]],
                                 "required": ["city"], "additionalProperties": false]
        return try JSONSchemaCompiler.compile(schema, options: .init(copySources: sources)).grammar
    }

    @Test func plainStringsAreCopiesOfTheSources() throws {
        let g = try Self.grammar(["Weather in Paris, France", "and \"Oslo\" \\ too\n"])
        for ok in [#"{"city":"Paris"}"#, #"{"city":"is, Fr"}"#, #"{"city":"W"}"#, #"{"city":"Weather in Paris, France"}"#,
                   #"{"city":"\"Oslo\""}"#, #"{"city":"\\ too\n"}"#, #"{"city":"Paris","unit":"f"}"#] {
            #expect(matches(g, ok), "\(ok)")
        }
        for bad in [#"{"city":"London"}"#, #"{"city":""}"#, #"{"city":"Paris France"}"#, #"{"city":"Oslo\\"}"#,
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
        let cut: [[UInt8]] = [Array("caf".utf8) + [e[0]], [e[1]] + Array(" ".utf8), [cup[1], cup[2]], [cup[0], cup[1]]]
        for bytes in cut {
            var m = GrammarMatcher(g)
            let text = Array("{\"city\":\"".utf8) + bytes + Array("\"}".utf8)
            #expect(!(m.accept(text) && m.isComplete), "\(bytes)")
        }
    }
}
