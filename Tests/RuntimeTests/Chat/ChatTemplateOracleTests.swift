import Foundation
import Testing
import TestSupport

@testable import Runtime

/// Every template in `../shared/templates` × the conversations of `scripts/oracles/render_templates.py`,
/// compared byte for byte with Python jinja2 under Hugging Face's settings.
@Suite struct ChatTemplateOracleTests {
    struct Case {
        let template: String
        let conversation: String
        let json: JSONValue
    }

    /// The oracle's cases, computed once for all suites that use them.
    static let oracleCases: [JSONValue] = (try? runOracle()) ?? []

    /// The jinja2 output for one template × conversation, nil when jinja2 failed.
    static func expectedOutput(template: String, conversation: String) -> String? {
        oracleCases.first { $0["template"]?.stringValue == template && $0["conversation"]?.stringValue == conversation }?["output"]?.stringValue
    }

    /// The conversation's input messages as the oracle used them.
    static func oracleMessages(_ conversation: String) -> [JSONValue] {
        oracleCases.first { $0["conversation"]?.stringValue == conversation }?["messages"]?.arrayValue ?? []
    }

    static let sharedTemplates = TestPaths.shared.appendingPathComponent("templates")
    /// The newer families' templates that only llama.cpp's sources carry (`scripts/fetch-vocab.sh`).
    static let fetchedTemplates = TestPaths.vocabCache.appendingPathComponent("templates")

    static func runOracle(_ directory: URL = sharedTemplates) throws -> [JSONValue] {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("swiftllm-chat-oracle-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        _ = try Python.runOracle("render_templates.py", [directory.path, out.path])
        let data = try Data(contentsOf: out.appendingPathComponent("cases.json"))
        return try JSONValue(parsing: Array(data)).arrayValue ?? []
    }

    /// The oracle's fixed "now" (2026-01-15 09:05:07), read in UTC on both sides.
    static let fixedNow = DateComponents(calendar: Calendar(identifier: .gregorian), timeZone: TimeZone(identifier: "UTC"),
                                         year: 2026, month: 1, day: 15, hour: 9, minute: 5, second: 7).date ?? Date()

    @Test func allTemplatesMatchJinja2() throws {
        #expect(Self.oracleCases.count >= 60 * 10)
        try Self.check(Self.oracleCases, directory: Self.sharedTemplates)
    }

    /// Qwen 3.5, SmolLM3 and Ministral 3 (from llama.cpp's `models/templates`).
    @Test func newerFamilyTemplatesMatchJinja2() throws {
        let cases = try Self.runOracle(Self.fetchedTemplates)
        let names = Set(cases.compactMap { $0["template"]?.stringValue })
        #expect(names == ["Qwen3.5-4B.jinja", "HuggingFaceTB-SmolLM3-3B.jinja", "mistralai-Ministral-3-14B-Reasoning-2512.jinja"])
        #expect(cases.count >= 3 * 10)
        try Self.check(cases, directory: Self.fetchedTemplates)
    }

    static func check(_ cases: [JSONValue], directory: URL) throws {
        var templates: [String: ChatTemplate] = [:]
        var compileErrors: [String: JinjaError] = [:]
        var passed = 0
        var renderTime = Duration.zero
        var rejectedByBoth = 0
        var failures: [String] = []
        for c in cases {
            let name = try #require(c["template"]?.stringValue)
            let conversation = c["conversation"]?.stringValue ?? "?"
            if templates[name] == nil && compileErrors[name] == nil {
                let source = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
                do { templates[name] = try ChatTemplate(source: source) } catch { compileErrors[name] = error }
            }
            let result: Result<String, JinjaError>
            let start = ContinuousClock.now
            defer { renderTime += ContinuousClock.now - start }
            if let template = templates[name] {
                result = Result { () throws(JinjaError) -> String in
                    try template.render(
                        messages: c["messages"]?.arrayValue ?? [], tools: c["tools"]?.arrayValue,
                        addGenerationPrompt: c["add_generation_prompt"]?.boolValue ?? true,
                        bosToken: c["bos_token"]?.stringValue ?? "", eosToken: c["eos_token"]?.stringValue ?? "",
                        now: fixedNow, timeZone: TimeZone(identifier: "UTC") ?? .current)
                }
            } else {
                result = .failure(compileErrors[name] ?? JinjaError(.syntax, "?"))
            }
            switch (result, c["output"]?.stringValue, c["error"]?.stringValue) {
            case (.success(let ours), .some(let expected), _) where ours == expected:
                passed += 1
            case (.failure, nil, .some):
                passed += 1
                rejectedByBoth += 1
            case (.success(let ours), .some(let expected), _):
                let prefix = zip(ours, expected).prefix { $0 == $1 }.count
                failures.append("\(name) × \(conversation): differs at char \(prefix): ours …\(ours.dropFirst(max(0, prefix - 40)).prefix(120).debugDescription) expected …\(expected.dropFirst(max(0, prefix - 40)).prefix(120).debugDescription)")
            case (.failure(let error), .some, _):
                failures.append("\(name) × \(conversation): we failed (\(error)) but jinja2 rendered")
            case (.success, nil, let expectedError):
                failures.append("\(name) × \(conversation): we rendered but jinja2 failed: \(expectedError ?? "?")")
            case (.failure(let error), nil, nil):
                failures.append("\(name) × \(conversation): oracle case has neither output nor error (\(error))")
            }
        }
        print("chat templates: \(passed)/\(cases.count) template × conversation cases match jinja2 "
              + "(\(passed - rejectedByBoth) rendered byte-identical, \(rejectedByBoth) rejected by both), \(templates.count + compileErrors.count) templates")
        print("chat templates: \(cases.count) renders took \(renderTime) in total")
        for failure in failures { print("MISMATCH", failure) }
        #expect(failures.isEmpty)
    }
}
