import Foundation
import Logging
import MCP
import Runtime
import SystemPackage

/// What the server's stdout said beyond the messages the SDK client handles.
enum MCPTransportEvent: Sendable {
    /// A line that is not JSON: the session can no longer be trusted to pair answers with calls.
    case nonJSON(String)
    /// The server closed its stdout (it exited, or will be of no further use).
    case closed
}

/// The SDK's `StdioTransport` with a look at every line on the way to the client.
///
/// The SDK client drops non-JSON lines silently (a call would then wait for its timeout) and, once
/// the stream ends, keeps polling the finished stream until disconnected; this transport reports
/// both so the server can fail fast. It also keeps the raw `result` of the requests we ask it to,
/// because the SDK's `Value` stores objects in dictionaries and would lose the key order of tool
/// schemas (the order a model sees and writes arguments in).
actor MCPLineTransport: Transport {
    nonisolated let logger: Logger
    private let inner: StdioTransport
    private let onEvent: @Sendable (MCPTransportEvent) -> Void
    private let stream: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private var forwarding: Task<Void, Never>?
    /// Request ids whose raw result we keep, and the results that have come.
    private var wanted: Set<String> = []
    private var results: [String: JSONValue] = [:]

    /// `input` is our read end of the server's stdout, `output` our write end of its stdin.
    init(input: Int32, output: Int32, onEvent: @escaping @Sendable (MCPTransportEvent) -> Void) {
        let logger = Logger(label: "swiftllm.mcp.transport", factory: { _ in SwiftLogNoOpLogHandler() })
        self.logger = logger
        inner = StdioTransport(input: FileDescriptor(rawValue: input), output: FileDescriptor(rawValue: output), logger: logger)
        self.onEvent = onEvent
        (stream, continuation) = AsyncThrowingStream.makeStream(of: Data.self)
    }

    func connect() async throws {
        try await inner.connect()
        guard forwarding == nil else { return }
        let lines = await inner.receive()
        forwarding = Task { await self.forward(lines) }
    }

    private func forward(_ lines: AsyncThrowingStream<Data, any Error>) async {
        do {
            for try await line in lines {
                if inspect(line) { continuation.yield(line) }
            }
        } catch {
            logger.debug("stdout read failed: \(error)")
        }
        continuation.finish()
        onEvent(.closed)
    }

    /// False for a line the client must not see.
    private func inspect(_ line: Data) -> Bool {
        guard let message = try? JSONValue(parsing: [UInt8](line)) else {
            onEvent(.nonJSON(String(decoding: line.prefix(200), as: UTF8.self)))
            return false
        }
        if let id = message["id"]?.stringValue, wanted.remove(id) != nil, let result = message["result"] {
            results[id] = result
        }
        return true
    }

    func disconnect() async {
        forwarding?.cancel()
        await inner.disconnect()
        continuation.finish()
    }

    func send(_ data: Data) async throws {
        try await inner.send(data)
    }

    nonisolated func receive() -> AsyncThrowingStream<Data, any Error> { stream }

    /// Keep the raw result of the request with this id.
    func keepResult(of id: String) { wanted.insert(id) }

    /// The raw result of a kept request, once; forgets the request either way.
    func takeResult(of id: String) -> JSONValue? {
        wanted.remove(id)
        return results.removeValue(forKey: id)
    }
}
