import AsyncHTTPClient
import Foundation
import NIOCore
import Runtime

/// A client for one OpenAI-compatible chat-completions endpoint, built to fail clearly and in
/// bounded time:
///
/// - each HTTP attempt has `requestTimeout` (connect, send and the whole body, so a server that
///   stalls or dribbles its body cannot hold it), and the whole call `deadline`, retries and
///   waits included;
/// - connection errors (refused, reset, a body cut short), attempt timeouts, 429 and 5xx are
///   retried up to `maxRetries` times with exponential backoff and full jitter; a 429's
///   `Retry-After` (seconds) replaces the backoff, and when it would leave no time before the
///   deadline the call fails at once as `rateLimited`;
/// - other 4xx (400, 401, 404…) are not retried; a 2xx body that is not a chat completion is
///   retried once, as a second malformed answer from the same server is unlikely to be a glitch;
/// - a `CircuitBreaker` counts failed calls (after their retries): once it opens, calls fail at
///   once with `circuitOpen` until its cooldown is over. A call whose HTTP exchange worked (a
///   completion, or one with an unreadable tool call) counts as a success;
/// - the API key is scrubbed from every message.
///
/// ```swift
/// let client = try RemoteClient(RemoteConfiguration(baseURL: "http://127.0.0.1:8080/v1", model: "qwen"))
/// let answer = try await client.complete(messages: [["role": "user", "content": "Hi"]], tools: [],
///                                        toolChoice: .auto, parallelToolCalls: true, responseFormat: nil)
/// ```
public final class RemoteClient: Sendable {
    public let configuration: RemoteConfiguration
    public let breaker: CircuitBreaker
    private let http: HTTPClient
    private let endpoint: String
    let scrubber: Scrubber

    /// Uses `HTTPClient.shared` unless given a client (whose lifetime stays the caller's). The
    /// shared client's pool keeps trying to connect to a host that refuses connections until its
    /// connect timeout (10 s), so against a dead host each attempt ends at `requestTimeout` or
    /// 10 s, whichever is first; inject a client with a shorter connect timeout to fail faster:
    ///
    /// ```swift
    /// let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup,
    ///                       configuration: .init(timeout: .init(connect: .seconds(1))))
    /// ```
    public init(_ configuration: RemoteConfiguration, httpClient: HTTPClient = .shared,
                breaker: CircuitBreaker? = nil) throws(RemoteError) {
        self.configuration = configuration
        endpoint = try configuration.completionsURL()
        http = httpClient
        self.breaker = breaker ?? CircuitBreaker(threshold: configuration.breakerThreshold, cooldown: configuration.breakerCooldown)
        scrubber = Scrubber(apiKey: configuration.apiKey)
    }

    /// One chat completion. Throws `RemoteError` (or `CancellationError` when the caller's task
    /// is cancelled).
    public func complete(messages: [JSONValue], tools: [ToolDefinition], toolChoice: ToolChoice,
                         parallelToolCalls: Bool, responseFormat: JSONValue?) async throws -> RemoteCompletion {
        guard breaker.admit() else {
            throw RemoteError(.circuitOpen, "\(configuration.breakerThreshold) calls in a row failed; calls are refused for "
                              + "another \(breaker.remainingCooldown)")
        }
        let body = ChatCompletionsWire.requestBody(
            model: configuration.model, messages: messages, tools: tools, toolChoice: toolChoice,
            parallelToolCalls: parallelToolCalls, responseFormat: responseFormat,
            temperature: configuration.temperature, maxTokens: configuration.maxTokens)
        do {
            let completion = try await attempts(Array(body.compactText.utf8))
            breaker.recordSuccess()
            return completion
        } catch let error as RemoteError {
            if error.kind == .invalidToolCall { breaker.recordSuccess() } else { breaker.recordFailure() }
            throw error
        } catch {
            breaker.recordAbandoned()
            throw error
        }
    }

    /// The retry loop around single attempts.
    private func attempts(_ body: [UInt8]) async throws -> RemoteCompletion {
        let clock = ContinuousClock()
        let started = clock.now
        let end = started + configuration.deadline
        var attempt = 0
        var malformedSeen = false
        while true {
            attempt += 1
            let left = end - clock.now
            guard left > .zero else {   // a backoff sleep overran the deadline
                throw RemoteError(.timeout, "the call's deadline of \(configuration.deadline) passed", attempts: attempt - 1)
            }
            let failure: Failure
            switch await self.attempt(body, limit: min(configuration.requestTimeout, left)) {
            case .success(var completion):
                completion.seconds = (clock.now - started).seconds
                completion.attempts = attempt
                return completion
            case .failure(let problem):
                failure = problem
            }
            try Task.checkCancellation()
            var error = failure.error
            error.attempts = attempt
            var retry = failure.retry && attempt <= configuration.maxRetries
            if error.kind == .malformedResponse {
                retry = retry && !malformedSeen
                malformedSeen = true
            }
            guard retry else { throw error }
            let wait = failure.retryAfter ?? backoff(retry: attempt)
            guard wait < end - clock.now else {
                error.message += "; waiting \(wait) "
                    + "for another attempt would pass the deadline of \(configuration.deadline)"
                throw error
            }
            try await Task.sleep(for: wait)
        }
    }

    /// One HTTP exchange, whole body included, within `limit`.
    private func attempt(_ body: [UInt8], limit: Duration) async -> Result<RemoteCompletion, Failure> {
        let exchange: Exchange
        do {
            exchange = try await withDeadline(limit) { try await self.send(body, limit: limit) }
        } catch is DeadlineExceeded {
            return .failure(Failure(RemoteError(.timeout, "no complete answer within \(limit)"), retry: true))
        } catch let error as Failure {
            return .failure(error)
        } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout].contains(error) {
            // AsyncHTTPClient's own timer (set to the same limit) can fire before ours.
            return .failure(Failure(RemoteError(.timeout, "no complete answer within \(limit) (\(error))"), retry: true))
        } catch {
            let why = Task.isCancelled ? "cancelled" : scrubber.excerpt(String(describing: error))
            return .failure(Failure(RemoteError(.connection, "\(endpoint): \(why)"), retry: true))
        }
        return judge(exchange)
    }

    /// What came back from one attempt.
    struct Exchange: Sendable {
        var status: Int
        var retryAfter: String?
        var body: [UInt8]
    }

    private func send(_ body: [UInt8], limit: Duration) async throws -> Exchange {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        if let key = configuration.apiKey, !key.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        request.body = .bytes(body)
        let response = try await http.execute(request, timeout: .nanoseconds(Int64(limit.seconds * 1e9)))
        let buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: configuration.maxResponseBytes)
        } catch is NIOTooManyBytesError {
            throw Failure(RemoteError(.malformedResponse, "the answer is larger than \(configuration.maxResponseBytes) bytes"),
                          retry: false)
        }
        return Exchange(status: Int(response.status.code), retryAfter: response.headers.first(name: "retry-after"),
                        body: Array(buffer.readableBytesView))
    }

    /// Turns an HTTP answer into a completion or a classified failure.
    private func judge(_ exchange: Exchange) -> Result<RemoteCompletion, Failure> {
        let excerpt = scrubber.excerpt(String(decoding: exchange.body, as: UTF8.self))
        switch exchange.status {
        case 200..<300:
            switch ChatCompletionsWire.parse(exchange.body) {
            case .completion(let completion): return .success(completion)
            case .malformed(let why):
                return .failure(Failure(RemoteError(.malformedResponse, "HTTP \(exchange.status): \(why): \(excerpt)"), retry: true))
            case .invalidCall(let why, let promptTokens, let completionTokens):
                return .failure(Failure(RemoteError(.invalidToolCall, scrubber.excerpt(why, limit: 300),
                                                    promptTokens: promptTokens, completionTokens: completionTokens), retry: false))
            }
        case 429:
            let wait = exchange.retryAfter.flatMap(Self.retryAfter)
            return .failure(Failure(RemoteError(.rateLimited, "HTTP 429: \(excerpt)"), retry: true, retryAfter: wait))
        case 500..<600:
            return .failure(Failure(RemoteError(.httpStatus(exchange.status), "HTTP \(exchange.status): \(excerpt)"), retry: true))
        default:
            return .failure(Failure(RemoteError(.httpStatus(exchange.status), "HTTP \(exchange.status): \(excerpt)"), retry: false))
        }
    }
}
