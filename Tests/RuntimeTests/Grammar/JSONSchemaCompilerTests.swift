import TestSupport
import Foundation
import Testing
@testable import Runtime

func schemaGrammar(_ text: String, _ options: JSONSchemaCompiler.Options = .init()) throws -> Grammar {
    try JSONSchemaCompiler.compile(text: text, options: options).grammar
}

/// Every schema's grammar accepts exactly the instances Python `jsonschema` calls valid.
func expectAgreementWithPython(_ schemas: [String], _ instances: [String], options: JSONSchemaCompiler.Options = .init()) throws {
    var lines: [String] = []
    var ours: [Bool] = []
    for schema in schemas {
        let g = try schemaGrammar(schema, options)
        for instance in instances {
            lines.append("[\(schema),\(instance)]")
            ours.append(matches(g, instance))
        }
    }
    let verdicts = try runPythonOracle("jsonschema_valid.py", input: lines.joined(separator: "\n") + "\n").split(separator: "\n")
    #expect(verdicts.count == lines.count)
    for (i, v) in verdicts.enumerated() where (v == "1") != ours[i] { Issue.record("grammar says \(ours[i]) for \(lines[i])") }
}

@Suite struct JSONSchemaCompilerTests {
    @Test func propertiesFollowSchemaOrderAndRequired() throws {
        let g = try schemaGrammar(#"{"type":"object","properties":{"b":{"type":"integer"},"a":{"type":"string"}},"required":["a"],"additionalProperties":false}"#)
        #expect(matches(g, #"{"b":1,"a":"x"}"#))
        #expect(matches(g, #"{"a":"x"}"#))
        #expect(!matches(g, #"{"a":"x","b":1}"#))
        #expect(!matches(g, #"{"b":1}"#))
        #expect(!matches(g, #"{"a":"x","c":1}"#))
        #expect(!matches(g, #"{ "a":"x"}"#))
    }

    @Test func additionalPropertiesExcludeDeclaredNames() throws {
        let g = try schemaGrammar(#"{"type":"object","properties":{"id":{"type":"integer"}},"additionalProperties":{"type":"boolean"}}"#)
        #expect(matches(g, #"{"id":1,"idx":true,"i":false}"#))
        #expect(matches(g, #"{"other":true}"#))
        #expect(!matches(g, #"{"id":1,"id":true}"#))
        #expect(!matches(g, #"{"x":1}"#))
    }

    @Test func integerRangesMatchArithmetic() throws {
        var rng = SeededRandom(seed: 3)
        for _ in 0..<25 {
            let a = Int.random(in: -150...150, using: &rng), b = Int.random(in: -150...150, using: &rng)
            let lo = min(a, b), hi = max(a, b)
            let exclusive = Bool.random(using: &rng)
            let schema = exclusive
                ? #"{"type":"integer","exclusiveMinimum":\#(lo),"maximum":\#(hi)}"#
                : #"{"type":"integer","minimum":\#(lo),"exclusiveMaximum":\#(hi)}"#
            let g = try schemaGrammar(schema)
            for n in -200...200 {
                let inRange = exclusive ? (n > lo && n <= hi) : (n >= lo && n < hi)
                #expect(matches(g, String(n)) == inRange, "\(schema) on \(n)")
            }
            #expect(!matches(g, "-0") && !matches(g, "01"))
        }
    }

    @Test func numberRangesMatchArithmetic() throws {
        let g = try schemaGrammar(#"{"type":"number","exclusiveMinimum":-2,"maximum":3}"#)
        let samples = ["-2", "-1.99", "-2.0", "-2.01", "0", "-0.5", "3", "3.0", "3.01", "2.999", "10", "0.0", "-1"]
        for s in samples {
            let v = Double(s) ?? 0
            #expect(matches(g, s) == (v > -2 && v <= 3), "\(s)")
        }
        let multiples = try schemaGrammar(#"{"type":"integer","multipleOf":7}"#)
        for n in -50...50 { #expect(matches(multiples, String(n)) == (n % 7 == 0), "\(n)") }
    }

    @Test func refsRecursionAndOneOf() throws {
        let g = try schemaGrammar(##"{"$defs":{"t":{"type":"object","properties":{"kids":{"type":"array","items":{"$ref":"#/$defs/t"}}},"additionalProperties":false}},"$ref":"#/$defs/t"}"##)
        #expect(matches(g, #"{"kids":[{},{"kids":[{"kids":[]}]}]}"#))
        #expect(!matches(g, #"{"kids":[1]}"#))
        let exclusive = try schemaGrammar(#"{"type":"object","oneOf":[{"required":["a"]},{"required":["b"]}]}"#)
        #expect(matches(exclusive, #"{"a":1}"#) && matches(exclusive, #"{"b":1}"#))
        #expect(!matches(exclusive, #"{"a":1,"b":2}"#) && !matches(exclusive, "{}"))
    }

    @Test(arguments: [
        (#"{"type":"array","uniqueItems":true}"#, "#/uniqueItems"),
        (#"{"properties":{"a":{"not":{"minLength":2}}}}"#, "#/properties/a/not"),
        (#"{"not":{"type":"integer"}}"#, "#/not"),
        (#"{"type":"array","contains":{"type":"integer"},"maxContains":2}"#, "#/contains"),
        (#"{"type":"array","maxItems":3,"contains":{"type":"integer"}}"#, "#/contains"),
        (#"{"oneOf":[{"type":"string"},{"minLength":2}]}"#, "#/oneOf"),
        (#"{"$ref":"other.json#/x"}"#, "#/$ref"),
        (#"{"type":"string","format":"iri"}"#, "#/format"),
    ])
    func unsupportedKeywordsNameThemselves(schema: String, pointer: String) throws {
        do {
            _ = try JSONSchemaCompiler.compile(text: schema)
            Issue.record("compiled \(schema)")
        } catch {
            #expect(error.pointer == pointer, "\(error)")
        }
        if !schema.contains("$ref") {
            let lenient = try JSONSchemaCompiler.compile(text: schema, options: .init(lenient: true))
            #expect(!lenient.warnings.isEmpty)
        }
    }

    /// `not` over types compiles to the other types; every verdict agrees with Python `jsonschema`.
    @Test func notTypeAgreesWithPython() throws {
        let schemas = [
            #"{"not":{"type":"string"}}"#, #"{"not":{"type":["null","boolean","object"]}}"#, #"{"not":{"type":"number"}}"#,
            #"{"type":["string","number"],"not":{"type":"number"}}"#,
            #"{"allOf":[{"not":{"type":"array"}},{"not":{"type":"object","title":"x"}}]}"#,
            #"{"properties":{"a":{"not":{"type":"null"}}}}"#, #"{"not":true}"#, #"{"not":false}"#,
            #"{"anyOf":[{"not":{"type":"string"}},{"type":"string","maxLength":1}]}"#,
            ##"{"$defs":{"s":{"type":"string"}},"not":{"$ref":"#/$defs/s"}}"##,
        ]
        let instances = ["null", "true", "0", "-3", "1.0", "2.5", "1e2", #""a""#, #""ab""#, "[]", "[1]", "{}", #"{"a":1}"#, #"{"a":null}"#]
        try expectAgreementWithPython(schemas, instances)
    }

    /// With `integralSpellings` (what `SchemaConformance` checks with), `integer` takes every
    /// spelling of an integral value Python `jsonschema` takes, but for a fraction an exponent
    /// cancels, negative exponents and exponents under bounds (listed apart below); without it,
    /// plain digits only.
    @Test func integralSpellingsAgreeWithPython() throws {
        let instances = ["2", "2.0", "-7.00", "0.0", "2.5", "120.0", "121.0", "-3.0", "-4", "15.0", "15.1", "\"2\"", "null"]
        let exponents = ["1e3", "25.0E+2", "1E2", "-2e1", "1.0e0"]
        try expectAgreementWithPython([#"{"type":"integer"}"#, #"{"type":["integer","string"]}"#], instances + exponents,
                                      options: .init(integralSpellings: true))
        // Bounds and multipleOf: zero fractions only (an exponent would escape the range grammar).
        try expectAgreementWithPython([#"{"type":"integer","minimum":-3,"maximum":120}"#, #"{"type":"integer","multipleOf":5}"#],
                                      instances, options: .init(integralSpellings: true))
        let plain = try schemaGrammar(#"{"type":"integer"}"#)
        #expect(matches(plain, "2") && !matches(plain, "2.0") && !matches(plain, "1e3"))
        // The spellings still refused (an exponent cancelling a fraction, a negative exponent),
        // though validators count them as integers.
        let spelled = try schemaGrammar(#"{"type":"integer"}"#, .init(integralSpellings: true))
        #expect(!matches(spelled, "1.5e1") && !matches(spelled, "100e-2"))
        #expect(!matches(try schemaGrammar(#"{"type":"integer","maximum":120}"#, .init(integralSpellings: true)), "1e2"))
        // Draft 4 counts 2.0 as a number, not an integer (Python's Draft4Validator agrees).
        let draft4 = try schemaGrammar(##"{"$schema":"http://json-schema.org/draft-04/schema#","type":"integer"}"##, .init(integralSpellings: true))
        #expect(matches(draft4, "2") && !matches(draft4, "2.0"))
    }

    /// A pattern every key matches (`.*`) makes `additionalProperties` moot: with `false` next to
    /// it, members are still allowed (a draft-04 JSON-LD schema with `@`-keys was refused wrongly).
    @Test func universalPatternPropertiesAgreeWithPython() throws {
        let schemas = [
            #"{"type":"object","patternProperties":{".*":{"type":"object"}},"additionalProperties":false}"#,
            ##"{"id":"#","type":"object","patternProperties":{".*":{"type":"object","properties":{"@id":{"type":"string"}}}},"additionalProperties":false}"##,
            #"{"patternProperties":{"^.*$":{"type":"string"}},"properties":{"a":{"maxLength":1}},"additionalProperties":{"type":"number"}}"#,
            #"{"patternProperties":{".*":{"type":"string"}},"additionalProperties":false}"#,
        ]
        let instances = ["{}", #"{"g":{}}"#, #"{"@graph":{"@id":"x"}}"#, #"{"@graph":{"@id":1}}"#, #"{"a":"x"}"#, #"{"a":"xy"}"#,
                         #"{"b":1}"#, #"{"b":"long"}"#, #"{"a":"x","@b":"y"}"#, "[]"]
        try expectAgreementWithPython(schemas, instances)
    }

    /// `oneOf` whose branch is an `allOf` (a `$ref` to a tagged object plus a refinement, as in
    /// WashingtonPost's ANS schemas) is disjoint through its parts; a patternProperties member
    /// whose schema is refused reports its own reason. Every verdict agrees with Python `jsonschema`.
    @Test func oneOfThroughAllOfPartsAgreesWithPython() throws {
        let tagged = ##"{"definitions":{"section":{"type":"object","additionalProperties":false,"properties":{"type":{"enum":["section"]},"name":{"type":"string"}},"required":["type","name"]},"reference":{"type":"object","additionalProperties":false,"properties":{"type":{"enum":["reference"]},"referent":{"type":"object","properties":{"kind":{"type":"string"}}}},"required":["type","referent"]}},"oneOf":[{"$ref":"#/definitions/section"},{"allOf":[{"$ref":"#/definitions/reference"},{"properties":{"referent":{"properties":{"kind":{"enum":["section"]}}}}}]}]}"##
        let instances = [#"{"type":"section","name":"World"}"#, #"{"type":"reference","referent":{"kind":"section"}}"#,
                         #"{"type":"reference","referent":{"kind":"story"}}"#, #"{"type":"reference","referent":{}}"#,
                         #"{"type":"section"}"#, #"{"type":"story","name":"x"}"#, #"{"type":"section","name":"x","referent":{}}"#, "{}"]
        try expectAgreementWithPython([tagged], instances)
        // A closed object merged with objects that declare or require other names (WashingtonPost's
        // `redirect` under a `.*` patternProperties of an anyOf): those names cannot appear.
        let closedMerge = ##"{"type":"object","properties":{"redirect":{"type":"array","items":{"type":"object","additionalProperties":false,"properties":{"type":{"enum":["redirect"]},"url":{"type":"string"}},"required":["type"]}}},"patternProperties":{".*":{"type":"array","items":{"anyOf":[{"type":"object","additionalProperties":{},"properties":{"url":{"type":"string","maxLength":3},"body":{"type":"string"}}},{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}]}}}}"##
        let closedInstances = [#"{"redirect":[{"type":"redirect"}]}"#, #"{"redirect":[{"type":"redirect","url":"abc"}]}"#,
                               #"{"redirect":[{"type":"redirect","url":"abcd"}]}"#, #"{"redirect":[{"type":"redirect","body":"x"}]}"#,
                               #"{"redirect":[{"type":"redirect","id":"x"}]}"#, #"{"other":[{"id":"x"}]}"#, #"{"other":[{"url":"abcd"}]}"#,
                               #"{"other":[{"id":1}]}"#, #"{"redirect":[]}"#, #"{"redirect":[1]}"#]
        try expectAgreementWithPython([closedMerge], closedInstances)
        // Overlapping parts stay refused: both branches allow {"a": 1}.
        let overlapping = #"{"oneOf":[{"type":"object","properties":{"a":{"type":"integer"}}},{"allOf":[{"type":"object"},{"required":["a"]}]}]}"#
        #expect(throws: JSONSchemaError.self) { try JSONSchemaCompiler.compile(text: overlapping) }
        let refusedValue = #"{"type":"object","patternProperties":{"^[a-z]+$":{"not":{"minimum":3}}},"properties":{"by":{"type":"string"}}}"#
        #expect {
            try JSONSchemaCompiler.compile(text: refusedValue)
        } throws: { error in
            !"\(error)".contains("automaton states")
        }
    }

    /// `contains` (no upper bounds, `minContains` 0 or 1): every verdict agrees with Python `jsonschema`.
    @Test func containsAgreesWithPython() throws {
        let schemas = [
            #"{"type":"array","contains":{"type":"integer"}}"#, #"{"type":"array","items":{"type":"number"},"contains":{"minimum":5}}"#,
            #"{"contains":{"const":"x"},"minContains":1}"#, #"{"type":"array","contains":{"type":"string"},"minContains":0}"#,
            #"{"type":"array","items":{"type":"string"},"contains":{"type":"integer"}}"#,
            #"{"type":"array","minItems":1,"items":{"enum":["a","b",1]},"contains":{"type":"string","maxLength":1}}"#,
            #"{"type":"object","properties":{"l":{"type":"array","contains":{"type":"object","required":["k"]}}},"required":["l"]}"#,
        ]
        let instances = [
            "[]", "[1]", #"["a"]"#, #"[1,"a"]"#, #"["a",1]"#, #"["a","b"]"#, "[5.5]", "[1,6]", "[1,2]", #"["x"]"#,
            #"[null,"x",3]"#, #""x""#, "3", #"{"l":[]}"#, #"{"l":[{"k":1}]}"#, #"{"l":[1,{"j":2},{"k":null}]}"#, #"{"l":[{}]}"#,
        ]
        try expectAgreementWithPython(schemas, instances)
        // No array can start that cannot finish (no string item is an integer).
        var m = GrammarMatcher(try schemaGrammar(schemas[4]))
        let started = m.accept(Array(#"["a""#.utf8))
        #expect(!started)
    }

    /// `uniqueItems` over a few enumerated scalars: every verdict agrees with Python `jsonschema`.
    /// (Instances are in the compact forms the grammar writes: `0.0` for `const: 0` is not one,
    /// with or without `uniqueItems`.)
    @Test func uniqueEnumItemsAgreeWithPython() throws {
        let schemas = [
            #"{"type":"array","uniqueItems":true,"items":{"enum":["a","b","c"]}}"#,
            #"{"type":"array","uniqueItems":true,"minItems":2,"maxItems":2,"items":{"enum":[1,"1",true,null]}}"#,
            #"{"uniqueItems":true,"items":{"type":"string","enum":["a",1,"b"]},"minItems":1}"#,
            #"{"type":"array","uniqueItems":true,"items":{"const":0}}"#,
            #"{"type":"array","uniqueItems":true,"items":{"type":"string","enum":["a",1]},"minItems":2}"#,
        ]
        let instances = [
            "[]", #"["a"]"#, #"["a","b"]"#, #"["b","a","c"]"#, #"["a","a"]"#, #"["a","b","a"]"#, #"[1,"1"]"#, #"[1,1]"#,
            #"[true,null]"#, #"[null,1,true]"#, "[1]", "[0]", "[0,0]", #""a""#,
        ]
        try expectAgreementWithPython(schemas, instances)
        // No arrays can start that cannot finish (a value of the wrong type does not count).
        var m = GrammarMatcher(try schemaGrammar(#"{"type":"array","uniqueItems":true,"items":{"type":"string","enum":["a",1]},"minItems":2}"#))
        let started = m.accept(Array(#"["a""#.utf8))
        #expect(!started)
        for unsupported in [#"{"type":"array","uniqueItems":true,"items":{"enum":[1,2,3,4,5,6]}}"#,
                            #"{"type":"array","uniqueItems":true,"items":{"enum":[[1],[2]]}}"#,
                            #"{"type":"array","uniqueItems":true,"items":{"enum":[1,1.0]}}"#] {
            #expect(throws: JSONSchemaError.self) { try schemaGrammar(unsupported) }
        }
    }

    @Test func flexibleWhitespaceIsBounded() throws {
        let g = try schemaGrammar(#"{"type":"object","properties":{"a":{"type":"array","items":{"type":"integer"}}}}"#,
                                  .init(whitespace: .flexible(maxRun: 2)))
        #expect(matches(g, "{ \"a\" : [ 1 ,\n2 ] }"))
        #expect(!matches(g, "{   \"a\":[1]}"))
    }

    @Test func formatsAreExact() throws {
        let g = try schemaGrammar(#"{"type":"string","format":"date"}"#)
        #expect(matches(g, #""2024-02-29""#) && !matches(g, #""2023-02-29""#) && !matches(g, #""2024-04-31""#))
        let uuid = try schemaGrammar(#"{"type":"string","format":"uuid"}"#)
        #expect(matches(uuid, #""123e4567-e89b-12d3-a456-426614174000""#) && !matches(uuid, #""123e4567""#))
    }
}
