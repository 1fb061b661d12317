import ArgumentParser
import Foundation
import Runtime

struct GrammarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grammar",
        abstract: "Grammar-constrained decoding tools.",
        subcommands: [GrammarCheck.self])
}

struct GrammarCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check JSON Schema → grammar conformance on MaskBench-style files.",
        discussion: """
            Each FILE is {"schema", "tests": [{"data", "valid"}]}. The schema is compiled; every \
            instance is serialised compactly (members in schema order), split into the model's \
            tokens and walked through the token-level matcher, computing and timing the full mask \
            at every step. Valid instances must be accepted and end complete; invalid ones must \
            be rejected. With --json, prints one line per file: {"file", "compiled", "valid_ok", \
            "valid_total", "invalid_ok", "invalid_total", "masks", "mean_mask_us", "p99_mask_us", "error"}, \
            then a summary object. Exit status 1 if any instance was answered wrongly.
            """)

    @Option(name: .shortAndLong, help: "A GGUF model (its vocabulary is used) or a vocabulary text file.")
    var model: String

    @Flag(help: "Print JSON lines instead of text.")
    var json = false

    @Flag(help: "Lenient mode: unsupported keywords become warnings.")
    var lenient = false

    @Argument(help: "MaskBench-style JSON files.")
    var files: [String]

    func run() async throws {
        let vocabulary: TokenVocabulary
        do {
            vocabulary = try TokenVocabulary.load(path: model)
        } catch {
            throw CLIError(error.description)
        }
        let options = SchemaConformance.Options(compiler: .init(lenient: lenient, integralSpellings: true))
        var reports: [SchemaConformance.Report] = []
        for file in files {
            let report = SchemaConformance.check(file: URL(fileURLWithPath: file), vocabulary: vocabulary, options: options)
            reports.append(report)
            if json {
                print(report.json.compactText)
            } else if let error = report.error {
                print("\(file): not compiled: \(error)")
            } else {
                print("\(file): valid \(report.validOK)/\(report.validTotal), invalid \(report.invalidOK)/\(report.invalidTotal), "
                    + "mask mean \(format(report.meanMaskMicros)) µs, p99 \(format(report.p99MaskMicros)) µs")
            }
        }
        let summary = SchemaConformance.summary(reports)
        let wrong = summary["wrong"]?.intValue ?? 0
        if json {
            print(summary.compactText)
        } else {
            print("summary: \(summary.compactText)")
        }
        if wrong > 0 { throw ExitCode(1) }
    }

    private func format(_ x: Double) -> String { String(format: "%.1f", x) }
}
