import Agent
import Foundation
import Runtime
import Testing

/// The remote client against a scripted server (scripts/testing/scripted_remote.py): every
/// behaviour ends in its defined outcome, within the call's deadline, after the expected number of
/// attempts.
@Suite(.timeLimit(.minutes(1))) struct RemoteClientTests {
    @Test func okSendsOpenAIWireFormatAndParsesTheAnswer() async throws {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("remote-script-\(UUID().uuidString).json")
        try Data(#"[{"behaviour": "ok", "arguments": {"word": "swift"}}, "text"]"#.utf8).write(to: script)
        defer { try? FileManager.default.removeItem(at: script) }
        try await ScriptedRemote.with([], arguments: ["--script", script.path]) { server in
            var configuration = server.configuration(key: "sk-test-123")
            configuration.baseURL += "/"
            configuration.temperature = 0.25
            configuration.maxTokens = 64
            let client = try RemoteClient(configuration)
            let answer = try await RemoteTesting.complete(client, choice: .function("lookup"))
            #expect(answer.calls == [ToolCall(name: "lookup", arguments: ["word": "swift"], id: "call_1")])
            #expect(answer.text == "" && answer.finishReason == "tool_calls" && answer.attempts == 1)
            #expect(answer.promptTokens > 0 && answer.completionTokens > 0 && answer.seconds > 0)
            let text = try await client.complete(messages: RemoteTesting.question, tools: [], toolChoice: .auto,
                                                 parallelToolCalls: false, responseFormat: ["type": "json_object"])
            #expect(text.text == "ok" && text.calls.isEmpty && text.finishReason == "stop")

            let requests = server.requests()
            try #require(requests.count == 2)
            #expect(requests[0]["path"] == "/v1/chat/completions")
            #expect(requests[0]["headers"]?["Authorization"] == "Bearer sk-test-123")
            #expect(requests[0]["headers"]?["Content-Type"] == "application/json")
            let body = try #require(requests[0]["body"])
            #expect(body["model"] == "scripted-model" && body["messages"] == .array(RemoteTesting.question))
            #expect(body["tools"] == [RemoteTesting.lookup.openAIObject])
            #expect(body["tool_choice"] == ["type": "function", "function": ["name": "lookup"]])
            #expect(body["parallel_tool_calls"] == true && body["stream"] == false)
            #expect(body["temperature"] == 0.25 && body["max_tokens"] == 64 && body["response_format"] == nil)
            // No tools: no tools, tool_choice or parallel_tool_calls (OpenAI rejects them).
            let plain = try #require(requests[1]["body"])
            #expect(plain["tools"] == nil && plain["tool_choice"] == nil && plain["parallel_tool_calls"] == nil)
            #expect(plain["response_format"] == ["type": "json_object"])
        }
    }

    @Test func toolChoiceWireNames() async throws {
        try await ScriptedRemote.with(["ok"]) { server in
            let client = try RemoteClient(server.configuration())
            for choice in [ToolChoice.auto, .required, .none] { _ = try await RemoteTesting.complete(client, choice: choice) }
            let requests = server.requests()
            #expect(requests.map { $0["body"]?["tool_choice"] } == ["auto", "required", "none"])
            #expect(requests.allSatisfy { $0["headers"]?["Authorization"] == nil })
        }
    }

    @Test func stallPastTheRequestTimeoutIsRetriedThenTimesOut() async throws {
        try await ScriptedRemote.with(["stall 30"]) { server in
            var configuration = server.configuration()
            configuration.requestTimeout = .seconds(2)
            configuration.maxRetries = 1
            let (error, elapsed) = await MCPTesting.timed {
                await RemoteTesting.expectError(.timeout) { try await RemoteTesting.complete(try RemoteClient(configuration)) }
            }
            #expect(error?.attempts == 2)
            // Upper bounds in this suite are far from the failure they rule out (here a 30 s
            // stall per attempt): the test process runs model tests alongside, which can hold
            // the cooperative threads for seconds.
            #expect(elapsed >= .seconds(4) && elapsed < .seconds(25), "\(elapsed)")
            #expect(server.requests().count == 2)
        }
    }

    @Test func slowBodyIsCutAtTheRequestTimeout() async throws {
        try await ScriptedRemote.with(["slow_body 30", "ok"]) { server in
            var configuration = server.configuration()
            configuration.requestTimeout = .seconds(3)
            let (answer, elapsed) = try await MCPTesting.timed { try await RemoteTesting.complete(try RemoteClient(configuration)) }
            #expect(answer.attempts == 2 && answer.calls.map(\.name) == ["lookup"])
            #expect(elapsed < .seconds(15), "\(elapsed)")
        }
    }

    @Test func theDeadlineBoundsTheWholeCall() async throws {
        try await ScriptedRemote.with(["stall 30"]) { server in
            var configuration = server.configuration()
            configuration.requestTimeout = .seconds(20)
            configuration.deadline = .milliseconds(800)
            configuration.maxRetries = 10
            let (error, elapsed) = await MCPTesting.timed {
                await RemoteTesting.expectError(.timeout) { try await RemoteTesting.complete(try RemoteClient(configuration)) }
            }
            #expect(elapsed >= .milliseconds(800) && elapsed < .seconds(10), "\(elapsed)")
            #expect(error?.attempts == 1)
        }
    }

    @Test func rateLimitHonoursRetryAfter() async throws {
        try await ScriptedRemote.with(["429 1", "ok"]) { server in
            let (answer, elapsed) = try await MCPTesting.timed {
                try await RemoteTesting.complete(try RemoteClient(server.configuration()))
            }
            #expect(answer.attempts == 2)
            #expect(elapsed >= .seconds(1), "\(elapsed)")
            let times = server.requests().compactMap { $0["time"]?.doubleValue }
            #expect(times.count == 2 && times[1] - times[0] >= 0.95)
        }
    }

    @Test func retryAfterPastTheDeadlineFailsAtOnce() async throws {
        try await ScriptedRemote.with(["429 60"]) { server in
            var configuration = server.configuration()
            configuration.deadline = .seconds(20)
            let (error, elapsed) = await MCPTesting.timed {
                await RemoteTesting.expectError(.rateLimited) { try await RemoteTesting.complete(try RemoteClient(configuration)) }
            }
            #expect(error?.attempts == 1 && elapsed < .seconds(10))
            #expect(error?.message.contains("HTTP 429") == true && error?.message.contains("deadline") == true, "\(String(describing: error))")
        }
    }

    @Test func serverErrorsThenSuccess() async throws {
        try await ScriptedRemote.with(["500", "503", "ok"]) { server in
            let answer = try await RemoteTesting.complete(try RemoteClient(server.configuration()))
            #expect(answer.attempts == 3 && answer.calls.count == 1)
            #expect(server.requests().count == 3)
        }
    }

    @Test func serverErrorForeverUsesEveryRetry() async throws {
        try await ScriptedRemote.with(["500"]) { server in
            let client = try RemoteClient(server.configuration())
            let error = await RemoteTesting.expectError(.httpStatus(500)) { try await RemoteTesting.complete(client) }
            #expect(error?.attempts == 4)
            #expect(error?.message.contains("HTTP 500") == true && error?.message.contains("scripted status 500") == true)
            #expect(server.requests().count == 4)
        }
    }

    @Test(arguments: ["400", "401", "404"]) func otherClientErrorsAreNotRetried(status: String) async throws {
        try await ScriptedRemote.with([status, "ok"]) { server in
            let error = await RemoteTesting.expectError(.httpStatus(Int(status) ?? 0)) {
                try await RemoteTesting.complete(try RemoteClient(server.configuration()))
            }
            #expect(error?.attempts == 1)
            #expect(server.requests().count == 1)
        }
    }
}
