import Agent
import Foundation
import Runtime

/// `bench grammar --bfcl FILE`: constrained against free decoding on every distinct function
/// schema of BFCL question files, each wrapped as a call `{"name": const, "arguments": {…}}`.
extension BenchGrammar {
    /// One schema's figures: the constrained generation, and free generation of the same number
    /// of tokens from the same prompt (medians over the repetitions).
    struct BFCLRow {
        var question: String
        var function: String
        var tokens: Int
        var complete: Bool
        var constrainedSeconds: Double
        var freeSeconds: Double
        var constraintSeconds: Double
        /// Whether the repetitions' constrained runs made different numbers of tokens.
        var varied: Bool

        /// Constrained tokens/s over free tokens/s, timed (both runs make `tokens` tokens).
        var ratio: Double { constrainedSeconds > 0 ? freeSeconds / constrainedSeconds : 0 }
        /// The same ratio from the constrained run alone: its decode time without the time the
        /// constraint took (no noise between two runs, slightly pessimistic: the first token's
        /// check counts as decode time).
        var constraintRatio: Double {
            constrainedSeconds > 0 ? max(constrainedSeconds - constraintSeconds, 0) / constrainedSeconds : 0
        }
    }

    /// The call schema for `function`, as the agent constrains a required call to it (the JSON
    /// call object of the formats whose arguments key is `arguments`).
    static func callSchema(_ function: BFCLFunction) throws -> JSONValue {
        do {
            return ToolCallFormat(family: .hermes).callObjectSchema(try ToolCallFormat.Function(tool: function.tool.openAIObject))
        } catch {
            throw CLIError("\(function.name): \(error)")
        }
    }

    /// `value` with every object's members in key order: equal schemas written in another order
    /// compare equal.
    static func sortedKeys(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            return .object(JSONObject(object.members.sorted { $0.key < $1.key }.map { ($0.key, sortedKeys($0.value)) }))
        case .array(let items):
            return .array(items.map(sortedKeys))
        default:
            return value
        }
    }

    /// Questions of `file`, joined with `possible_answer/<same name>` beside it when it exists.
    static func bfclQuestions(_ file: String) throws -> [BFCLQuestion] {
        let url = URL(fileURLWithPath: file)
        let answers = url.deletingLastPathComponent().appendingPathComponent("possible_answer")
            .appendingPathComponent(url.lastPathComponent)
        do {
            return try BFCLDataset.load(questions: url, answers: FileManager.default.fileExists(atPath: answers.path) ? answers : nil).questions
        } catch {
            throw CLIError("\(error)")
        }
    }

    func runBFCL(_ files: [String]) async throws {
        var seen: Set<String> = []
        var work: [(question: BFCLQuestion, function: BFCLFunction, schema: String)] = []
        for file in files {
            for question in try Self.bfclQuestions(file) {
                for function in question.functions {
                    let schema = try Self.callSchema(function)
                    if seen.insert(Self.sortedKeys(schema).compactText).inserted { work.append((question, function, schema.compactText)) }
                }
            }
        }
        if let limit { work = Array(work.prefix(limit)) }
        let loaded = try LoadedModel(path: model, threads: threads)
        let vocabulary = TokenVocabulary(tokenizer: loaded.tokenizer)
        let session = loaded.makeSession(contextLength: 4096, batchSize: 512)
        var rows: [BFCLRow] = []
        var refused: [String] = []
        for (index, item) in work.enumerated() {
            let compiled: CompiledGrammar
            do {
                compiled = CompiledGrammar(try JSONSchemaCompiler.compile(text: item.schema).grammar)
            } catch {
                refused.append("\(item.question.id) \(item.function.name): \(error)")
                continue
            }
            let asked = item.question.messages.last { $0.role == "user" }?.content ?? ""
            let message = "\(asked)\n\nReply with one JSON call of `\(item.function.name)`, valid under this JSON Schema, nothing else:\n\(item.schema)"
            let prompt = try loaded.chatTokens([.object(JSONObject([("role", "user"), ("content", .string(message))]))])
            guard prompt.count + nPredict + 8 <= 4096 else {
                refused.append("\(item.question.id) \(item.function.name): prompt of \(prompt.count) tokens")
                continue
            }
            var constrained: [GenerationStats] = [], free: [GenerationStats] = []
            for _ in 0..<reps {
                // The constrained run evaluates the prompt anew each time, so that every repetition
                // generates the same text (a prompt reused from the cache has its last token
                // evaluated alone, whose logits may differ in the last bits from the batched
                // pass's, and greedy decoding can turn at a near-tie). The free run reuses the
                // prompt and makes as many tokens.
                await session.reset()
                let constraint = GrammarConstraint(grammar: compiled, vocabulary: vocabulary)
                let bound = try await generate(session, prompt, constrainedOptions(constraint)).stats
                constrained.append(bound)
                free.append(try await generate(session, prompt, GenerationOptions(maxTokens: bound.generatedTokens, sampler: .greedy,
                                                                                   stopTokens: [])).stats)
            }
            guard let first = constrained.first else { continue }
            let row = BFCLRow(question: item.question.id, function: item.function.name, tokens: first.generatedTokens,
                              complete: first.grammarComplete ?? false,
                              constrainedSeconds: median(constrained.map(\.generationSeconds)),
                              freeSeconds: median(free.map(\.generationSeconds)),
                              constraintSeconds: median(constrained.map(\.constraintSeconds)),
                              varied: Set(constrained.map(\.generatedTokens)).count > 1)
            rows.append(row)
            if json {
                print(JSONValue.object(JSONObject([
                    ("question", .string(row.question)), ("function", .string(row.function)),
                    ("tokens", .int(row.tokens)), ("complete", .bool(row.complete)),
                    ("constrained_ms", roundedJSON(row.constrainedSeconds * 1000, 2)), ("free_ms", roundedJSON(row.freeSeconds * 1000, 2)),
                    ("constraint_ms", roundedJSON(row.constraintSeconds * 1000, 3)),
                    ("ratio", roundedJSON(row.ratio, 3)), ("constraint_ratio", roundedJSON(row.constraintRatio, 4)),
                ])).compactText)
            } else if (index + 1) % 50 == 0 {
                FileHandle.standardError.write(Data("\(index + 1) of \(work.count)\n".utf8))
            }
        }
        reportBFCL(rows, schemas: work.count, refused: refused)
    }

    private func reportBFCL(_ rows: [BFCLRow], schemas: Int, refused: [String]) {
        // Decode steps after the first token, the unit of tok/s.
        let steps = Double(rows.reduce(0) { $0 + max($1.tokens - 1, 0) })
        let constrainedTime = rows.reduce(0) { $0 + $1.constrainedSeconds }
        let freeTime = rows.reduce(0) { $0 + $1.freeSeconds }
        let constraintTime = rows.reduce(0) { $0 + $1.constraintSeconds }
        let measured = rows.filter { $0.tokens > 1 }
        let ratios = measured.map(\.ratio).sorted(), own = measured.map(\.constraintRatio).sorted()
        let worst = measured.min { $0.constraintRatio < $1.constraintRatio }
        let fields: [(String, JSONValue)] = [
            ("schemas", .int(schemas)),
            ("measured", .int(rows.count)),
            ("refused", .array(refused.map(JSONValue.string))),
            ("complete", .int(rows.filter(\.complete).count)),
            ("varied", .int(rows.filter(\.varied).count)),
            ("tokens", .int(rows.reduce(0) { $0 + $1.tokens })),
            ("constrained_tok_s", roundedJSON(constrainedTime > 0 ? steps / constrainedTime : 0, 1)),
            ("free_tok_s", roundedJSON(freeTime > 0 ? steps / freeTime : 0, 1)),
            ("pooled_ratio", roundedJSON(constrainedTime > 0 ? freeTime / constrainedTime : 0, 3)),
            ("ratio_min", roundedJSON(ratios.first ?? 0, 3)),
            ("ratio_p5", roundedJSON(ratios.isEmpty ? 0 : percentile(ratios, 0.05), 3)),
            ("ratio_median", roundedJSON(ratios.isEmpty ? 0 : percentile(ratios, 0.5), 3)),
            ("ratio_below_0_95", .int(ratios.filter { $0 < 0.95 }.count)),
            ("constraint_share", roundedJSON(constrainedTime > 0 ? constraintTime / constrainedTime : 0, 4)),
            ("constraint_ratio_min", roundedJSON(own.first ?? 0, 4)),
            ("constraint_ratio_p1", roundedJSON(own.isEmpty ? 0 : percentile(own, 0.01), 4)),
            ("constraint_ratio_median", roundedJSON(own.isEmpty ? 0 : percentile(own, 0.5), 4)),
            ("constraint_ratio_below_0_95", .int(own.filter { $0 < 0.95 }.count)),
            ("worst", .string(worst.map { "\($0.question) \($0.function)" } ?? "")),
        ]
        if json {
            print(JSONValue.object(JSONObject(fields)).compactText)
        } else {
            for (name, value) in fields { print("\(name): \(value.compactText)") }
        }
    }
}
