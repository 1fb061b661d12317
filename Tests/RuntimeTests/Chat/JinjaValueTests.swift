import Foundation
import Testing

@testable import Runtime

/// The interpreter's value type: JSON conversion, Python formatting, and the public template API.
@Suite struct JinjaValueTests {
    @Test func jsonRoundTripKeepsOrderAndNumberKinds() throws {
        let json = try JSONValue(parsing: #"{"z": 1, "a": [1.0, 2, null, true, "s"], "m": {"b": {}, "a": []}}"#)
        let value = JinjaValue(json)
        #expect(value.jsonValue == json)
        #expect(value.jsonValue?.compactText == json.compactText)
        #expect(JinjaValue.function(JinjaFunction("f") { _, _ in .none }).jsonValue == nil)
        #expect(JinjaValue.dict(JinjaDict([(.int(1), .none)])).jsonValue == nil)
    }

    @Test func pythonFloatRepr() {
        let cases: [(Double, String)] = [
            (1, "1.0"), (0.1, "0.1"), (1e16, "1e+16"), (1e15, "1000000000000000.0"), (1e-5, "1e-05"),
            (0.0001, "0.0001"), (-0.0, "-0.0"), (1.5e300, "1.5e+300"), (123456789.125, "123456789.125"),
            (.infinity, "inf"), (-.infinity, "-inf"), (2.5e-7, "2.5e-07"),
        ]
        for (value, text) in cases { #expect(JinjaValue.pythonFloatRepr(value) == text, "\(value)") }
        #expect(JinjaValue.double(.nan).pythonRepr == "nan")
    }

    @Test func pythonEqualityAcrossNumberKinds() {
        #expect(JinjaValue.int(1).pythonEquals(.double(1)))
        #expect(JinjaValue.bool(true).pythonEquals(.int(1)))
        #expect(!JinjaValue.string("1").pythonEquals(.int(1)))
        #expect(JinjaValue.list([.int(1)]).pythonEquals(.list([.double(1)])))
        #expect(!JinjaValue.list([.int(1)]).pythonEquals(.tuple([.int(1)])))
        #expect(JinjaValue.dict(JinjaDict([(.string("a"), .int(1)), (.string("b"), .int(2))]))
            .pythonEquals(.dict(JinjaDict([(.string("b"), .int(2)), (.string("a"), .int(1))]))))
    }

    @Test func templateSeesOnlyItsContextAndGlobals() throws {
        let template = try JinjaTemplate(source: "{{ x }}|{{ y is defined }}|{{ range is defined }}|{{ namespace is defined }}")
        #expect(try template.render(["x": 3]) == "3|False|True|True")
    }

    @Test func errorsCarryKindAndLine() {
        do {
            _ = try JinjaTemplate(source: "line1\n{% if %}")
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.kind == .syntax)
            #expect(error.line == 2)
            #expect(error.description.hasPrefix("syntax error (template line 2): "))
        }
        do {
            _ = try JinjaTemplate(source: "a\nb\n{{ 1 + 'x' }}").render([:])
            Issue.record("expected a type error")
        } catch {
            #expect(error.kind == .type)
            #expect(error.line == 3)
        }
    }
}
