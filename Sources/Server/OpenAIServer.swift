import Foundation
import Hummingbird
import Logging
import NIOCore
import Runtime

/// `swiftllm serve`: OpenAI's HTTP API over a `CompletionService`, on Hummingbird.
/// Routes: `POST /v1/chat/completions`, `POST /v1/completions`, `GET /v1/models`, `GET /health`,
/// `GET /metrics`. SIGINT and SIGTERM shut it down gracefully.
public struct OpenAIServer: Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        public var port = 8080
        /// Bearer token the `/v1` routes require (none when nil).
        public var apiKey: String?
        /// Most seconds one request may take before it is cut off (504, or an error event when
        /// streaming).
        public var timeout: Double = 600
        public var maxBodyBytes = 4 << 20

        public init() {}
    }

    public let service: CompletionService
    public let configuration: Configuration
    let metrics = ServerMetrics()

    public init(service: CompletionService, configuration: Configuration) {
        self.service = service
        self.configuration = configuration
    }

    /// Serves until SIGINT or SIGTERM; `onRunning` gets the bound port (useful with port 0).
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let router = Router()
        router.get("health") { _, _ -> Response in
            Self.json(["status": "ok"])
        }
        router.get("metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4"
            return Response(status: .ok, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(string: metrics.text(engine: service.engine.snapshot))))
        }
        router.get("v1/models") { request, _ -> Response in
            if let denied = authorize(request) { return Self.error(denied) }
            return Self.json(["object": "list", "data": [["id": .string(service.modelName), "object": "model",
                                                          "created": .int(service.created), "owned_by": "swiftllm"]]])
        }
        router.post("v1/chat/completions") { request, _ -> Response in
            await handle(request, route: "chat") { body throws(OpenAIError) in try ChatRequest(chat: body) }
        }
        router.post("v1/completions") { request, _ -> Response in
            await handle(request, route: "completions") { body throws(OpenAIError) in try ChatRequest(completion: body) }
        }
        var logger = Logger(label: "swiftllm.serve")
        logger.logLevel = .warning
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "swiftllm"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.runService()
        service.engine.shutdown()
    }

    /// Auth, body, parsing, then the generation; every failure answered in OpenAI's shape.
    private func handle(_ request: Request, route: String,
                        parse: (JSONValue) throws(OpenAIError) -> ChatRequest) async -> Response {
        do throws(OpenAIError) {
            if let denied = authorize(request) { throw denied }
            let body = try await readBody(request)
            let chat = try parse(body)
            let job = try service.job(for: chat)
            let events = try service.start(job)
            let response = chat.stream ? stream(events, job: job, route: route) : try await complete(events, job: job, route: route)
            return response
        } catch {
            metrics.request(route, status: error.status)
            return Self.error(error)
        }
    }

    private func authorize(_ request: Request) -> OpenAIError? {
        guard let key = configuration.apiKey else { return nil }
        let given = request.headers[.authorization] ?? ""
        let expected = "Bearer " + key
        // Constant time in the key's length: every byte is compared whatever the first mismatch.
        var difference = given.utf8.count ^ expected.utf8.count
        for (a, b) in zip(given.utf8, expected.utf8) { difference |= Int(a ^ b) }
        return difference == 0 ? nil : OpenAIError(status: 401, "missing or wrong API key (Authorization: Bearer ...)",
                                                    type: "authentication_error", code: "invalid_api_key")
    }

    private func readBody(_ request: Request) async throws(OpenAIError) -> JSONValue {
        if let type = request.headers[.contentType], !type.lowercased().hasPrefix("application/json") {
            throw OpenAIError(status: 415, "the body must be application/json, not '\(type)'")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: configuration.maxBodyBytes)
        } catch {
            throw OpenAIError(status: 413, "the body is larger than \(configuration.maxBodyBytes) bytes (or was cut short)")
        }
        do {
            return try JSONValue(parsing: Array(buffer.readableBytesView), maxDepth: 128)
        } catch {
            throw OpenAIError(status: 400, "the body is not valid JSON: \(error)")
        }
    }

    /// A non-streaming answer: the whole generation, then one JSON object.
    private func complete(_ events: AsyncThrowingStream<GenerationEvent, Error>, job: CompletionService.Job,
                          route: String) async throws(OpenAIError) -> Response {
        let collected = try await collect(events)
        let result = service.result(text: collected.text, stats: collected.stats, job: job)
        metrics.generation(collected.stats)
        metrics.request(route, status: 200)
        let id = Self.newID(route)
        var choice = JSONObject([("index", 0)])
        if route == "chat" {
            var message = JSONObject([("role", "assistant"), ("content", result.content.map(JSONValue.string) ?? .null)])
            if !result.calls.isEmpty { message["tool_calls"] = CompletionService.callsJSON(result.calls, id: id) }
            choice["message"] = .object(message)
            choice["logprobs"] = job.request.logprobs ? ["content": CompletionService.logprobsJSON(collected.stats.tokens)] : .null
        } else {
            choice["text"] = .string(collected.text)
            choice["logprobs"] = job.request.logprobs ? Self.completionLogprobs(collected.stats.tokens) : .null
        }
        choice["finish_reason"] = .string(result.finishReason)
        return Self.json(.object(JSONObject([
            ("id", .string(id)), ("object", .string(route == "chat" ? "chat.completion" : "text_completion")),
            ("created", .int(Int(Date().timeIntervalSince1970))), ("model", .string(service.model(job))),
            ("system_fingerprint", "swiftllm"), ("choices", [.object(choice)]),
            ("usage", CompletionService.usage(collected.stats)),
        ])))
    }

    /// Reads the engine's events to the end, within the request timeout.
    private func collect(_ events: AsyncThrowingStream<GenerationEvent, Error>) async throws(OpenAIError)
        -> (text: String, stats: GenerationStats) {
        let limit = configuration.timeout
        do {
            return try await withThrowingTaskGroup(of: (text: String, stats: GenerationStats)?.self) { group in
                group.addTask {
                    var text = ""
                    for try await event in events {
                        switch event {
                        case .text(let piece): text += piece
                        case .done(let stats): return (text, stats)
                        case .token, .alternatives: break
                        }
                    }
                    throw CancellationError()
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(limit))
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let result = first else {
                    throw OpenAIError(status: 504, "the request took longer than \(limit) s", type: "timeout", code: "timeout")
                }
                return result
            }
        } catch let error as OpenAIError {
            throw error
        } catch {
            throw OpenAIError(status: 500, "generation failed: \(error)", type: "server_error")
        }
    }

    static func newID(_ route: String) -> String {
        (route == "chat" ? "chatcmpl-" : "cmpl-") + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }

    /// Legacy completions' logprobs: parallel arrays of tokens, logprobs and top alternatives.
    static func completionLogprobs(_ tokens: [GeneratedToken]) -> JSONValue {
        let shown = tokens.filter { !$0.bytes.isEmpty }
        var offset = 0
        var offsets: [JSONValue] = []
        for token in shown {
            offsets.append(.int(offset))
            offset += String(decoding: token.bytes, as: UTF8.self).count
        }
        return ["tokens": .array(shown.map { .string(String(decoding: $0.bytes, as: UTF8.self)) }),
                "token_logprobs": .array(shown.map { .double(Double($0.logprob)) }),
                "top_logprobs": .array(shown.map { token in
                    .object(JSONObject(token.alternatives.map { (String(decoding: $0.bytes, as: UTF8.self), .double(Double($0.logprob))) }))
                }),
                "text_offset": .array(offsets)]
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.compactText)))
    }

    static func error(_ error: OpenAIError) -> Response {
        var response = json(error.json, status: HTTPResponse.Status(code: error.status))
        if error.status == 429 { response.headers[.retryAfter] = "1" }
        return response
    }
}
