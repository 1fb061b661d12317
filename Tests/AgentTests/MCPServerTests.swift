import Agent
import Foundation
import Runtime
import Testing
import TestSupport

/// The MCP client against real servers from PyPI (`mcp-server-time`, `mcp-server-git`, installed
/// by scripts/install-deps.sh), checked against independent oracles.
@Suite(.timeLimit(.minutes(2))) struct MCPServerTests {
    @Test func splitsCommandLinesLikeAShell() throws {
        let split = { (line: String) throws(ToolError) in try MCPServerConfiguration.splitCommandLine(line) }
        #expect(try split("mcp-server-git --repository /tmp/repo") == ["mcp-server-git", "--repository", "/tmp/repo"])
        #expect(try split(#"python3 '/tmp/a b/s.py'  "x \"y\" \z"  c\ d ''"#) == ["python3", "/tmp/a b/s.py", #"x "y" \z"#, "c d", ""])
        #expect(throws: ToolError.self) { try split("python3 'open") }
        #expect(throws: ToolError.self) { try split("   ") }
    }

    @Test func missingCommandFailsAtStart() async throws {
        let error = await MCPTesting.expectToolError(.unavailable) {
            try await MCPServer.start(commandLine: "no-such-mcp-server-7f3a --flag")
        }
        #expect(error?.message.contains("not found") == true)
    }

    @Test func timeServerAgreesWithZoneinfoAndFoundation() async throws {
        try await MCPTesting.withServer(try MCPServerConfiguration(commandLine: "mcp-server-time")) { server in
            let tools = await server.tools
            #expect(Set(tools.map(\.name)) == ["get_current_time", "convert_time"])
            let getTime = try #require(tools.first { $0.name == "get_current_time" })
            #expect(getTime.definition.parameters["required"] == ["timezone"])

            let zone = "Asia/Kathmandu"  // +05:45, no DST: an offset a wrong implementation rarely hits by luck
            let answer = try JSONValue(parsing: try await getTime.call(arguments: ["timezone": .string(zone)]))
            #expect(answer["timezone"] == .string(zone))
            let datetime = try #require(answer["datetime"]?.stringValue)
            let instant = try #require(ISO8601DateFormatter().date(from: datetime), "\(datetime)")
            #expect(abs(instant.timeIntervalSinceNow) < 120)

            // Oracle 1: Python's zoneinfo at the same instant.
            let python = try MCPTesting.run([
                "python3", "-c",
                "import sys, datetime, zoneinfo; t = datetime.datetime.fromtimestamp(int(sys.argv[1]), zoneinfo.ZoneInfo(sys.argv[2])); print(t.strftime('%A %z'))",
                String(Int(instant.timeIntervalSince1970)), zone,
            ]).trimmingCharacters(in: .whitespacesAndNewlines)
            let offset = python.split(separator: " ").last.map(String.init) ?? ""
            #expect(python == "\(answer["day_of_week"]?.stringValue ?? "?") \(offset)")
            #expect(datetime.hasSuffix("\(offset.prefix(3)):\(offset.suffix(2))"))
            // Oracle 2: Foundation's time zone database.
            let foundationZone = try #require(TimeZone(identifier: zone))
            let seconds = foundationZone.secondsFromGMT(for: instant)
            #expect(seconds == 5 * 3600 + 45 * 60)
            #expect(offset == "+0545")

            let error = await MCPTesting.expectToolError(.failed) {
                try await getTime.call(arguments: ["timezone": "Mars/Olympus_Mons"])
            }
            #expect(error?.message.contains("Mars/Olympus_Mons") == true)
            #expect(await server.isRunning)
        }
    }

    @Test func registryReportsNameClashesBetweenServers() async throws {
        try await MCPTesting.withServer(try MCPServerConfiguration(commandLine: "mcp-server-time")) { server in
            var registry = try ToolRegistry([
                DeclaredTool(ToolDefinition(name: "get_current_time", description: "elsewhere", parameters: ["type": "object"]))
            ])
            var clashes: [String] = []
            for tool in await server.tools {
                do { try registry.register(tool) } catch { clashes.append(tool.name) }
            }
            #expect(clashes == ["get_current_time"])
            #expect(registry.definitions.map(\.name) == ["get_current_time", "convert_time"])
        }
    }

    @Test func gitServerReadsATemporaryRepository() async throws {
        let repo = FileManager.default.temporaryDirectory.appendingPathComponent("swiftllm-mcp-git-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: repo) }
        try "hello\n".write(to: repo.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        let git = ["git", "-C", repo.path, "-c", "user.name=Test", "-c", "user.email=test@example.com"]
        _ = try MCPTesting.run(git + ["init", "-q", "-b", "main"])
        _ = try MCPTesting.run(git + ["add", "README.md"])
        _ = try MCPTesting.run(git + ["commit", "-q", "-m", "Add the readme for MCP"])
        try "changed\n".write(to: repo.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)

        let configuration = try MCPServerConfiguration(
            commandLine: "mcp-server-git --repository '\(repo.path)'", callTimeout: .seconds(60))
        try await MCPTesting.withServer(configuration) { server in
            let tools = await server.tools
            let status = try #require(tools.first { $0.name == "git_status" })
            let log = try #require(tools.first { $0.name == "git_log" })

            let statusText = try JSONValue(parsing: try await status.call(arguments: ["repo_path": .string(repo.path)]))
            let statusResult = try #require(statusText["result"]?.stringValue, "\(statusText)")
            #expect(statusResult.contains("modified:   README.md"))
            // Oracle: git itself.
            #expect(statusResult.contains(try MCPTesting.run(git + ["status"]).trimmingCharacters(in: .whitespacesAndNewlines)))

            let logText = try await log.call(arguments: ["repo_path": .string(repo.path), "max_count": 5])
            #expect(logText.contains("Add the readme for MCP"))
            let hash = try MCPTesting.run(git + ["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(logText.contains(hash))

            // Outside the repository the server was confined to.
            let error = await MCPTesting.expectToolError(.failed) {
                try await status.call(arguments: ["repo_path": "/"])
            }
            #expect(error?.message.contains("outside") == true)
        }
    }
}
