import Foundation
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
        let script = TestPaths.repoRoot.appendingPathComponent("scripts/testing/openai_client_check.py").path
        let result = try Subprocess.run(URL(fileURLWithPath: "/usr/bin/env"),
                                        ["python3", script, "serve", CLI.executable.path, TestPaths.smolLM2.path])
        let report = result.text
        #expect(result.status == 0, "\(report)\n\(result.stderr)")
        // The script's checks ran (not an early exit with nothing checked).
        #expect(report.components(separatedBy: "\nok   ").count > 30, "\(report)")
        #expect(!report.contains("FAIL"), "\(report)")
    }
}
