import Foundation
import Testing
import TestSupport

@testable import Runtime

/// One small template per filter, test, statement, method and whitespace rule
/// (`scripts/oracles/jinja_snippets.py`), rendered by Python jinja2 with Hugging Face's settings and
/// by us; outputs must match byte for byte, and where jinja2 fails we must fail too.
@Suite struct JinjaSnippetTests {
    static let snippets: [JSONValue] = {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("swiftllm-jinja-snippets-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        guard (try? Python.runOracle("render_templates.py", ["--snippets", out.path])) != nil,
              let data = try? Data(contentsOf: out.appendingPathComponent("snippets.json")),
              let cases = try? JSONValue(parsing: Array(data)).arrayValue
        else { return [] }
        return cases
    }()

    @Test func oracleProducedSnippets() {
        #expect(Self.snippets.count >= 120)
    }

    @Test(arguments: snippets.compactMap { $0["name"]?.stringValue })
    func snippetMatchesJinja2(name: String) throws {
        let snippet = try #require(Self.snippets.first { $0["name"]?.stringValue == name })
        let source = try #require(snippet["template"]?.stringValue)
        var context: [String: JSONValue] = [:]
        for (key, value) in snippet["context"]?.objectValue ?? JSONObject() { context[key] = value }
        let result = Result { () throws(JinjaError) -> String in
            try JinjaTemplate(source: source).render(context, now: ChatTemplateOracleTests.fixedNow,
                                                     timeZone: TimeZone(identifier: "UTC") ?? .current)
        }
        if let expected = snippet["output"]?.stringValue {
            #expect((try? result.get()) == expected, "\(result)")
        } else {
            #expect(throws: JinjaError.self, "jinja2: \(snippet["error"]?.stringValue ?? "")") { try result.get() }
        }
    }
}
