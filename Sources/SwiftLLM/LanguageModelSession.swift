import Foundation
import Runtime

/// A conversation with a `LanguageModel`: instructions, then turns of prompts and responses. The
/// session keeps the conversation's KV cache, so each new turn evaluates only the new text.
///
/// ```swift
/// let session = LanguageModelSession(model: model, instructions: "You are terse.")
/// let answer = try await session.respond(to: "Name three planets")
/// for try await snapshot in session.streamResponse(to: "Now a fourth") { print(snapshot.delta, terminator: "") }
/// let contact = try await session.respond(to: "Invent a person", generating: Contact.self).content
/// ```
///
/// One request at a time: a second request while one runs throws
/// `LanguageModelError.concurrentRequests`. Cancelling the task that awaits a response (or
/// iterates a stream) stops generation within one decode step and throws `CancellationError`;
/// the conversation then stays as it was before that request.
public actor LanguageModelSession {
    /// One turn of the conversation.
    public struct Message: Sendable, Equatable {
        public enum Role: String, Sendable { case system, user, assistant }
        public var role: Role
        public var content: String

        public init(role: Role, content: String) {
            self.role = role
            self.content = content
        }
    }

    public nonisolated let model: LanguageModel
    /// The system message every turn starts from.
    public nonisolated let instructions: String?
    /// The turns so far: the instructions (as a system message), then prompts and responses.
    public private(set) var transcript: [Message]
    /// Whether a request is running.
    public private(set) var isResponding = false
    /// Most tokens the conversation may hold.
    public nonisolated let contextLength: Int

    private let cache: KVCache
    /// The prompt length and progress of the request being answered.
    private var running: (promptTokens: Int, progress: TextCollector)?

    /// Tokens in the session's context: the conversation so far (while a request runs, its prompt
    /// and the tokens generated so far).
    public var contextTokenCount: Int {
        if let running { return running.promptTokens + running.progress.tokens }
        return cache.count
    }

    /// A session with `instructions` as its system message. `contextLength` defaults to the
    /// model's trained context, at most 8,192 tokens (the cache is allocated up front).
    public init(model: LanguageModel, instructions: String? = nil, contextLength: Int? = nil) {
        self.model = model
        self.instructions = instructions
        transcript = instructions.map { [Message(role: .system, content: $0)] } ?? []
        let cache = model.model.makeCache(contextLength: contextLength ?? min(model.trainedContextLength, 8192))
        self.cache = cache
        self.contextLength = cache.capacity
    }

    /// Forgets every turn but the instructions (and does nothing while a request runs).
    public func reset() {
        guard !isResponding else { return }
        transcript = instructions.map { [Message(role: .system, content: $0)] } ?? []
    }

    // MARK: Text

    /// The model's reply to `prompt`, as text.
    public func respond(to prompt: String, options: GenerationOptions = GenerationOptions()) async throws -> Response<String> {
        let turn = try await generate(prompt: prompt, constraint: nil, options: options) { _, _ in }
        return Response(content: turn.text, rawContent: turn.text, usage: turn.usage)
    }

    /// The reply to `prompt` as it is generated: each snapshot holds the text so far and the
    /// piece just added. `collect()` waits for the whole response.
    public nonisolated func streamResponse(to prompt: String, options: GenerationOptions = GenerationOptions()) -> ResponseStream {
        let (stream, continuation) = AsyncThrowingStream<ResponseStream.Event, Error>.makeStream()
        let task = Task {
            do {
                let turn = try await self.generate(prompt: prompt, constraint: nil, options: options) { piece, content in
                    continuation.yield(.snapshot(ResponseStream.Snapshot(content: content, delta: piece)))
                }
                continuation.yield(.done(Response(content: turn.text, rawContent: turn.text, usage: turn.usage)))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return ResponseStream(events: stream)
    }

    // MARK: Structured

    /// A value of `type` generated under its JSON Schema: the output is valid by construction, then
    /// converted with `init(_:)`. With `includeSchemaInPrompt` (the default) the prompt also shows
    /// the model the schema, which small models need to fill the fields sensibly. The response
    /// may take `maximumResponseTokens` (default 512); one that runs into the limit before its
    /// JSON is complete is generated once more, greedy with a repetition penalty of 1.3 (the
    /// usage is that second try's), and throws `exceededTokenLimit` if that one does too.
    public func respond<Content: Generable>(to prompt: String, generating type: Content.Type = Content.self,
                                            includeSchemaInPrompt: Bool = true,
                                            options: GenerationOptions = GenerationOptions()) async throws -> Response<Content> {
        let response = try await respond(to: prompt, schema: Content.generationSchema,
                                         includeSchemaInPrompt: includeSchemaInPrompt, options: options)
        do {
            return Response(content: try Content(response.content), rawContent: response.rawContent, usage: response.usage)
        } catch let error as LanguageModelError {
            throw error
        } catch {
            throw LanguageModelError.decodingFailed(type: String(describing: Content.self), reason: "\(error)")
        }
    }

    /// Content generated under `schema` (for schemas built at run time).
    public func respond(to prompt: String, schema: GenerationSchema, includeSchemaInPrompt: Bool = true,
                        options: GenerationOptions = GenerationOptions()) async throws -> Response<GeneratedContent> {
        let grammar: Grammar
        do {
            grammar = try JSONSchemaCompiler.compile(schema.json, options: .init(whitespace: .flexible(maxRun: 2))).grammar
        } catch {
            throw LanguageModelError.unsupportedSchema("\(error)")
        }
        var options = options
        if options.maximumResponseTokens == nil { options.maximumResponseTokens = 512 }
        let text = includeSchemaInPrompt ? "\(prompt)\n\nAnswer with JSON that follows this JSON Schema:\n\(schema.jsonSchema)" : prompt
        let constraint = GrammarConstraint(grammar: grammar, vocabulary: model.vocabulary)
        let turn: Turn
        do {
            turn = try await generate(prompt: text, constraint: constraint, options: options) { _, _ in }
        } catch LanguageModelError.exceededTokenLimit {
            // A value that runs into the limit is almost always a loop (a string repeating itself,
            // which sampling at a high temperature makes likely in a small model): one more try,
            // greedy with a repetition penalty, which breaks such loops.
            var retry = options
            retry.sampling = .greedy
            retry.repetitionPenalty = max(options.repetitionPenalty ?? 1, 1.3)
            turn = try await generate(prompt: text, constraint: constraint, options: retry) { _, _ in }
        }
        guard let json = try? JSONValue(parsing: turn.text) else {
            throw LanguageModelError.decodingFailed(type: "JSON", reason: "the output is not JSON: \(turn.text.prefix(200))")
        }
        return Response(content: GeneratedContent(json: json), rawContent: turn.text, usage: turn.usage)
    }

    // MARK: Generation

    private struct Turn {
        var text: String
        var usage: Usage
    }

    /// Renders the conversation with `prompt` as a new user turn, generates the reply and, when it
    /// finished, records both in the transcript.
    private func generate(prompt: String, constraint: GrammarConstraint?, options: GenerationOptions,
                          onText: @Sendable (_ piece: String, _ textSoFar: String) -> Void) async throws -> Turn {
        guard !isResponding else { throw LanguageModelError.concurrentRequests }
        isResponding = true
        defer { isResponding = false }
        try Task.checkCancellation()
        let messages = transcript + [Message(role: .user, content: prompt)]
        let tokens = try promptTokens(messages)
        guard tokens.count < contextLength else { throw LanguageModelError.exceededContextWindowSize(limit: contextLength) }
        var engineOptions = Runtime.GenerationOptions(maxTokens: options.maximumResponseTokens, sampler: options.samplerConfig,
                                                      constraint: constraint)
        engineOptions.recordTokens = false
        let collected = TextCollector()
        running = (tokens.count, collected)
        defer { running = nil }
        let stats = try await run(tokens, options: engineOptions) { event in
            switch event {
            case .text(let piece):
                onText(piece, collected.add(piece))
            case .token:
                collected.addToken()
            default:
                break
            }
        }
        if stats.stopReason == .cancelled { throw CancellationError() }
        if stats.stopReason == .contextFull && constraint == nil || constraint != nil && stats.grammarComplete == false {
            if stats.stopReason == .contextFull { throw LanguageModelError.exceededContextWindowSize(limit: contextLength) }
            throw LanguageModelError.exceededTokenLimit(limit: options.maximumResponseTokens ?? contextLength)
        }
        let text = collected.text
        transcript = messages + [Message(role: .assistant, content: text)]
        let usage = Usage(promptTokens: stats.promptTokens, promptTokensEvaluated: stats.promptTokensEvaluated,
                          responseTokens: stats.generatedTokens, timeToFirstToken: stats.timeToFirstToken,
                          tokensPerSecond: stats.generationTokensPerSecond, stopReason: stats.stopReason.rawValue)
        return Turn(text: text, usage: usage)
    }

    private func promptTokens(_ messages: [Message]) throws -> [Int32] {
        let json: [JSONValue] = messages.map { .object(JSONObject([("role", .string($0.role.rawValue)), ("content", .string($0.content))])) }
        let chat = model.chat
        do {
            let text = try chat.template.render(messages: json, addGenerationPrompt: true, bosToken: chat.bosToken, eosToken: chat.eosToken)
            let templateWroteBOS = !chat.bosToken.isEmpty && text.hasPrefix(chat.bosToken)
            return model.tokenizer.encode(text, addSpecial: !templateWroteBOS, parseSpecial: true)
        } catch {
            throw LanguageModelError.templateFailed("\(error)")
        }
    }

    /// The generation loop: the prompt (what differs from the cached prefix, in batches of 512),
    /// then one token per step. It yields to other tasks after every batch and step, so a long
    /// generation does not hold a thread of the cooperative pool, and stops within one step of a
    /// cancellation (`TokenGenerator.next` checks it).
    private func run(_ tokens: [Int32], options: Runtime.GenerationOptions,
                     emit: (GenerationEvent) -> Void) async throws -> GenerationStats {
        let clock = ContinuousClock()
        let started = clock.now
        var generator = TokenGenerator(prompt: tokens, options: options, decoder: model.tokenizer,
                                       endOfGeneration: model.tokenizer.endOfGeneration, started: started)
        let common = cache.keepPrefix(of: tokens)
        var logits: [Float] = []
        var offset = common
        while offset < tokens.count {
            try Task.checkCancellation()
            let end = min(offset + 512, tokens.count)
            logits = try model.model.forward(Array(tokens[offset..<end]), cache: cache)
            offset = end
            await Task.yield()
        }
        generator.promptEvaluated(tokens: tokens.count - common, seconds: (clock.now - started).seconds)
        var loop = DecodeLoop(model: model.model, cache: cache, generator: generator, decoder: model.tokenizer)
        var token = generator.next(logits: logits, emit: emit)
        while let current = token {
            token = try loop.step(after: current, generator: &generator, emit: emit)
            await Task.yield()
        }
        return generator.finish(emit: emit)
    }
}

/// The text and token count of one generation, appended to by the engine's event callback (on
/// the engine's thread) and read by the session while it runs (`contextTokenCount`).
private final class TextCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var _text = ""
    private var _tokens = 0

    var text: String { lock.withLock { _text } }
    var tokens: Int { lock.withLock { _tokens } }

    /// Appends `piece`; returns the text so far.
    func add(_ piece: String) -> String {
        lock.withLock {
            _text += piece
            return _text
        }
    }
    func addToken() { lock.withLock { _tokens += 1 } }
}
