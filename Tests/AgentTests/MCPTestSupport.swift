import Agent
import Foundation
import Runtime
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Helpers shared by the MCP tests.
enum MCPTesting {
    /// `python3 scripts/testing/misbehaving_mcp_server.py MODE`, quoted as a shell would need.
    static func misbehavingServer(_ mode: String) -> String {
        let script = TestPaths.repoRoot.appendingPathComponent("scripts/testing/misbehaving_mcp_server.py").path
        return "python3 '\(script)' \(mode)"
    }

    /// Starts a server, runs `body` with it and shuts it down however `body` ends.
    static func withServer<T>(
        _ configuration: MCPServerConfiguration, _ body: (MCPServer) async throws -> T
    ) async throws -> T {
        let server = try await MCPServer.start(configuration)
        do {
            let value = try await body(server)
            await server.shutdown()
            #expect(isGone(server.processIdentifier))
            return value
        } catch {
            await server.shutdown()
            throw error
        }
    }

    /// Runs `body`, which must throw a `ToolError` of `kind`, and returns that error.
    static func expectToolError<T>(
        _ kind: ToolError.Kind, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> T
    ) async -> ToolError? {
        await expectError(ToolError.self, kind, \.kind, sourceLocation: sourceLocation, body)
    }

    /// Runs `body`, which must throw an `E` whose kind (`kindOf`) is `kind`, and returns that error.
    static func expectError<E: Error, Kind: Equatable, T>(
        _ type: E.Type, _ kind: Kind, _ kindOf: (E) -> Kind, sourceLocation: SourceLocation,
        _ body: () async throws -> T
    ) async -> E? {
        do {
            let value = try await body()
            Issue.record("expected a \(kind) \(E.self), got \(value)", sourceLocation: sourceLocation)
            return nil
        } catch let error as E {
            #expect(kindOf(error) == kind, "\(error)", sourceLocation: sourceLocation)
            return error
        } catch {
            Issue.record("expected a \(kind) \(E.self), got \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// Runs `body` and returns how long it took.
    static func timed<T>(_ body: () async throws -> T) async rethrows -> (T, Duration) {
        let start = ContinuousClock.now
        let value = try await body()
        return (value, ContinuousClock.now - start)
    }

    /// True when no process (not even a zombie) has this pid any more.
    static func isGone(_ pid: Int32) -> Bool {
        kill(pid, 0) == -1 && errno == ESRCH
    }

    /// Runs a program (looked up in PATH) and returns its standard output; a non-zero exit is a
    /// test failure.
    static func run(_ arguments: [String]) throws -> String {
        let result = try Subprocess.run(URL(fileURLWithPath: "/usr/bin/env"), arguments)
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        return result.text
    }
}
