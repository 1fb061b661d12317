import Foundation
import Runtime
import TestSupport
import Testing

/// `swiftllm run --json-schema / --grammar / --json`: output valid by construction, checked by
/// Python's `jsonschema` (an independent validator).
@Suite(.serialized) struct ConstrainedRunTests {
    static let schema = #"{"type": "object", "properties": {"city": {"type": "string", "minLength": 1, "maxLength": 24}, "days": {"type": "integer", "minimum": 1, "maximum": 7}, "unit": {"enum": ["celsius", "fahrenheit"]}}, "required": ["city", "days", "unit"], "additionalProperties": false}"#

    static func temporaryFile(_ text: String, _ suffix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swiftllm-\(UUID())\(suffix)")
        try Data(text.utf8).write(to: url)
        return url
    }

    static func validUnderJSONSchema(_ instance: String) throws -> Bool {
        let line = "[\(schema), \(instance)]\n"
        let verdict = try Python.runOracle("jsonschema_valid.py", [], stdin: Data(line.utf8))
        return String(decoding: verdict, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "1"
    }

    @Test(arguments: [["--temp", "0"], ["--temp", "1.0", "--seed", "7"], ["--temp", "1.5", "--seed", "11", "--top-k", "0", "--top-p", "1", "--min-p", "0"]])
    func jsonSchemaOutputValidates(_ sampling: [String]) throws {
        try #require(FileManager.default.fileExists(atPath: TestPaths.smolLM2.path), "run scripts/fetch-models.sh")
        let schemaFile = try Self.temporaryFile(Self.schema, ".json")
        defer { try? FileManager.default.removeItem(at: schemaFile) }
        let result = try CLI.run(["run", "-m", TestPaths.smolLM2.path, "-n", "96", "--json-schema", schemaFile.path]
                                 + sampling + ["Give the weather request for Paris over three days as JSON."])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.validUnderJSONSchema(result.text), "invalid: \(result.text)")
        _ = try JSONValue(parsing: result.text)
        // The grammar's own share of the decode time is reported beside the statistics.
        let grammar = result.stderr.split(separator: "\n").first { $0.hasPrefix("grammar: ") }
        #expect(grammar?.contains("ms decoding") == true, "\(result.stderr)")
    }

    @Test func truncatedOutputIsReported() throws {
        try #require(FileManager.default.fileExists(atPath: TestPaths.smolLM2.path), "run scripts/fetch-models.sh")
        let schemaFile = try Self.temporaryFile(Self.schema, ".json")
        defer { try? FileManager.default.removeItem(at: schemaFile) }
        let result = try CLI.run(["run", "-m", TestPaths.smolLM2.path, "-n", "3", "--temp", "0", "--json-schema", schemaFile.path, "Weather as JSON:"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("truncated"))
    }

    @Test func gbnfGrammar() throws {
        try #require(FileManager.default.fileExists(atPath: TestPaths.smolLM2.path), "run scripts/fetch-models.sh")
        let grammar = try Self.temporaryFile(#"root ::= ("yes" | "no") "." "#, ".gbnf")
        defer { try? FileManager.default.removeItem(at: grammar) }
        let result = try CLI.run(["run", "-m", TestPaths.smolLM2.path, "-n", "16", "--temp", "0", "--grammar", grammar.path, "Is Paris in France?"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.text == "yes." || result.text == "no.", "got: \(result.text)")
    }

    @Test func badSchemaFailsClearly() throws {
        let schemaFile = try Self.temporaryFile(#"{"type": "object", "not": {"minProperties": 2}}"#, ".json")
        defer { try? FileManager.default.removeItem(at: schemaFile) }
        let result = try CLI.run(["run", "-m", TestPaths.smolLM2.path, "--json-schema", schemaFile.path, "x"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("not"), "\(result.stderr)")
    }
}
