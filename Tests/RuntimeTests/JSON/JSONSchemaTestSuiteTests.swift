import Foundation
import Testing
import TestSupport
@testable import Runtime

/// The official JSON-Schema-Test-Suite (draft 2020-12, `../shared/jsonschema/test-suite`): every
/// case is answered correctly or reported unsupported, never answered wrongly.
@Suite struct JSONSchemaTestSuiteTests {
    struct FileOutcome {
        var passed = 0, wrong = 0, unsupported = 0
        var wrongCases: [String] = []
    }

    static func run(_ url: URL) throws -> FileOutcome {
        let groups = try JSONValue(parsing: String(contentsOf: url, encoding: .utf8)).arrayValue ?? []
        var outcome = FileOutcome()
        for group in groups {
            guard let schema = group["schema"], let tests = group["tests"]?.arrayValue else { continue }
            let validator = JSONSchemaValidator(root: schema)
            for test in tests {
                guard let data = test["data"], let expected = test["valid"]?.boolValue else { continue }
                switch validator.validate(data) {
                case .valid where expected, .invalid where !expected: outcome.passed += 1
                case .unsupported: outcome.unsupported += 1
                default:
                    outcome.wrong += 1
                    outcome.wrongCases.append("\(group["description"]?.stringValue ?? "") / \(test["description"]?.stringValue ?? "")")
                }
            }
        }
        return outcome
    }

    @Test func neverAnswersWrongly() throws {
        let dir = TestPaths.shared.appendingPathComponent("jsonschema/test-suite")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(files.count > 40)
        var totals = FileOutcome()
        var lines: [String] = []
        for file in files {
            let o = try JSONSchemaTestSuiteTests.run(dir.appendingPathComponent(file))
            totals.passed += o.passed
            totals.wrong += o.wrong
            totals.unsupported += o.unsupported
            let status = o.wrong > 0 ? "WRONG" : o.unsupported == 0 ? "pass" : "partial"
            lines.append("\(status) \(file): \(o.passed) passed, \(o.unsupported) unsupported, \(o.wrong) wrong")
            #expect(o.wrong == 0, "\(file): \(o.wrongCases.prefix(4))")
        }
        print(lines.joined(separator: "\n"))
        print("test-suite total: \(totals.passed) passed, \(totals.unsupported) unsupported, \(totals.wrong) wrong")
        #expect(totals.passed > 800)
    }
}
