import ArgumentParser
import Foundation
import Runtime

/// `swiftllm bench grammar`: what a JSON Schema constraint costs: compile time, token-mask time
/// per step over a real constrained generation, and constrained vs unconstrained decode speed.
struct BenchGrammar: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grammar",
        abstract: "Benchmark grammar-constrained decoding for a JSON Schema.",
        discussion: """
            Each repetition generates greedily from the same prompt twice, with and without the \
            constraint (the unconstrained run ignores end-of-generation and makes as many tokens \
            as the constrained one, so both decode the same positions), \
            then replays the constrained output through a constraint on a newly compiled copy of \
            the grammar (nothing pooled), computing and timing the full token mask at every step \
            (generation itself only needs a mask when the sampled token is rejected). Medians \
            over the repetitions are printed. Then the same replay runs twice more: on the \
            grammar the generations used (its matcher pooled: what a repeated tool call pays), \
            and cold, on a newly built vocabulary (no token sets cached: what the first \
            constrained generation in a process pays, with no prompt processing to hide the \
            background warm-up): first_mask_us is its first mask, mask_max_cold_us its slowest.

            With --maskbench DIR instead of --json-schema, every MaskBench-style file in DIR \
            ({"schema", "tests"}) is compiled and each instance walked token by token through the \
            model's vocabulary, timing the full mask at every step (as `grammar check`); prints \
            the masks of all files pooled (mean, p50, p99, p99.9, max), wrong verdicts, and per \
            split (the file name before `---`) how many files compile. Exit status 1 if any \
            instance was answered wrongly.

            With --bfcl FILE (repeatable) instead, every distinct function of the BFCL question \
            files becomes a call schema {"name": const, "arguments": {…}} (BFCL's types converted, \
            arguments closed, as the agent constrains a required call) and is generated greedily \
            under it with its question as the prompt (evaluated anew each repetition), then without \
            a constraint for as many tokens from the same prompt. Per schema: both decode times, \
            the time the constraint itself took (checks, masks, redraws, parser steps) and the two \
            ratios, timed and from the constrained run alone; then a summary (pooled, min, p5 and \
            median ratio, schemas below 0.95). --jump-forward off measures the constraint alone, \
            checked (the default) what run, the agent and the server do.
            """)

    @Option(name: .shortAndLong, help: "The GGUF model (default: SmolLM2-135M-Instruct in the models folder).")
    var model: String?

    @Option(name: .customLong("json-schema"), help: "The JSON Schema file.")
    var jsonSchema: String?

    @Option(help: "A folder of MaskBench-style files: pooled mask times over all their instances.")
    var maskbench: String?

    @Option(help: "A BFCL question file (repeatable): constrained vs free decoding on each distinct function's call schema ({\"name\": const, \"arguments\": …}, the question as prompt), the free run making as many tokens as the constrained one; with --json, one line per schema, then the summary.")
    var bfcl: [String] = []

    @Option(help: "With --bfcl: only the first N distinct schemas.")
    var limit: Int?

    @Option(name: .customLong("slow-masks"), help: "With --maskbench: list the files whose masks took longer than this many µs (count, time, where; with --json, count and time per file under \"slow_masks\").")
    var slowMasks: Double?

    @Option(name: [.customShort("n"), .customLong("n-predict")], help: "Tokens to generate per run.")
    var nPredict = 64

    @Option(help: "The user message (default: asks for a JSON instance of the schema).")
    var prompt: String?

    @Option(name: .customLong("jump-forward"), help: "Jump-forward in the constrained runs: checked (the default of run, the agent and the server), appended, off (one sampled token per step: the constraint's own cost).")
    var jumpForward: JumpForward = .checked

    @Option(help: "Prompt lookup in the constrained runs: draft up to N tokens per step from the context (0: off; the agent's default is 8).")
    var lookup = 0

    @Option(help: "Repetitions; medians are reported.")
    var reps = 3

    @Option(help: "Threads for the kernels (default: physical cores).")
    var threads: Int?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        if [jsonSchema != nil, maskbench != nil, !bfcl.isEmpty].filter({ $0 }).count != 1 {
            throw ValidationError("give exactly one of --json-schema, --maskbench and --bfcl")
        }
        if nPredict < 1 { throw ValidationError("-n must be at least 1") }
        if reps < 1 { throw ValidationError("--reps must be at least 1") }
        if lookup < 0 { throw ValidationError("--lookup must be at least 0") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        if let maskbench {
            try runMaskBench(maskbench)
            return
        }
        if !bfcl.isEmpty {
            try await runBFCL(bfcl)
            return
        }
        guard let jsonSchema else { return }
        let schemaText = try ConstraintOptions.read(jsonSchema)
        var compileMillis: [Double] = []
        var compiled: CompiledGrammar?
        for _ in 0..<max(reps, 5) {
            let started = ContinuousClock.now
            compiled = try compile(schemaText)
            compileMillis.append((ContinuousClock.now - started).microseconds / 1000)
        }
        guard let compiled else { throw CLIError("\(jsonSchema): not compiled") }
        let loaded = try LoadedModel(path: model, threads: threads)
        let vocabularyStarted = ContinuousClock.now
        let vocabulary = TokenVocabulary(tokenizer: loaded.tokenizer)
        let vocabularyMillis = (ContinuousClock.now - vocabularyStarted).microseconds / 1000
        let message = prompt ?? "Reply with one JSON value valid under this JSON Schema, nothing else:\n\(schemaText)"
        let tokens = try loaded.chatTokens([.object(JSONObject([("role", "user"), ("content", .string(message))]))])
        let session = loaded.makeSession(contextLength: min(tokens.count + nPredict + 8, 32_768), batchSize: 512)
        var runs: [Repetition] = []
        for _ in 0..<reps {
            await session.reset()
            let constraint = GrammarConstraint(grammar: compiled, vocabulary: vocabulary)
            let bound = try await generate(session, tokens, constrainedOptions(constraint))
            await session.reset()
            let free = try await generate(session, tokens, GenerationOptions(maxTokens: bound.stats.generatedTokens, sampler: .greedy, stopTokens: []))
            let masks = try Self.replayMasks(bound.tokens, compiled: try compile(schemaText), vocabulary: vocabulary)
            runs.append(Repetition(free: free.stats, constrained: bound.stats, tokens: bound.tokens, maskMicros: masks))
        }
        let generated = runs.last?.tokens ?? []
        let pooled = try Self.replayMasks(generated, compiled: compiled, vocabulary: vocabulary)
        let cold = try Self.replayMasks(generated, compiled: try compile(schemaText), vocabulary: TokenVocabulary(tokenizer: loaded.tokenizer))
        report(Summary(runs: runs, compileMillis: compileMillis, vocabularyMillis: vocabularyMillis, vocabularySize: vocabulary.count,
                       pooledMicros: pooled, coldMicros: cold))
    }

    /// Greedy generation under `constraint` with the chosen jump-forward.
    func constrainedOptions(_ constraint: GrammarConstraint) -> GenerationOptions {
        var options = GenerationOptions(maxTokens: nPredict, sampler: .greedy, constraint: constraint)
        options.speculation.jumpForward = jumpForward
        options.speculation.lookup = lookup
        return options
    }

    private func compile(_ schemaText: String) throws -> CompiledGrammar {
        do {
            return CompiledGrammar(try JSONSchemaCompiler.compile(text: schemaText).grammar)
        } catch {
            throw CLIError("\(jsonSchema ?? "schema"): \(error)")
        }
    }

    /// `--maskbench DIR`: every file's instances walked token by token, masks pooled.
    private func runMaskBench(_ folder: String) throws {
        let path = try ModelPath.resolve(model)
        let vocabulary: TokenVocabulary
        do {
            vocabulary = try TokenVocabulary.load(path: path)
        } catch {
            throw CLIError(error.description)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }.sorted()
        guard !names.isEmpty else { throw CLIError("\(folder): no .json files") }
        let options = SchemaConformance.Options(compiler: .init(integralSpellings: true), slowMaskMicros: slowMasks)
        let reports = names.map {
            SchemaConformance.check(file: URL(fileURLWithPath: folder).appendingPathComponent($0), vocabulary: vocabulary, options: options)
        }
        var splits: [(String, (compiled: Int, files: Int))] = []
        for (name, report) in zip(names, reports) {
            let split = SchemaConformance.split(ofFile: name)
            if let i = splits.firstIndex(where: { $0.0 == split }) {
                splits[i].1.files += 1
                if report.compiled { splits[i].1.compiled += 1 }
            } else {
                splits.append((split, (report.compiled ? 1 : 0, 1)))
            }
        }
        guard case .object(var summary) = SchemaConformance.summary(reports) else { return }
        summary["vocabulary"] = .int(vocabulary.count)
        summary["splits"] = .object(JSONObject(splits.map { ($0.0, .object(JSONObject([
            ("files", .int($0.1.files)), ("compiled", .int($0.1.compiled)),
        ]))) }))
        let slow = slowMasks.map { _ in Self.rankSlowMasks(names, reports) } ?? []
        if let slowMasks {
            // Per file with any: how many masks took longer than the threshold, and their total.
            summary["slow_masks"] = .object(JSONObject([
                ("threshold_us", .double(slowMasks)),
                ("files", .object(JSONObject(slow.map { file -> (String, JSONValue) in
                    (file.name, .object(JSONObject([
                        ("masks", .int(file.masks.count)), ("total_us", .double((file.total * 10).rounded() / 10)),
                    ])))
                }))),
            ]))
        }
        if json {
            print(JSONValue.object(summary).compactText)
        } else {
            func figure(_ key: String) -> String { summary[key].map { $0.compactText } ?? "-" }
            print("vocabulary \(vocabulary.count) tokens; \(figure("compiled")) of \(figure("files")) files compile; "
                + "wrong verdicts \(figure("wrong"))")
            print("masks \(figure("masks")): mean \(figure("mean_mask_us")) µs, p50 \(figure("p50_mask_us")), "
                + "p99 \(figure("p99_mask_us")), p99.9 \(figure("p999_mask_us")), max \(figure("max_mask_us"))")
            for (split, counts) in splits {
                let share = String(format: "%.3f", Double(counts.compiled) / Double(max(counts.files, 1)))
                print("  \(split): \(counts.compiled) of \(counts.files) compile (\(share))")
            }
        }
        if slowMasks != nil, !json { printSlowMasks(slow) }
        if (summary["wrong"]?.intValue ?? 0) > 0 { throw ExitCode(1) }
    }

    typealias SlowFile = (name: String, masks: [(micros: Double, before: String)], total: Double)

    /// The files with slow masks, each with their total time, the costliest first.
    static func rankSlowMasks(_ names: [String], _ reports: [SchemaConformance.Report]) -> [SlowFile] {
        zip(names, reports).filter { !$0.1.slowMasks.isEmpty }
            .map { ($0, $1.slowMasks, $1.slowMasks.reduce(0) { $0 + $1.micros }) }
            .sorted { $0.total > $1.total }
    }

    /// `--slow-masks`: per file, the slow masks' count and total time, the costliest files first,
    /// each with its three slowest masks and the text before them.
    private func printSlowMasks(_ ranked: [SlowFile]) {
        print("slow masks: \(ranked.reduce(0) { $0 + $1.masks.count }) in \(ranked.count) files")
        for file in ranked {
            print(String(format: "%6d %10.0f µs  ", file.masks.count, file.total) + file.name)
            for mask in file.masks.sorted(by: { $0.micros > $1.micros }).prefix(3) {
                print(String(format: "         %8.0f µs  …", mask.micros) + String(mask.before.suffix(80)).replacingOccurrences(of: "\n", with: "\\n"))
            }
        }
    }

    struct Repetition {
        var free: GenerationStats
        var constrained: GenerationStats
        var tokens: [Int]
        var maskMicros: [Double]
    }

    func generate(_ session: Session, _ prompt: [Int32], _ options: GenerationOptions) async throws
        -> (tokens: [Int], stats: GenerationStats) {
        var tokens: [Int] = []
        var stats: GenerationStats?
        for try await event in session.generate(prompt: prompt, options: options) {
            switch event {
            case .token(let id, _): tokens.append(Int(id))
            case .text, .alternatives: break
            case .done(let done): stats = done
            }
        }
        guard let stats else { throw CLIError("generation ended without statistics") }
        return (tokens, stats)
    }

    /// The full mask at every step of `tokens` from a fresh matcher, timed in microseconds. Each
    /// generated token must be in its mask (else the constraint and its mask disagree).
    static func replayMasks(_ tokens: [Int], compiled: CompiledGrammar, vocabulary: TokenVocabulary) throws -> [Double] {
        let constraint = GrammarTokenConstraint(compiled: compiled, vocabulary: vocabulary)
        var micros: [Double] = []
        for (step, token) in tokens.enumerated() {
            let started = ContinuousClock.now
            let mask = constraint.mask()
            micros.append((ContinuousClock.now - started).microseconds)
            guard mask.contains(token), constraint.accept(token) else {
                throw CLIError("generated token \(token) at step \(step) is not in its grammar mask")
            }
        }
        return micros
    }
}

/// The figures `bench grammar` prints, medians over repetitions.
private struct Summary {
    let runs: [BenchGrammar.Repetition]
    let compileMillis: [Double]
    let vocabularyMillis: Double
    let vocabularySize: Int
    let pooledMicros: [Double]
    let coldMicros: [Double]

    var fields: [(String, JSONValue)] {
        let perRun = runs.map { stats($0.maskMicros) }
        let pooled = stats(pooledMicros), cold = stats(coldMicros)
        let free = median(runs.map(\.free.generationTokensPerSecond))
        let bound = median(runs.map(\.constrained.generationTokensPerSecond))
        let last = runs.last?.constrained
        return [
            ("vocabulary", .int(vocabularySize)),
            ("vocabulary_ms", rounded(vocabularyMillis, 1)),
            ("compile_ms", rounded(median(compileMillis), 3)),
            ("masks", .int(runs.last?.maskMicros.count ?? 0)),
            ("mask_mean_us", rounded(median(perRun.map(\.mean)), 1)),
            ("mask_p50_us", rounded(median(perRun.map(\.p50)), 1)),
            ("mask_p99_us", rounded(median(perRun.map(\.p99)), 1)),
            ("mask_mean_pooled_us", rounded(pooled.mean, 1)),
            ("mask_p99_pooled_us", rounded(pooled.p99, 1)),
            ("first_mask_us", rounded(coldMicros.first ?? 0, 1)),
            ("mask_p99_cold_us", rounded(cold.p99, 1)),
            ("mask_max_cold_us", rounded(cold.max, 1)),
            ("unconstrained_tok_s", rounded(free, 1)),
            ("constrained_tok_s", rounded(bound, 1)),
            ("constrained_ratio", rounded(free > 0 ? bound / free : 0, 3)),
            ("constraint_share", rounded(median(runs.map { $0.constrained.generationSeconds > 0 ? $0.constrained.constraintSeconds / $0.constrained.generationSeconds : 0 }), 4)),
            ("constrained_tokens", .int(last?.generatedTokens ?? 0)),
            ("constrained_complete", .bool(last?.grammarComplete ?? false)),
        ]
    }

    private func stats(_ micros: [Double]) -> (mean: Double, p50: Double, p99: Double, max: Double) {
        let sorted = micros.sorted()
        guard let max = sorted.last else { return (0, 0, 0, 0) }
        return (sorted.reduce(0, +) / Double(sorted.count), percentile(sorted, 0.5), percentile(sorted, 0.99), max)
    }

    private func rounded(_ x: Double, _ digits: Int) -> JSONValue { roundedJSON(x, digits) }
}

extension BenchGrammar {
    fileprivate func report(_ summary: Summary) {
        if json {
            print(JSONValue.object(JSONObject(summary.fields)).compactText)
        } else {
            for (name, value) in summary.fields { print("\(name): \(value.compactText)") }
        }
    }
}

/// `x` rounded to `digits` decimal places, as a JSON number.
func roundedJSON(_ x: Double, _ digits: Int) -> JSONValue {
    let scale = pow(10, Double(digits))
    return .double((x * scale).rounded() / scale)
}

func percentile(_ sorted: [Double], _ q: Double) -> Double {
    sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]
}

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    return percentile(values.sorted(), 0.5)
}

extension Duration {
    fileprivate var microseconds: Double {
        let (s, attoseconds) = components
        return Double(s) * 1e6 + Double(attoseconds) * 1e-12
    }
}
