import Foundation
import Testing
import TestSupport
@testable import Runtime

/// Conditions on which members are present (`oneOf`/`anyOf`/`not` of `required`, name-list
/// `dependencies`) and schemas that list their values beside keywords the compiler cannot express
/// (`not`, `if`, overlapping `oneOf`): every verdict agrees with Python `jsonschema`.
@Suite struct SchemaPresenceTests {
    /// Like `expectAgreementWithPython`, with each instance's members put in the order the
    /// grammar writes them (`SchemaConformance.canonicalOrder`) before matching.
    static func expectAgreement(_ schemas: [String], _ instances: [String]) throws {
        var lines: [String] = []
        var ours: [Bool] = []
        for schema in schemas {
            let g = try schemaGrammar(schema)
            let root = try JSONValue(parsing: Array(schema.utf8))
            for instance in instances {
                lines.append("[\(schema),\(instance)]")
                let value = try JSONValue(parsing: Array(instance.utf8))
                ours.append(matches(g, SchemaConformance.canonicalOrder(value, schema: root, root: root).compactText))
            }
        }
        let verdicts = try runPythonOracle("jsonschema_valid.py", input: lines.joined(separator: "\n") + "\n").split(separator: "\n")
        #expect(verdicts.count == lines.count)
        for (i, v) in verdicts.enumerated() where (v == "1") != ours[i] { Issue.record("grammar says \(ours[i]) for \(lines[i])") }
    }

    /// Objects with every subset of `names` (numbers as values), and a few non-objects.
    static func subsets(_ names: [String]) -> [String] {
        var out = ["1", #""x""#, "null", "[]"]
        for mask in 0..<(1 << names.count) {
            let members = names.enumerated().filter { mask & (1 << $0.offset) != 0 }.map { #""\#($0.element)":1"# }
            out.append("{" + members.joined(separator: ",") + "}")
        }
        return out
    }

    @Test func exactlyOneGroupOfMembers() throws {
        let names = ["radius", "length", "width", "base", "height"]
        let props = #""properties":{"radius":{"type":"number"},"length":{"type":"number"},"width":{"type":"number"},"base":{"type":"number"},"height":{"type":"number"}}"#
        try SchemaPresenceTests.expectAgreement([
            // Groups differing in more than one name (the Glaiveai2K calculate_area shape).
            #"{"type":"object",\#(props),"oneOf":[{"required":["radius"]},{"required":["length","width"]},{"required":["base","height"]}]}"#,
            // Overlapping groups, and no type: non-objects satisfy every branch, so none passes.
            #"{"oneOf":[{"required":["length"]},{"required":["length","width"]},{"required":["width","base"]}]}"#,
            // Branches with "not both" inside, next to a required name.
            #"{"type":"object",\#(props),"required":["radius"],"oneOf":[{"not":{"required":["base","height"]},"required":["length","width"]},{"not":{"required":["length","width"]},"required":["base","height"]}]}"#,
            // A top-level "not both" and anyOf of groups together; non-objects pass the not.
            #"{"not":{"required":["length","width"]},"anyOf":[{"required":["radius"]},{"required":["base"]}],"type":["object","integer"]}"#,
            // Name-list dependencies, more than four of them, one on a name no property lists.
            #"{"$schema":"http://json-schema.org/draft-07/schema#","type":"object",\#(props),"required":["radius"],"dependencies":{"length":["width"],"width":["length"],"base":["height","radius"],"height":["base"],"radius":["extra"]}}"#,
            #"{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","dependencies":{"length":["width"],"width":["base"],"base":["height"],"height":["radius"],"radius":["length"]}}"#,
            // Two nots merged by allOf.
            #"{"allOf":[{"not":{"required":["radius","base"]}},{"not":{"required":["length"]}}]}"#,
        ], SchemaPresenceTests.subsets(names) + [#"{"radius":1,"length":2,"width":3,"extra":4}"#])
    }

    @Test func listedValuesDecideEveryOtherKeyword() throws {
        try SchemaPresenceTests.expectAgreement([
            // MaskBench's Synthesized shape: an enum and a `not` of anything.
            #"{"allOf":[{"enum":[{"foo":1},{"foo":1,"bar":2},[1,2],"x"]},{"not":{"properties":{"bar":{}},"additionalProperties":false}}]}"#,
            #"{"enum":["a","b","c",1,2.5],"not":{"enum":["b",2.5]}}"#,
            #"{"enum":["abc","abd","xyz"],"not":{"pattern":"^ab"}}"#,
            // Overlapping oneOf of value lists: only values in exactly one branch.
            #"{"oneOf":[{"enum":["red","blue",3]},{"enum":["blue","green"]},{"const":3}]}"#,
            // if/then beside an enum.
            #"{"enum":[{"c":"ghi"},{"c":"ghi","a":1},{"c":"abc"}],"if":{"properties":{"c":{"const":"ghi"}}},"then":{"required":["a"]}}"#,
            // Disjoint by the listed values' types.
            #"{"oneOf":[{"type":"null"},{"enum":["GET","POST"]}]}"#,
        ], [#"{"foo":1}"#, #"{"foo":1,"bar":2}"#, "[1,2]", #""x""#, #""a""#, #""b""#, #""c""#, "1", "2.5", "2", #""abc""#,
            #""abd""#, #""xyz""#, #""red""#, #""blue""#, #""green""#, "3", #"{"c":"ghi"}"#, #"{"c":"ghi","a":1}"#,
            #"{"c":"abc"}"#, "null", #""GET""#, #""PUT""#])
    }
}
