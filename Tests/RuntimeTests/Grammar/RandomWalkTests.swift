import Foundation
import Testing
import TestSupport
@testable import Runtime

/// Random walks that sample only allowed tokens never hit a dead end, and every finished walk is
/// a JSON document valid under the schema (checked by Python `jsonschema` and our validator).
@Suite struct RandomWalkTests {
    static let handwritten = [
        ##"{"type":"object","properties":{"name":{"type":"string","minLength":2,"maxLength":8},"age":{"type":"integer","minimum":0,"maximum":130}},"required":["name"]}"##,
        ##"{"type":"array","items":{"type":"number","minimum":-5,"exclusiveMaximum":5},"minItems":1,"maxItems":4}"##,
        ##"{"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer","multipleOf":7},"next":{"anyOf":[{"type":"null"},{"$ref":"#/$defs/node"}]}},"required":["v","next"],"additionalProperties":false}},"$ref":"#/$defs/node"}"##,
        ##"{"type":"object","properties":{"when":{"type":"string","format":"date-time"},"id":{"type":"string","format":"uuid"},"ip":{"type":"string","format":"ipv4"}},"required":["when","id","ip"],"additionalProperties":false}"##,
        ##"{"type":"object","properties":{"code":{"type":"string","pattern":"^[A-Z]{3}-\\d{2,4}$"},"kind":{"enum":["a",1,null,[true]]}},"additionalProperties":{"type":"boolean"}}"##,
        ##"{"type":"array","prefixItems":[{"const":"move"},{"type":"integer","minimum":10,"maximum":99}],"items":false}"##,
        ##"{"oneOf":[{"type":"string","maxLength":3},{"type":"object","properties":{"x":{"type":"number"}},"required":["x"],"additionalProperties":false}]}"##,
        ##"{}"##,
    ]

    @Test func walksNeverDeadEndAndFinishValid() throws {
        guard let vocab = SmolVocab.required() else { return }
        var schemas = try RandomWalkTests.handwritten.map { try JSONValue(parsing: $0) }
        let files = try MaskBenchTests.files(prefix: "Glaiveai2K")
        for url in stride(from: 7, to: files.count, by: 170).map({ files[$0] }) {
            if let schema = try JSONValue(parsing: Array(try Data(contentsOf: url)))["schema"] { schemas.append(schema) }
        }
        var rng = SeededRandom(seed: 2024)
        var finished: [(JSONValue, String)] = []
        var deadEnds: [String] = []
        var unfinished = 0
        let closers = Set(Array("\"]}0".utf8))
        for schema in schemas {
            guard let grammar = try? JSONSchemaCompiler.compile(schema).grammar else { continue }
            let compiled = CompiledGrammar(grammar)
            for _ in 0..<2 {
                let c = GrammarTokenConstraint(compiled: compiled, vocabulary: vocab)
                var text: [UInt8] = []
                var done = false
                for step in 0..<300 {
                    let mask = c.mask()
                    if c.isComplete, step > 200 || Int.random(in: 0..<4, using: &rng) == 0 {
                        done = true
                        break
                    }
                    var allowed = mask.allowedTokens.filter { !c.isEOS($0) }
                    if allowed.isEmpty {
                        if !c.isComplete { deadEnds.append(String(decoding: text, as: UTF8.self)) }
                        done = c.isComplete
                        break
                    }
                    if step > 120 {
                        let closing = allowed.filter { vocab.tokens[$0].count == 1 && closers.contains(vocab.tokens[$0][0]) }
                        if !closing.isEmpty { allowed = closing }
                    }
                    let token = allowed[Int.random(in: 0..<allowed.count, using: &rng)]
                    #expect(c.accept(token))
                    text += vocab.tokens[token]
                }
                if done { finished.append((schema, String(decoding: text, as: UTF8.self))) } else { unfinished += 1 }
            }
        }
        #expect(deadEnds.isEmpty, "\(deadEnds.prefix(3))")
        #expect(finished.count >= 20, "finished \(finished.count), unfinished \(unfinished)")
        var lines: [String] = []
        for (schema, text) in finished {
            let instance = try JSONValue(parsing: text)
            let ours = JSONSchemaValidator(root: schema, assertFormat: true).validate(instance)
            #expect(ours == .valid || { if case .unsupported = ours { true } else { false } }(), "\(text): \(ours)")
            // The generated text, not a re-serialisation: huge exponents overflow Double, which
            // compactText would print as null.
            lines.append("[\(schema.compactText),\(text)]")
        }
        let verdicts = try runPythonOracle("jsonschema_valid.py", input: lines.joined(separator: "\n") + "\n").split(separator: "\n")
        #expect(verdicts.count == finished.count)
        for (i, v) in verdicts.enumerated() where v != "1" { Issue.record("python rejects: \(finished[i].1)") }
    }
}
