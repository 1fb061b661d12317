import Foundation
import Testing
import TestSupport

@testable import Runtime

/// Hostile templates: each must fail with a `JinjaError` of the expected kind, without crashing,
/// hanging or touching anything outside the render.
@Suite struct JinjaSandboxTests {
    static let context: [String: JSONValue] = ["messages": [["role": "user", "content": "hi"]], "s": "x"]

    static func render(_ source: String, limits: JinjaLimits = JinjaLimits()) -> Result<String, JinjaError> {
        Result { () throws(JinjaError) -> String in
            try JinjaTemplate(source: source).render(context, limits: limits)
        }
    }

    static func expectFailure(_ source: String, _ kind: JinjaError.Kind, limits: JinjaLimits = JinjaLimits(),
                              sourceLocation: SourceLocation = #_sourceLocation) {
        let start = ContinuousClock.now
        let result = render(source, limits: limits)
        let elapsed = ContinuousClock.now - start
        switch result {
        case .success(let text):
            Issue.record("expected a \(kind) error, rendered \(text.prefix(80).debugDescription)", sourceLocation: sourceLocation)
        case .failure(let error):
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
        }
        print("sandbox: \(source.prefix(60).debugDescription) failed in \(elapsed)")
    }

    @Test(arguments: [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ self._TemplateReference__context }}",
        "{{ messages.__class__.__base__.__subclasses__() }}",
        "{{ raise_exception.__globals__ }}",
        "{{ namespace.__init__ }}",
        "{{ s['__class__'] }}",
        "{{ messages[0]._private }}",
        "{% set ns = namespace() %}{% set ns.__dict__ = 1 %}",
        "{{ s | attr('__class__') }}",
        "{{ messages.append(1) }}",
        "{{ messages.pop() }}",
        "{{ messages[0].update({'role': 'x'}) }}",
        "{{ messages[0].clear() }}",
    ])
    func privateAndMutatingAccessIsRefused(source: String) {
        Self.expectFailure(source, .security)
    }

    @Test(arguments: [
        "{% include 'secrets.txt' %}",
        "{% import 'other.jinja' as other %}",
        "{% from 'other.jinja' import m %}",
        "{% extends 'base.jinja' %}",
        "{% block body %}{% endblock %}",
    ])
    func templatesCannotLoadOtherTemplates(source: String) {
        Self.expectFailure(source, .syntax)
    }

    @Test(arguments: [
        "{{ range(10 ** 9) | length }}",
        "{{ range(0, 10 ** 12, 2) | list }}",
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}{{ r(0) }}",
        "{% macro a(n) %}{{ b(n) }}{% endmacro %}{% macro b(n) %}{{ a(n) }}{% endmacro %}{{ a(0) }}",
        "{{ 'a' * 10 ** 12 }}",
        "{{ 10 ** 12 * 'ab' }}",
        "{{ [1, 2] * 10 ** 12 }}",
        "{% set ns = namespace(s='ab') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "{% set ns = namespace(s='ab') %}{% for i in range(100) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
        "{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}",
        "{{ ('x' * 1000000) | replace('x', 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy') }}",
        "{{ 2 ** 100 }}",
        "{{ 9223372036854775807 + 1 }}",
    ])
    func resourceBombsHitLimits(source: String) {
        Self.expectFailure(source, .limit)
    }

    @Test func deepNestingIsRefusedBeforeTheStackOverflows() {
        Self.expectFailure("{{ " + String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000) + " }}", .limit)
        Self.expectFailure(String(repeating: "{% if true %}", count: 10_000) + String(repeating: "{% endif %}", count: 10_000), .limit)
        Self.expectFailure("{{ " + String(repeating: "not ", count: 100_000) + "1 }}", .limit)
        Self.expectFailure("{{ " + String(repeating: "-", count: 100_000) + "1 }}", .limit)
        Self.expectFailure("{{ " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + " }}", .limit)
    }

    @Test func smallLimitsAreEnforcedExactly() {
        let limits = JinjaLimits(maxOutputBytes: 10, maxSteps: 50, maxCallDepth: 3, maxRange: 5)
        #expect((try? Self.render("0123456789", limits: limits).get()) == "0123456789")
        Self.expectFailure("0123456789x", .limit, limits: limits)
        Self.expectFailure("{{ range(6) | length }}", .limit, limits: limits)
        #expect((try? Self.render("{{ range(5) | length }}", limits: limits).get()) == "5")
        Self.expectFailure("{% for i in range(5) %}{% for j in range(5) %}{% for k in range(5) %}{% endfor %}{% endfor %}{% endfor %}", .limit, limits: limits)
        let recursion = "{% macro r(n) %}{% if n > 0 %}{{ r(n - 1) }}{% endif %}{% endmacro %}"
        #expect((try? Self.render(recursion + "{{ r(2) }}", limits: limits).get()) == "")
        Self.expectFailure(recursion + "{{ r(3) }}", .limit, limits: limits)
    }

    @Test func failuresLeaveTheCallersValuesUntouched() throws {
        let messages: [JSONValue] = [["role": "user", "content": "hi"]]
        let template = try ChatTemplate(source: "{% set x = messages %}{{ x.append(1) }}")
        #expect(throws: JinjaError.self) { try template.render(messages: messages) }
        #expect(messages == [["role": "user", "content": "hi"]])
        // A namespace cannot leak between renders: each render starts from the same globals.
        let counter = try JinjaTemplate(source: "{% set ns = namespace(n=0) %}{% set ns.n = ns.n + 1 %}{{ ns.n }}")
        #expect(try counter.render([:]) == "1")
        #expect(try counter.render([:]) == "1")
    }

    @Test func raiseExceptionCarriesItsMessage() {
        switch Self.render("{{ raise_exception('Conversation roles must alternate') }}") {
        case .success: Issue.record("expected an error")
        case .failure(let error):
            #expect(error.kind == .raised)
            #expect(error.message == "Conversation roles must alternate")
            #expect(error.line == 1)
        }
    }

    /// Random edits of real templates: every variant either compiles and renders or fails with a
    /// `JinjaError`; none crashes or hangs.
    @Test func mutatedTemplatesFailCleanly() throws {
        let folder = TestPaths.shared.appendingPathComponent("templates")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jinja") }.sorted()
        try #require(!names.isEmpty)
        var random = SeededRandom(seed: 0x5EED_CAFE)
        let alphabet = Array("{}%#-+()[]'\".|,:=~*/ abcnotisinforifendsetmacro_0123\n")
        let limits = JinjaLimits(maxOutputBytes: 1 << 16, maxSteps: 20_000, maxCallDepth: 16, maxRange: 1000)
        let messages: [JSONValue] = [["role": "system", "content": "s"], ["role": "user", "content": "u"]]
        var compiled = 0, rendered = 0, total = 0
        for name in names {
            let source = Array(try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8))
            for _ in 0..<40 {
                var variant = source
                for _ in 0..<Int.random(in: 1...4, using: &random) where !variant.isEmpty {
                    let at = Int.random(in: 0..<variant.count, using: &random)
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0: variant.remove(at: at)
                    case 1: variant.insert(alphabet[Int.random(in: 0..<alphabet.count, using: &random)], at: at)
                    default: variant[at] = alphabet[Int.random(in: 0..<alphabet.count, using: &random)]
                    }
                }
                total += 1
                guard let template = try? ChatTemplate(source: String(variant)) else { continue }
                compiled += 1
                if (try? template.render(messages: messages, limits: limits)) != nil { rendered += 1 }
            }
        }
        print("jinja fuzz: \(total) variants, \(compiled) compiled, \(rendered) rendered, none crashed")
        #expect(total == names.count * 40)
    }
}
