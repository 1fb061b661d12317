import Foundation
import Runtime
import TestSupport
import Testing

/// `swiftllm serve` driven by the official `openai` Python client
/// (`scripts/testing/openai_client_check.py`): chat, streaming, tools under `required` (every call
/// validated with `jsonschema`), `json_schema`, logprobs, usage, errors in OpenAI's shape, eight
/// concurrent requests equal to one-at-a-time ones, a client leaving mid-stream, a full queue
/// answering 429, and SIGINT stopping the server cleanly.
@Suite struct ServeCLITests {
    @Test func openAIClientAgainstTheServer() throws {
        try #require(FileManager.default.fileExists(atPath: TestPaths.smolLM2.path), "run scripts/fetch-models.sh")
        let result = try Python.runTestingScript("openai_client_check.py", ["serve", CLI.executable.path, TestPaths.smolLM2.path])
        let report = result.text
        #expect(result.status == 0, "\(report)\n\(result.stderr)")
        // The script's checks ran (not an early exit with nothing checked).
        #expect(report.components(separatedBy: "\nok   ").count > 30, "\(report)")
        #expect(!report.contains("FAIL"), "\(report)")
    }

    @Test func rejectsAnUnknownCachePrecision() throws {
        let result = try CLI.run(["serve", "-m", TestPaths.smolLM2.path, "--kv", "q8"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--kv must be f16 or f32, not 'q8'"))
    }

    /// 1,000 malformed or hostile requests (`scripts/testing/hostile_requests.py`): random bytes,
    /// bodies nested 100,000 deep, invalid UTF-8, wrong content types and types, 5 MiB bodies,
    /// headers without bodies, slow partial bodies. Each gets a 4xx or a closed connection, a
    /// normal request succeeds after every 100, and resident memory stays near its baseline.
    @Test func hostileRequestsGetFourHundredsAndTheServerStaysUp() throws {
        try #require(FileManager.default.fileExists(atPath: TestPaths.smolLM2.path), "run scripts/fetch-models.sh")
        let result = try Python.runTestingScript("hostile_requests.py", [CLI.executable.path, TestPaths.smolLM2.path])
        #expect(result.status == 0, "\(result.text)\n\(result.stderr)")
        let summary = try JSONValue(parsing: result.text.trimmingCharacters(in: .whitespacesAndNewlines))
        let counts = summary["outcomes"]?.objectValue?.members.flatMap { $0.value.objectValue?.members.compactMap(\.value.intValue) ?? [] }
        #expect(counts?.reduce(0, +) == 1000, "\(result.text)")
    }
}
