import Agent
import Foundation
import Runtime
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `scripts/testing/scripted_remote.py` as a child process: started with its arguments, its port
/// read from the `PORT <n>` line it prints first, every request it saw read back from its log,
/// and killed when the test is done.
final class ScriptedRemote {
    struct StartFailure: Error, CustomStringConvertible {
        let description: String
    }

    let process = Process()
    let folder: URL
    let port: Int

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }
    private var logFile: URL { folder.appendingPathComponent("requests.jsonl") }

    /// Starts the server with `behaviours` (one per request, the last repeating) or other
    /// arguments (`["--oracle", dir]`) and waits for its port.
    init(behaviours: [String] = [], arguments: [String] = []) async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("scripted-remote-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let script = TestPaths.repoRoot.appendingPathComponent("scripts/testing/scripted_remote.py").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--log", folder.appendingPathComponent("requests.jsonl").path]
            + behaviours.flatMap { ["--behaviour", $0] } + arguments
        let output = Pipe()
        let errors = folder.appendingPathComponent("stderr.txt")
        guard FileManager.default.createFile(atPath: errors.path, contents: nil) else {
            throw StartFailure(description: "cannot create \(errors.path)")
        }
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errors)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = await Self.firstLine(output.fileHandleForReading)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            kill(process.processIdentifier, SIGKILL)
            let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw StartFailure(description: "scripted_remote.py printed '\(text)' instead of PORT: \(stderr)")
        }
        self.port = port
    }

    /// The first line `handle` gives, read on a thread of its own so that a slow Python start
    /// does not hold one of the few threads Swift's concurrency pool has (timed tests share it).
    private static func firstLine(_ handle: FileHandle) async -> String {
        await withCheckedContinuation { continuation in
            Thread {
                var line = Data()
                while !line.contains(UInt8(ascii: "\n")) {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    line.append(chunk)
                }
                continuation.resume(returning: String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
            }.start()
        }
    }

    /// Starts a server, runs `body` with it and stops it however `body` ends.
    static func with<T>(_ behaviours: [String], arguments: [String] = [], _ body: (ScriptedRemote) async throws -> T) async throws -> T {
        let server = try await ScriptedRemote(behaviours: behaviours, arguments: arguments)
        do {
            let value = try await body(server)
            await server.stop()
            return value
        } catch {
            await server.stop()
            throw error
        }
    }

    /// SIGTERM, then SIGKILL after a second. Waits by polling with `Task.sleep`, not with
    /// `waitUntilExit`, which blocks a thread of the concurrency pool (two on this machine) and
    /// would stall every timed test running beside it.
    func stop() async {
        for signal in [SIGTERM, SIGKILL] where process.isRunning {
            kill(process.processIdentifier, signal)
            for _ in 0..<100 where process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        }
        try? FileManager.default.removeItem(at: folder)
    }

    /// Every request so far: `{"n", "path", "headers", "body", "behaviour", "time"}` (a line
    /// that does not parse is a test failure).
    func requests() -> [JSONValue] {
        guard let data = FileManager.default.contents(atPath: logFile.path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            do {
                return try JSONValue(parsing: String(line))
            } catch {
                Issue.record("scripted_remote.py logged a line that is not JSON: \(error)")
                return nil
            }
        }
    }

    /// The usage of every answer that had one, in order: `(prompt_tokens, completion_tokens)`.
    func usages() -> [(prompt: Int, completion: Int)] {
        guard let data = FileManager.default.contents(atPath: logFile.path + ".usage") else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            guard let usage = try? JSONValue(parsing: String(line)),
                  let prompt = usage["prompt_tokens"]?.intValue, let completion = usage["completion_tokens"]?.intValue else {
                Issue.record("scripted_remote.py logged a usage line that is not one: \(line)")
                return nil
            }
            return (prompt, completion)
        }
    }

    /// A configuration for this server with test-sized limits: 10 ms backoff, 10 s per attempt,
    /// 30 s per call, 3 retries. The attempt limit is far above the scripted server's answer time
    /// because model tests in the same process can hold the cooperative threads for seconds.
    func configuration(key: String? = nil) -> RemoteConfiguration {
        var configuration = RemoteConfiguration(baseURL: baseURL, model: "scripted-model", apiKey: key)
        configuration.backoffBase = .milliseconds(10)
        configuration.backoffMax = .milliseconds(50)
        configuration.requestTimeout = .seconds(10)
        configuration.deadline = .seconds(30)
        return configuration
    }
}

/// Helpers for the remote tests.
enum RemoteTesting {
    /// Runs `body`, which must throw a `RemoteError` of `kind`, and returns that error.
    static func expectError<T>(
        _ kind: RemoteError.Kind, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
    ) async -> RemoteError? {
        await MCPTesting.expectError(RemoteError.self, kind, \.kind, sourceLocation: sourceLocation, body)
    }

    /// A tool with one optional string parameter and no others.
    static let lookup = ToolDefinition(
        name: "lookup", description: "Looks a word up.",
        parameters: ["type": "object", "properties": ["word": ["type": "string"]], "additionalProperties": false])

    static let question: [JSONValue] = [["role": "user", "content": "What does 'swift' mean?"]]

    /// A call to `client` offering `lookup`.
    static func complete(_ client: RemoteClient, choice: ToolChoice = .auto) async throws -> RemoteCompletion {
        try await client.complete(messages: question, tools: [lookup], toolChoice: choice, parallelToolCalls: true,
                                  responseFormat: nil)
    }
}
