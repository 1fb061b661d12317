import Foundation
import MCP
import Runtime

/// A running MCP server (a child process speaking MCP over stdio) and the tools it offers.
///
/// ```swift
/// let server = try await MCPServer.start(try MCPServerConfiguration(commandLine: "mcp-server-time"))
/// var registry = try ToolRegistry()
/// for tool in await server.tools { try registry.register(tool) }   // a clash between servers throws
/// …
/// await server.shutdown()
/// ```
///
/// Every failure is a `ToolError`: a server that cannot start or dies is `.unavailable` (and stays
/// so: later calls fail at once), one that does not answer in time is `.timeout`, one that answers
/// with an error or with garbage is `.failed`. No call waits longer than its timeout.
public actor MCPServer {
    public nonisolated let name: String
    /// The child's process id (for diagnostics; it is reaped by the time `shutdown()` returns).
    public nonisolated let processIdentifier: Int32
    /// The server's tools, as listed at start.
    public private(set) var tools: [MCPTool] = []

    private let configuration: MCPServerConfiguration
    private let child: MCPChildProcess
    private let transport: MCPLineTransport
    private let client: Client
    private let eventSink: AsyncStream<Event>.Continuation
    private var phase = Phase.running
    private var requestCount = 0

    private enum Event: Sendable {
        case exited
        case transport(MCPTransportEvent)
    }

    private enum Phase {
        case running
        /// Death noticed; the session is being torn down.
        case dying
        /// What the call in flight at death fails with.
        case dead(ToolError)
        case shutDown
    }

    /// Starts the server, initializes the MCP session and lists its tools, all within
    /// `configuration.startupTimeout`; on failure the child is stopped before this throws.
    public static func start(_ configuration: MCPServerConfiguration) async throws(ToolError) -> MCPServer {
        let executable = try configuration.resolvedExecutable()
        let (events, eventSink) = AsyncStream.makeStream(of: Event.self)
        let server = try MCPServer(configuration, executable: executable, eventSink: eventSink)
        Task { [weak server] in
            for await event in events {
                guard let server else { return }
                await server.handle(event)
            }
        }
        do {
            try await server.openSession()
        } catch {
            await server.shutdown()
            throw error
        }
        return server
    }

    /// Splits `commandLine` shell-style; see `MCPServerConfiguration`.
    public static func start(
        commandLine: String, environment: [String: String] = [:], workingDirectory: String? = nil
    ) async throws(ToolError) -> MCPServer {
        try await start(
            MCPServerConfiguration(commandLine: commandLine, environment: environment, workingDirectory: workingDirectory))
    }

    private init(
        _ configuration: MCPServerConfiguration, executable: String, eventSink: AsyncStream<Event>.Continuation
    ) throws(ToolError) {
        self.configuration = configuration
        self.name = configuration.name
        self.eventSink = eventSink
        do {
            child = try MCPChildProcess(
                executable: executable, arguments: Array(configuration.command.dropFirst()),
                environment: configuration.mergedEnvironment, workingDirectory: configuration.workingDirectory,
                onExit: { eventSink.yield(.exited) })
        } catch {
            throw ToolError(.unavailable, "cannot start MCP server '\(configuration.name)' (\(executable)): \(error)")
        }
        processIdentifier = child.processIdentifier
        transport = MCPLineTransport(
            input: child.stdoutDescriptor, output: child.stdinDescriptor,
            onEvent: { eventSink.yield(.transport($0)) })
        client = Client(name: "swiftllm", version: "0.1")
    }

    deinit {
        // Reached only when nobody holds the server or its tools, so nothing waits on it; kill
        // rather than ask, and let a task end the SDK client's loop (it would otherwise run on).
        child.killNow()
        eventSink.finish()
        let client = self.client
        let child = self.child
        Task {
            await client.disconnect()
            child.closeStdout()
        }
    }

    /// True until the server died or was shut down.
    public var isRunning: Bool {
        if case .running = phase { return true }
        return false
    }

    // MARK: - Session

    private func openSession() async throws(ToolError) {
        let client = self.client, transport = self.transport
        let outcome = await MCPRace.run(timeout: configuration.startupTimeout) {
            _ = try await client.connect(transport: transport)
            return try await self.listTools()
        }
        switch outcome {
        case .value(let tools):
            self.tools = tools
        case .timedOut:
            throw ToolError(
                .timeout, "MCP server '\(name)' did not start within \(configuration.startupTimeout)\(stderrNote)")
        case .cancelled:
            throw ToolError(.failed, "starting MCP server '\(name)' was cancelled")
        case .error(let error):
            throw await failure(for: error, doing: "starting")
        }
    }

    /// `tools/list`, following `nextCursor` until the server stops giving one.
    private func listTools() async throws -> [MCPTool] {
        var found: [MCPTool] = []
        var cursor: String?
        var seenCursors: Set<String> = []
        repeat {
            let parameters = cursor.map { ListTools.Parameters(cursor: $0) } ?? ListTools.Parameters()
            let result = try await request(RawListTools.self, parameters, id: nextRequestID())
            guard let items = result["tools"]?.arrayValue else {
                throw ToolError(.failed, "MCP server '\(name)' answered tools/list without a tools array")
            }
            for item in items {
                found.append(try MCPTool(listed: item, server: self))
            }
            cursor = result["nextCursor"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            if let cursor, !seenCursors.insert(cursor).inserted {
                throw ToolError(.failed, "MCP server '\(name)' repeated the tools/list cursor '\(cursor)'")
            }
        } while cursor != nil
        return found
    }

    /// Sends one request and returns its raw `result` (with the server's key order).
    private func request<M: MCP.Method>(_ method: M.Type, _ parameters: M.Parameters, id: String) async throws -> JSONValue {
        await transport.keepResult(of: id)
        let context = try await client.send(M.request(id: .string(id), parameters))
        _ = try await context.value
        guard let result = await transport.takeResult(of: id) else {
            throw ToolError(.failed, "MCP server '\(name)' answered \(M.name) without a result")
        }
        return result
    }

    private func nextRequestID() -> String {
        requestCount += 1
        return "swiftllm-\(requestCount)"
    }

    // MARK: - Calls

    /// Calls the server's tool `tool` with `arguments` (a JSON object, or null for none) and
    /// returns the result as JSON text; see `MCPToolResult`.
    public func call(tool: String, arguments: JSONValue) async throws(ToolError) -> String {
        guard case .running = phase else { throw notRunning }
        let mcpArguments = try MCPValueBridge.arguments(arguments, tool: tool)
        let id = nextRequestID()
        let parameters = CallTool.Parameters(name: tool, arguments: mcpArguments)
        let outcome = await MCPRace.run(timeout: configuration.callTimeout) {
            try await self.request(RawCallTool.self, parameters, id: id)
        }
        switch outcome {
        case .value(let result):
            return try MCPToolResult.text(of: result, tool: tool, server: name)
        case .timedOut:
            abandon(requestID: id, reason: "timed out")
            throw ToolError(.timeout, "MCP server '\(name)' did not answer '\(tool)' within \(configuration.callTimeout)")
        case .cancelled:
            abandon(requestID: id, reason: "cancelled")
            throw ToolError(.failed, "the call of '\(tool)' on MCP server '\(name)' was cancelled")
        case .error(let error):
            throw await failure(for: error, doing: "calling '\(tool)'")
        }
    }

    /// Tells the server to stop working on a request, and resolves the SDK's pending request so
    /// its task ends; not awaited, since a hung server may not be reading its stdin.
    private func abandon(requestID id: String, reason: String) {
        let client = self.client, transport = self.transport
        Task {
            _ = await transport.takeResult(of: id)
            try? await client.cancelRequest(.string(id), reason: reason)
        }
    }

    private var notRunning: ToolError {
        switch phase {
        case .dead(let error): ToolError(.unavailable, "MCP server '\(name)' is not running: \(error.message)")
        case .shutDown: ToolError(.unavailable, "MCP server '\(name)' has been shut down")
        case .running, .dying: ToolError(.unavailable, "MCP server '\(name)' is not running")
        }
    }

    private var stderrNote: String {
        let tail = child.stderrTail
        return tail.isEmpty ? "" : "; its stderr ends: \(tail.suffix(1000))"
    }

    /// Turns what a failed request threw into a `ToolError`, preferring the server's death (a
    /// transport error usually means it is dying) when that is noticed within a moment.
    private func failure(for error: any Error, doing what: String) async -> ToolError {
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline {
            switch phase {
            case .dead(let deathError): return deathError
            case .shutDown: return notRunning
            case .dying: try? await Task.sleep(for: .milliseconds(20))
            case .running:
                if let toolError = error as? ToolError { return toolError }
                guard let mcpError = error as? MCPError else {
                    return ToolError(.failed, "MCP server '\(name)' gave an unreadable answer while \(what): \(error)")
                }
                switch mcpError {
                case .transportError, .connectionClosed:
                    if child.hasExited { try? await Task.sleep(for: .milliseconds(20)); continue }
                    return ToolError(.unavailable, "MCP server '\(name)': \(mcpError.localizedDescription)")
                case .invalidParams(let detail):
                    return ToolError(.invalidArguments, "MCP server '\(name)' refused the arguments while \(what): \(detail ?? "invalid params")")
                default:
                    return ToolError(.failed, "MCP server '\(name)' answered with an error while \(what): \(mcpError.localizedDescription)")
                }
            }
        }
        return ToolError(.unavailable, "MCP server '\(name)' failed while \(what): \(error)")
    }

    // MARK: - Death and shutdown

    private func handle(_ event: Event) async {
        guard case .running = phase else { return }
        switch event {
        case .exited:
            await markDead(cause: nil)
        case .transport(.closed):
            await markDead(cause: nil)
        case .transport(.nonJSON(let line)):
            await markDead(cause: ToolError(.failed, "MCP server '\(name)' wrote a line that is not JSON to stdout: \(line)"))
        }
    }

    /// Tears the session down once the server died or broke the protocol (`cause`); in-flight
    /// calls then fail with `cause`, or with how the process ended.
    private func markDead(cause: ToolError?) async {
        guard case .running = phase else { return }
        // A known cause is final at once, so in-flight calls report it rather than the disconnect.
        phase = cause.map { .dead($0) } ?? .dying
        // Disconnecting first resolves the SDK's pending requests and stops its reading loop.
        await client.disconnect()
        let exitedByItself = cause == nil ? await child.waitForExit(timeout: .milliseconds(500)) : false
        if !exitedByItself { await child.stop(grace: .zero) }
        child.closeStdout()
        let error = cause ?? ToolError(.unavailable, "MCP server '\(name)' \(child.exitDescription ?? "closed its output")\(stderrNote)")
        if case .dying = phase { phase = .dead(error) }
    }

    /// Ends the session: closes the server's stdin, waits `shutdownGrace` for it to exit, then
    /// terminates and if need be kills it. Afterwards calls fail with `.unavailable`.
    public func shutdown() async {
        if case .shutDown = phase { return }
        phase = .shutDown
        await client.disconnect()
        await child.stop(grace: configuration.shutdownGrace)
        child.closeStdout()
        eventSink.finish()
    }
}

/// `tools/list` and `tools/call` with the result kept as raw JSON (see `MCPLineTransport`): the
/// SDK's typed results would drop key order and fail on a tool without an `inputSchema`.
enum RawListTools: MCP.Method {
    static let name = ListTools.name
    typealias Parameters = ListTools.Parameters
    typealias Result = Value
}

enum RawCallTool: MCP.Method {
    static let name = CallTool.name
    typealias Parameters = CallTool.Parameters
    typealias Result = Value
}
