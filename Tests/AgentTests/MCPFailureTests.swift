import Agent
import Foundation
import Runtime
import Testing

/// The MCP client against servers that fail on purpose (scripts/testing/misbehaving_mcp_server.py):
/// each failure must be a `ToolError` within a bounded time, and no child may be left behind.
@Suite(.timeLimit(.minutes(1))) struct MCPFailureTests {
    private func start(_ mode: String, callTimeout: Duration = .seconds(30)) async throws -> MCPServer {
        try await MCPServer.start(
            MCPServerConfiguration(
                commandLine: MCPTesting.misbehavingServer(mode), callTimeout: callTimeout,
                shutdownGrace: .milliseconds(500)))
    }

    @Test func pagedListingAndResultShapes() async throws {
        let server = try await start("paged")
        let tools = await server.tools
        #expect(tools.map(\.name) == ["echo", "ping"])
        #expect(tools.last?.definition.parameters == ["type": "object"])
        let echo = try #require(tools.first)
        #expect(echo.definition.description == "Echoes its text.")
        #expect(try await echo.call(arguments: ["text": "plain words"]) == #"{"result":"plain words"}"#)
        #expect(try await echo.call(arguments: ["text": #"{"b": [1, 2], "a": null}"#]) == #"{"b":[1,2],"a":null}"#)
        _ = await MCPTesting.expectToolError(.invalidArguments) { try await echo.call(arguments: ["not", "an object"]) }
        await server.shutdown()
        #expect(MCPTesting.isGone(server.processIdentifier))
        _ = await MCPTesting.expectToolError(.unavailable) { try await echo.call(arguments: ["text": "late"]) }
    }

    @Test func serverCrashingMidCallIsUnavailable() async throws {
        let server = try await start("crash")
        let echo = try #require(await server.tools.first)
        let (error, elapsed) = await MCPTesting.timed {
            await MCPTesting.expectToolError(.unavailable) { try await echo.call(arguments: ["text": "boom"]) }
        }
        #expect(elapsed < .seconds(10))
        #expect(error?.message.contains("exited with status 3") == true, "\(String(describing: error))")
        #expect(error?.message.contains("crashing on purpose") == true, "\(String(describing: error))")
        #expect(await !server.isRunning)
        // Later calls fail at once, without a round trip to a dead process.
        let (_, again) = await MCPTesting.timed {
            await MCPTesting.expectToolError(.unavailable) { try await echo.call(arguments: ["text": "again"]) }
        }
        #expect(again < .seconds(10))   // a round trip to the dead process would wait out the 30 s call timeout
        #expect(MCPTesting.isGone(server.processIdentifier))
        await server.shutdown()
    }

    @Test func serverNeverAnsweringTimesOutAndIsKilled() async throws {
        let server = try await start("hang", callTimeout: .seconds(1))
        let echo = try #require(await server.tools.first)
        let (error, elapsed) = await MCPTesting.timed {
            await MCPTesting.expectToolError(.timeout) { try await echo.call(arguments: ["text": "anyone?"]) }
        }
        #expect(elapsed < .seconds(10))
        #expect(error?.message.contains("echo") == true)
        // The script ignores stdin EOF and SIGTERM: shutdown has to escalate to SIGKILL.
        let (_, stopping) = await MCPTesting.timed { await server.shutdown() }
        #expect(stopping < .seconds(25))   // grace 0.5 s, then SIGKILL; loose for loaded machines
        #expect(MCPTesting.isGone(server.processIdentifier))
        _ = await MCPTesting.expectToolError(.unavailable) { try await echo.call(arguments: ["text": "late"]) }
    }

    @Test func cancellingTheCallerEndsAHungCall() async throws {
        let server = try await start("hang", callTimeout: .seconds(60))
        let echo = try #require(await server.tools.first)
        let call = Task { try await echo.call(arguments: ["text": "anyone?"]) }
        try await Task.sleep(for: .milliseconds(300))
        let (result, elapsed) = await MCPTesting.timed {
            call.cancel()
            return await call.result
        }
        #expect(elapsed < .seconds(5))
        guard case .failure(let error as ToolError) = result else { Issue.record("not a ToolError: \(result)"); return }
        #expect(error.kind == .failed && error.message.contains("cancelled"), "\(error)")
        await server.shutdown()
        #expect(MCPTesting.isGone(server.processIdentifier))
    }

    @Test func serverWritingGarbageFailsTheCall() async throws {
        let server = try await start("garbage")
        let echo = try #require(await server.tools.first)
        let (error, elapsed) = await MCPTesting.timed {
            await MCPTesting.expectToolError(.failed) { try await echo.call(arguments: ["text": "hello"]) }
        }
        #expect(elapsed < .seconds(10))
        #expect(error?.message.contains("not JSON") == true, "\(String(describing: error))")
        _ = await MCPTesting.expectToolError(.unavailable) { try await echo.call(arguments: ["text": "again"]) }
        await server.shutdown()
        #expect(MCPTesting.isGone(server.processIdentifier))
    }

    @Test func serverNeverInitializingTimesOutAtStart() async throws {
        let (error, elapsed) = await MCPTesting.timed {
            await MCPTesting.expectToolError(.timeout) {
                try await MCPServer.start(
                    MCPServerConfiguration(
                        commandLine: MCPTesting.misbehavingServer("hang-init"), startupTimeout: .seconds(6),
                        shutdownGrace: .milliseconds(200)))
            }
        }
        // 6 s: on a loaded machine Python alone can take 2–3 s to start and write its pid.
        #expect(elapsed < .seconds(20))
        // The script writes its pid to stderr, which the error quotes.
        let message = error?.message ?? ""
        let pid = message.split(separator: "pid=").last.flatMap { Int32($0.prefix { $0.isNumber }) }
        let childPid = try #require(pid, "\(message)")
        #expect(MCPTesting.isGone(childPid))
    }

    @Test func serverExitingAtStartIsUnavailable() async throws {
        let error = await MCPTesting.expectToolError(.unavailable) {
            try await MCPServer.start(commandLine: "python3 -c 'import sys; sys.stderr.write(\"no config\\n\"); sys.exit(2)'")
        }
        #expect(error?.message.contains("exited with status 2") == true, "\(String(describing: error))")
        #expect(error?.message.contains("no config") == true, "\(String(describing: error))")
    }
}
