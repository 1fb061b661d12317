import Foundation
import TestSupport
import Testing

/// `swiftllm run`'s speculation flags: the output is the one of one token per step, the
/// statistics line reports the drafts, and a draft model with another vocabulary is refused.
@Suite(.serialized) struct SpeculationCLITests {
    @Test func draftingLeavesTheOutputUnchanged() throws {
        try #require(FileManager.default.fileExists(atPath: TestPaths.smolLM2.path), "run scripts/fetch-models.sh")
        let schemaFile = try ConstrainedRunTests.temporaryFile(ConstrainedRunTests.schema, ".json")
        defer { try? FileManager.default.removeItem(at: schemaFile) }
        let prompt = "Give the weather request for Paris over three days in celsius as JSON: city, days, unit."
        let common = ["run", "-m", TestPaths.smolLM2.path, "-n", "64", "--temp", "0", "--json-schema", schemaFile.path]
        let plain = try CLI.run(common + ["--jump-forward", "off", prompt])
        let drafted = try CLI.run(common + ["--jump-forward", "checked", "--lookup", "6", prompt])
        #expect(plain.status == 0 && drafted.status == 0, "\(plain.stderr) \(drafted.stderr)")
        #expect(drafted.text == plain.text)
        #expect(try ConstrainedRunTests.validUnderJSONSchema(drafted.text), "invalid: \(drafted.text)")
        #expect(!plain.stderr.contains("speculation:"))
        let line = try #require(drafted.stderr.split(separator: "\n").first { $0.hasPrefix("speculation:") })
        #expect(line.contains("tokens per step") && line.contains("forced"), "\(line)")
    }

    @Test func draftModelMustShareTheVocabulary() throws {
        try #require(FileManager.default.fileExists(atPath: TestPaths.smolLM2.path), "run scripts/fetch-models.sh")
        let tiny = TestPaths.shared.appendingPathComponent("reference/tiny/tiny-llama-q4_0.gguf").path
        let result = try CLI.run(["run", "-m", TestPaths.smolLM2.path, "-n", "4", "--draft", tiny, "Hello"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("must share the vocabulary"), "\(result.stderr)")
    }
}
