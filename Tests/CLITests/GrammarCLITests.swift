import Foundation
import Runtime
import TestSupport
import Testing

/// `swiftllm grammar check` end to end on MaskBench files.
@Suite struct GrammarCLITests {
    static let maskbench = TestPaths.shared.appendingPathComponent("jsonschema/maskbench")

    @Test func checkPrintsPerFileJSONAndSummary() throws {
        let model = TestPaths.smolLM2
        try #require(FileManager.default.fileExists(atPath: model.path), "run scripts/fetch-models.sh")
        let files = ["Glaiveai2K---book_flight_d310c236.json", "Github_easy---o10008.json", "Github_easy---o13129.json"]
        let result = try CLI.run(["grammar", "check", "-m", model.path, "--json"] + files.map { GrammarCLITests.maskbench.appendingPathComponent($0).path })
        #expect(result.status == 0, "\(result.stderr)")
        let lines = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == files.count + 1)
        let reports = try lines.map { try JSONValue(parsing: String($0)) }
        for (report, file) in zip(reports, files) {
            #expect(report["file"]?.stringValue == file)
            for key in ["compiled", "valid_ok", "valid_total", "invalid_ok", "invalid_total", "masks", "mean_mask_us", "p99_mask_us", "error"] {
                #expect(report[key] != nil, "\(key)")
            }
        }
        #expect(reports[0]["compiled"] == true && reports[0]["valid_ok"] == reports[0]["valid_total"])
        #expect(reports[2]["compiled"] == false && reports[2]["error"]?.stringValue?.contains("#/") == true)
        #expect(reports[3]["files"] == 3 && reports[3]["wrong"] == 0)
        // The pooled quantiles are in order.
        let pooled = ["p50_mask_us", "p99_mask_us", "p999_mask_us", "max_mask_us"].compactMap { reports[3][$0]?.doubleValue }
        #expect(pooled.count == 4 && pooled == pooled.sorted() && pooled[0] > 0, "\(pooled)")
    }

    /// `bench grammar` runs end to end and prints every figure (timings are not asserted).
    @Test func benchGrammarPrintsFigures() throws {
        let model = TestPaths.smolLM2
        try #require(FileManager.default.fileExists(atPath: model.path), "run scripts/fetch-models.sh")
        let schema = FileManager.default.temporaryDirectory.appendingPathComponent("bench-grammar-\(getpid()).json")
        try Data(#"{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer","minimum":1,"maximum":14}},"required":["city","days"],"additionalProperties":false}"#.utf8).write(to: schema)
        defer { try? FileManager.default.removeItem(at: schema) }
        let result = try CLI.run(["bench", "grammar", "-m", model.path, "--json-schema", schema.path, "-n", "24", "--reps", "1", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONValue(parsing: String(decoding: result.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        for key in ["vocabulary", "vocabulary_ms", "compile_ms", "masks", "mask_mean_us", "mask_p50_us", "mask_p99_us",
                    "mask_mean_pooled_us", "mask_p99_pooled_us", "first_mask_us", "mask_p99_cold_us", "mask_max_cold_us",
                    "unconstrained_tok_s", "constrained_tok_s", "constrained_ratio", "constrained_tokens", "constrained_complete"] {
            #expect(report[key] != nil, "\(key)")
        }
        #expect(report["vocabulary"] == 49152)
        #expect((report["masks"]?.intValue ?? 0) > 0)
    }

    /// `bench grammar --maskbench DIR`: the pooled figures over a folder of MaskBench files, with
    /// per-split coverage; the counts agree with `grammar check` on the same files.
    @Test func benchGrammarOverAMaskBenchFolder() throws {
        let model = TestPaths.smolLM2
        try #require(FileManager.default.fileExists(atPath: model.path), "run scripts/fetch-models.sh")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("maskbench-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = ["Glaiveai2K---book_flight_d310c236.json", "Github_easy---o10008.json", "Github_easy---o10013.json", "JME_3.json"]
        for file in files {
            try FileManager.default.copyItem(at: GrammarCLITests.maskbench.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        let result = try CLI.run(["bench", "grammar", "-m", model.path, "--maskbench", folder.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONValue(parsing: String(decoding: result.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        let check = try CLI.run(["grammar", "check", "-m", model.path, "--json"] + files.map { folder.appendingPathComponent($0).path })
        let checked = try JSONValue(parsing: String(String(decoding: check.stdout, as: UTF8.self).split(separator: "\n").last ?? ""))
        for key in ["files", "compiled", "valid_ok", "valid_total", "invalid_ok", "invalid_total", "wrong", "masks"] {
            #expect(report[key] != nil && report[key] == checked[key], "\(key)")
        }
        #expect(report["vocabulary"] == 49152 && report["files"] == 4)
        #expect(report["splits"]?["Github_easy"]?["files"] == 2 && report["splits"]?["JME"]?["files"] == 1)
        let pooled = ["p50_mask_us", "p99_mask_us", "p999_mask_us", "max_mask_us"].compactMap { report[$0]?.doubleValue }
        #expect(pooled.count == 4 && pooled == pooled.sorted())
        // --slow-masks 0: every mask is slow; the per-file counts add up to the masks.
        let slow = try CLI.run(["bench", "grammar", "-m", model.path, "--maskbench", folder.path, "--slow-masks", "0", "--json"])
        let slowReport = try JSONValue(parsing: String(decoding: slow.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        let perFile = slowReport["slow_masks"]?["files"]?.objectValue ?? JSONObject()
        #expect(perFile.count == 4)
        #expect(perFile.reduce(0) { $0 + ($1.value["masks"]?.intValue ?? 0) } == slowReport["masks"]?.intValue)
        let text = try CLI.run(["bench", "grammar", "-m", model.path, "--maskbench", folder.path, "--slow-masks", "0"])
        let masks = slowReport["masks"]?.intValue ?? -1
        #expect(String(decoding: text.stdout, as: UTF8.self).contains("slow masks: \(masks) in 4 files"))
        let both = try CLI.run(["bench", "grammar", "--maskbench", folder.path, "--json-schema", "x.json"])
        #expect(both.status != 0)
    }

    @Test func missingVocabularyFails() throws {
        let result = try CLI.run(["grammar", "check", "-m", "/nonexistent/model.gguf", "x.json"])
        #expect(result.status != 0)
        #expect(!result.stderr.isEmpty)
    }
}
