import Agent
import AsyncHTTPClient
import Foundation
import Runtime
import Testing

/// Broken answers and broken connections, and the API key kept out of every text.
extension RemoteClientTests {
    @Test func malformedBodyIsRetriedOnce() async throws {
        try await ScriptedRemote.with(["malformed"]) { server in
            let error = await RemoteTesting.expectError(.malformedResponse) {
                try await RemoteTesting.complete(try RemoteClient(server.configuration()))
            }
            #expect(error?.attempts == 2 && error?.message.contains("not JSON") == true, "\(String(describing: error))")
            #expect(error?.message.contains("<html>") == true)
        }
        try await ScriptedRemote.with(["no_choices", "ok"]) { server in
            let answer = try await RemoteTesting.complete(try RemoteClient(server.configuration()))
            #expect(answer.attempts == 2)
        }
    }

    @Test func truncatedBodyIsAConnectionErrorAndRetried() async throws {
        try await ScriptedRemote.with(["truncated", "ok"]) { server in
            let answer = try await RemoteTesting.complete(try RemoteClient(server.configuration()))
            #expect(answer.attempts == 2 && answer.calls.count == 1)
        }
        try await ScriptedRemote.with(["truncated"]) { server in
            let error = await RemoteTesting.expectError(.connection) {
                try await RemoteTesting.complete(try RemoteClient(server.configuration()))
            }
            #expect(error?.attempts == 4)
        }
    }

    @Test func droppedConnectionIsRetried() async throws {
        try await ScriptedRemote.with(["drop", "ok"]) { server in
            let answer = try await RemoteTesting.complete(try RemoteClient(server.configuration()))
            #expect(answer.attempts == 2)
        }
        try await ScriptedRemote.with(["drop"]) { server in
            let (error, elapsed) = await MCPTesting.timed {
                await RemoteTesting.expectError(.connection) { try await RemoteTesting.complete(try RemoteClient(server.configuration())) }
            }
            #expect(error?.attempts == 4 && elapsed < .seconds(20))
            #expect(server.requests().count == 4)
        }
    }

    /// AsyncHTTPClient's pool keeps trying to connect until its connect timeout (10 s in
    /// `HTTPClient.shared`), so a refused connection fails fast only with a client whose connect
    /// timeout is short, as here.
    @Test func refusedConnectionFailsFast() async throws {
        // A port that was just free: nothing listens there.
        let port = try await ScriptedRemote.with([]) { server in server.port }
        var configuration = RemoteConfiguration(baseURL: "http://127.0.0.1:\(port)/v1", model: "m")
        configuration.backoffBase = .milliseconds(10)
        configuration.maxRetries = 2
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                              configuration: HTTPClient.Configuration(timeout: .init(connect: .milliseconds(300))))
        let (error, elapsed) = await MCPTesting.timed {
            await RemoteTesting.expectError(.connection) {
                try await RemoteTesting.complete(try RemoteClient(configuration, httpClient: http))
            }
        }
        try await http.shutdown()
        #expect(error?.attempts == 3 && elapsed < .seconds(15), "\(String(describing: error)) after \(elapsed)")
        #expect(error?.message.contains("127.0.0.1:\(port)") == true, "\(String(describing: error))")
    }

    @Test func cancellingTheCallerEndsAStalledCall() async throws {
        try await ScriptedRemote.with(["stall 30"]) { server in
            let client = try RemoteClient(server.configuration())
            let call = Task { try await RemoteTesting.complete(client) }
            try await Task.sleep(for: .milliseconds(300))
            let (result, elapsed) = await MCPTesting.timed {
                call.cancel()
                return await call.result
            }
            #expect(elapsed < .seconds(10), "\(elapsed)")   // the stall is 30 s
            guard case .failure(let error) = result else { Issue.record("not a failure: \(result)"); return }
            #expect(error is CancellationError, "\(error)")
            // A cancelled call says nothing about the remote's health.
            #expect(client.breaker.state == .closed(failures: 0))
        }
    }

    @Test func unreadableToolArgumentsAreAnInvalidCall() async throws {
        try await ScriptedRemote.with(["bad_arguments"]) { server in
            let error = await RemoteTesting.expectError(.invalidToolCall) {
                try await RemoteTesting.complete(try RemoteClient(server.configuration()))
            }
            #expect(error?.attempts == 1 && error?.message.contains("not JSON") == true)
        }
    }

    @Test func theKeyNeverAppearsInErrorsOrDescriptions() async throws {
        let key = "sk-SECRET-0123456789abcdef"
        try await ScriptedRemote.with(["echo_headers"]) { server in
            let configuration = server.configuration(key: key)
            let error = await RemoteTesting.expectError(.httpStatus(400)) {
                try await RemoteTesting.complete(try RemoteClient(configuration))
            }
            // The server did get the key, and echoed it back in its error body.
            #expect(server.requests().first?["headers"]?["Authorization"] == .string("Bearer " + key))
            let text = String(describing: error)
            #expect(!text.contains(key) && !text.contains("SECRET"), "\(text)")
            #expect(text.contains("HTTP 400") && text.contains("Bearer [redacted]"), "\(text)")
            var dumped = ""
            dump(configuration, to: &dumped)
            for shown in [configuration.description, configuration.debugDescription, dumped, "\(configuration)"] {
                #expect(!shown.contains(key) && shown.contains("scripted-model"), "\(shown)")
            }
        }
    }

    @Test func configurationFromArgumentsAndEnvironment() throws {
        let environment = ["OPENAI_BASE_URL": "https://api.example.com/v1", "OPENAI_API_KEY": "sk-env", "MY_KEY": ""]
        let fromEnv = try RemoteConfiguration.fromEnvironment(baseURL: nil, model: "gpt-x", environment: environment)
        #expect(fromEnv.baseURL == "https://api.example.com/v1" && fromEnv.model == "gpt-x" && fromEnv.apiKey == "sk-env")
        let given = try RemoteConfiguration.fromEnvironment(baseURL: "http://localhost:8080/v1", model: "m",
                                                            keyVariable: "MY_KEY", environment: environment)
        #expect(given.baseURL == "http://localhost:8080/v1" && given.apiKey == nil)
        #expect(throws: RemoteError.self) { try RemoteConfiguration.fromEnvironment(baseURL: nil, model: "m", environment: [:]) }
        #expect(throws: RemoteError.self) { try RemoteConfiguration.fromEnvironment(baseURL: "http://h/v1", model: nil, environment: [:]) }
        let bad = #expect(throws: RemoteError.self) { try RemoteClient(RemoteConfiguration(baseURL: "ftp://h/v1", model: "m")) }
        #expect(bad?.kind == .configuration && bad?.attempts == 0)
    }
}
