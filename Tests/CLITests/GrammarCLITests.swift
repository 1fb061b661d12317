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
                    "unconstrained_tok_s", "constrained_tok_s", "constrained_ratio", "constraint_share", "constrained_tokens", "constrained_complete"] {
            #expect(report[key] != nil, "\(key)")
        }
        #expect(report["vocabulary"] == 49152)
        #expect((report["masks"]?.intValue ?? 0) > 0)
    }

    /// `bench grammar --bfcl FILE`: one line per distinct function schema (a question repeating
    /// another's function is measured once), then the summary. Repetitions evaluate the prompt
    /// anew, so they generate the same tokens (`varied` 0). Timings are not asserted.
    @Test func benchGrammarOverBFCLFunctions() throws {
        let model = TestPaths.smolLM2
        try #require(FileManager.default.fileExists(atPath: model.path), "run scripts/fetch-models.sh")
        let source = try String(contentsOf: TestPaths.shared.appendingPathComponent("bfcl/BFCL_v4_irrelevance.json"), encoding: .utf8)
        var lines = source.split(separator: "\n").prefix(3).map(String.init)
        var repeated = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        repeated["id"] = "irrelevance_9999"
        lines.append(String(decoding: try JSONSerialization.data(withJSONObject: repeated), as: UTF8.self))
        // The oracle for the count: distinct function objects, compared by Foundation.
        var distinct: [NSDictionary] = []
        for line in lines {
            let question = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            for function in question["function"] as? [[String: Any]] ?? [] where !distinct.contains(NSDictionary(dictionary: function)) {
                distinct.append(NSDictionary(dictionary: function))
            }
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bfcl-bench-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("BFCL_v4_irrelevance.json")
        try Data(lines.joined(separator: "\n").utf8).write(to: file)
        let result = try CLI.run(["bench", "grammar", "-m", model.path, "--bfcl", file.path, "-n", "24", "--reps", "2",
                                  "--jump-forward", "off", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let printed = try String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").map { try JSONValue(parsing: String($0)) }
        let summary = try #require(printed.last)
        let rows = printed.dropLast()
        #expect(rows.count == distinct.count && distinct.count == 3)
        #expect(summary["schemas"] == .int(distinct.count))
        #expect(summary["measured"] == .int(distinct.count))
        #expect(summary["refused"] == .array([]))
        #expect(summary["varied"] == 0)
        #expect(Set(rows.compactMap { $0["question"]?.stringValue }) == ["irrelevance_0", "irrelevance_1", "irrelevance_2"])
        for row in rows {
            let tokens = row["tokens"]?.intValue ?? 0
            #expect(tokens > 0 && tokens <= 24, "\(row)")
            let share = row["constraint_ratio"]?.doubleValue ?? -1
            #expect(share > 0 && share <= 1, "\(row)")
            #expect((row["constrained_ms"]?.doubleValue ?? 0) > 0 && (row["free_ms"]?.doubleValue ?? 0) > 0, "\(row)")
        }
        #expect(summary["tokens"] == .int(rows.reduce(0) { $0 + ($1["tokens"]?.intValue ?? 0) }))
        for key in ["constrained_tok_s", "free_tok_s", "pooled_ratio", "ratio_min", "ratio_median", "constraint_share", "constraint_ratio_min"] {
            #expect(summary[key]?.doubleValue != nil, "\(key)")
        }
        let both = try CLI.run(["bench", "grammar", "--bfcl", file.path, "--json-schema", "x.json"])
        #expect(both.status != 0 && both.stderr.contains("exactly one"))
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
