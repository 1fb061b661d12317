import Foundation
import Testing
import TestSupport

@testable import Runtime

/// `tojson` (Hugging Face's json.dumps call) and Python `str()` of real-world JSON documents — the
/// JSON-Schema test suite and a sample of MaskBench schemas — against jinja2.
@Suite struct JinjaJSONOracleTests {
    static let template = """
        {{ data | tojson }}
        {{ data | tojson(indent=2, sort_keys=true) }}
        {{ data | tojson(ensure_ascii=true, separators=(',', ':')) }}
        {{ data }}
        """

    static func files() throws -> [URL] {
        let root = TestPaths.shared.appendingPathComponent("jsonschema")
        let fm = FileManager.default
        let suite = try fm.contentsOfDirectory(atPath: root.appendingPathComponent("test-suite").path)
            .filter { $0.hasSuffix(".json") }.sorted().map { root.appendingPathComponent("test-suite/\($0)") }
        let maskbench = try fm.contentsOfDirectory(atPath: root.appendingPathComponent("maskbench").path)
            .filter { $0.hasSuffix(".json") }.sorted()
        let sample = stride(from: 0, to: maskbench.count, by: 20).map { root.appendingPathComponent("maskbench/\(maskbench[$0])") }
        return suite + sample
    }

    @Test func tojsonAndReprMatchPython() throws {
        let files = try Self.files()
        try #require(files.count > 100)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("swiftllm-json-values-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        _ = try Python.runOracle("render_templates.py", ["--json-values", out.path] + files.map(\.path))
        let cases = try #require(try JSONValue(parsing: Array(Data(contentsOf: out.appendingPathComponent("json_values.json")))).arrayValue)
        #expect(cases.count == files.count)
        let template = try JinjaTemplate(source: Self.template)
        var compared = 0
        for c in cases {
            guard let expected = c["output"]?.stringValue, let path = c["file"]?.stringValue else { continue }
            let data = try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
            let ours = try template.render(["data": data])
            #expect(ours == expected, "\(path)")
            compared += 1
        }
        print("tojson/str oracle: \(compared) JSON documents identical to Python (\(cases.count - compared) skipped: integers beyond 64 bits)")
        #expect(compared > 100)
    }
}
