import Agent
import Foundation
import GGUF
import Runtime
import Tensor

/// Turns OpenAI requests into engine generations and their results into OpenAI answers. The
/// prompt is the model's chat template with the tools; the output runs under the grammar of the
/// tool choice or the response format, so a required call is always a valid call.
public final class CompletionService: Sendable {
    public let engine: BatchEngine
    public let modelName: String
    let tokenizer: Tokenizer
    let chat: ChatTemplate.ModelFormat
    let vocabulary: TokenVocabulary
    let format: ToolCallFormat
    let created = Int(Date().timeIntervalSince1970)
    private let grammars = Grammars()

    /// A nil `configuration.contextLength` means the model's training context, at most 8,192.
    public init(file: GGUFFile, name: String, configuration: BatchEngine.Configuration, backend: ComputeBackend = .cpu,
                pool: ThreadPool = .shared) throws {
        let model = try Model(file: file, backend: backend)
        var configuration = configuration
        configuration.contextLength = configuration.contextLength ?? min(model.config.contextLength, 8192)
        tokenizer = try Tokenizer(file: file)
        chat = try ChatTemplate.ModelFormat(metadata: file.metadata)
        vocabulary = TokenVocabulary(tokenizer: tokenizer)
        format = chat.toolCallFormat
        modelName = name
        engine = BatchEngine(model: model, decoder: tokenizer, endOfGeneration: tokenizer.endOfGeneration,
                             configuration: configuration, pool: pool)
    }

    /// What one request runs: its prompt, generation options and how to read the output.
    struct Job: Sendable {
        var prompt: [Int32]
        var options: GenerationOptions
        var request: ChatRequest
        /// Whether the output is read as tool calls in the model's syntax.
        var callsPossible: Bool
    }

    func job(for request: ChatRequest) throws(OpenAIError) -> Job {
        let prompt: [Int32]
        var callsPossible = false
        var constraint: GrammarConstraint?
        switch request.input {
        case .prompt(let text):
            let startsWithBOS = !chat.bosToken.isEmpty && text.hasPrefix(chat.bosToken)
            prompt = tokenizer.encode(text, addSpecial: !startsWithBOS, parseSpecial: false)
        case .messages(let messages):
            let tools = request.toolChoice == .none ? [] : request.tools
            do {
                prompt = try LocalModel.promptTokens(messages, tools: tools, chat: chat, tokenizer: tokenizer, format: format)
            } catch {
                throw OpenAIError(status: 400, "the messages could not be rendered with the model's chat template: \(error)",
                                  param: "messages")
            }
            callsPossible = !tools.isEmpty
            if callsPossible {
                do {
                    constraint = try grammars.tools(format: format, tools: tools, choice: request.toolChoice,
                                                    parallel: request.parallelToolCalls, vocabulary: vocabulary)
                } catch {
                    throw OpenAIError(status: 400, "\(error)", param: "tools")
                }
            }
        }
        switch request.responseFormat {
        case .text: break
        case .jsonObject: constraint = try grammars.schema(["type": "object"], vocabulary: vocabulary)
        case .jsonSchema(let schema): constraint = try grammars.schema(schema, vocabulary: vocabulary)
        }
        guard prompt.count < engine.contextLength else {
            throw OpenAIError(status: 400, "the prompt has \(prompt.count) tokens, \(prompt.count - engine.contextLength + 1) "
                              + "more than the context of \(engine.contextLength) leaves room for", param: "messages",
                              code: "context_length_exceeded")
        }
        var options = GenerationOptions(maxTokens: request.maxTokens, sampler: request.sampler, stopStrings: request.stop,
                                        constraint: constraint, recordTokens: request.logprobs)
        options.topLogprobs = request.topLogprobs
        options.speculation = engine.configuration.speculation
        if let bad = request.sampler.logitBias.keys.first(where: { Int($0) >= engine.model.config.vocabularySize }) {
            throw .invalid("logit_bias", "token id \(bad) is outside the vocabulary of \(engine.model.config.vocabularySize)")
        }
        return Job(prompt: prompt, options: options, request: request, callsPossible: callsPossible)
    }

    /// The engine's stream for a job (a full queue is a 429).
    func start(_ job: Job) throws(OpenAIError) -> AsyncThrowingStream<GenerationEvent, Error> {
        do {
            return try engine.submit(prompt: job.prompt, options: job.options, reusePrefix: job.request.cachePrompt)
        } catch .queueFull(let limit) {
            throw OpenAIError(status: 429, "\(limit) requests are already waiting; retry later", type: "rate_limit_error",
                              code: "queue_full")
        } catch {
            throw OpenAIError(status: 503, "\(error)", type: "server_error")
        }
    }

    /// The output of a finished generation, read as OpenAI reports it.
    struct Result: Sendable {
        var content: String?
        var calls: [ToolCall]
        var finishReason: String
        var stats: GenerationStats
    }

    func result(text: String, stats: GenerationStats, job: Job) -> Result {
        var content: String? = text
        var calls: [ToolCall] = []
        if job.callsPossible {
            let parsed = format.parse(text, tools: job.request.tools)
            calls = parsed.calls
            content = parsed.content.isEmpty && !calls.isEmpty ? nil : parsed.content
        }
        let finish: String
        switch stats.stopReason {
        case .maxTokens, .contextFull: finish = stats.grammarComplete == true && !calls.isEmpty ? "tool_calls" : "length"
        default: finish = calls.isEmpty ? "stop" : "tool_calls"
        }
        return Result(content: content, calls: calls, finishReason: finish, stats: stats)
    }

    func model(_ job: Job) -> String { job.request.echoModel ?? modelName }

    static func usage(_ stats: GenerationStats) -> JSONValue {
        let completion = max(0, stats.generatedTokens)
        return ["prompt_tokens": .int(stats.promptTokens), "completion_tokens": .int(completion),
                "total_tokens": .int(stats.promptTokens + completion),
                "prompt_tokens_details": ["cached_tokens": .int(stats.promptTokens - stats.promptTokensEvaluated)]]
    }

    /// The id of call `index` of the response `id` (the same in a stream and in a whole reply).
    static func callID(_ id: String, _ index: Int) -> String { "call_\(id.suffix(12))_\(index)" }

    static func callsJSON(_ calls: [ToolCall], id: String) -> JSONValue {
        .array(calls.enumerated().map { i, call in
            ["id": .string(call.id ?? callID(id, i)), "type": "function",
             "function": ["name": .string(call.name), "arguments": .string(call.arguments.compactText)]]
        })
    }

    /// OpenAI's `logprobs.content` entries for generated tokens (end-of-generation left out).
    static func logprobsJSON(_ tokens: [GeneratedToken]) -> JSONValue {
        func entry(_ bytes: [UInt8], _ logprob: Float) -> JSONObject {
            JSONObject([("token", .string(String(decoding: bytes, as: UTF8.self))), ("logprob", .double(Double(logprob))),
                        ("bytes", .array(bytes.map { .int(Int($0)) }))])
        }
        return .array(tokens.filter { !$0.bytes.isEmpty }.map { token in
            var object = entry(token.bytes, token.logprob)
            object["top_logprobs"] = .array(token.alternatives.map { .object(entry($0.bytes, $0.logprob)) })
            return .object(object)
        })
    }
}

/// Compiled grammars by request shape: clients send the same tools and schemas again and again.
private final class Grammars: @unchecked Sendable {
    // Guarded by `lock`. A nil grammar is cached too (a tool choice that needs none).
    private var cache: [String: CompiledGrammar?] = [:]
    private let lock = NSLock()

    private func store(_ key: String, _ grammar: CompiledGrammar?) {
        lock.withLock {
            if cache.count > 256 { cache.removeAll() }
            cache[key] = grammar
        }
    }

    func tools(format: ToolCallFormat, tools: [JSONValue], choice: ToolChoice, parallel: Bool,
               vocabulary: TokenVocabulary) throws -> GrammarConstraint? {
        let key = "tools|\(format.family)|\(choice)|\(parallel)|" + JSONValue.array(tools).compactText
        if let hit = lock.withLock({ cache[key] }) { return hit.map { GrammarConstraint(grammar: $0, vocabulary: vocabulary) } }
        let options = JSONSchemaCompiler.Options(whitespace: .flexible(maxRun: 1))
        let grammar = try ToolCallGrammar.build(format: format, tools: tools, choice: choice, parallel: parallel,
                                                maxCalls: 8, options: options).map(CompiledGrammar.init)
        store(key, grammar)
        return grammar.map { GrammarConstraint(grammar: $0, vocabulary: vocabulary) }
    }

    func schema(_ schema: JSONValue, vocabulary: TokenVocabulary) throws(OpenAIError) -> GrammarConstraint {
        let key = "schema|" + schema.compactText
        if let hit = lock.withLock({ cache[key] }), let hit { return GrammarConstraint(grammar: hit, vocabulary: vocabulary) }
        do {
            let grammar = CompiledGrammar(try JSONSchemaCompiler.compile(schema).grammar)
            store(key, grammar)
            return GrammarConstraint(grammar: grammar, vocabulary: vocabulary)
        } catch {
            throw OpenAIError(status: 400, "response_format's schema is not supported at \(error.pointer): \(error.message)",
                              param: "response_format.json_schema.schema", code: "invalid_schema")
        }
    }
}
