import Foundation
import SwiftLLM
import Testing

/// A tool whose calls are recorded (and that can be made to hang until cancelled).
struct Weather: Tool {
    @Generable struct Arguments {
        @Guide(description: "the city") var city: String
        @Guide(description: "the unit", .anyOf(["celsius", "fahrenheit"])) var unit: String?
    }

    actor Log {
        var cities: [String] = []
        var started = false
        var sawCancellation = false
        func add(_ city: String) { cities.append(city); started = true }
        func cancelled() { sawCancellation = true }
    }

    let name = "get_weather"
    let description = "Today's weather in a city."
    let log = Log()
    var hangs = false

    func call(arguments: Arguments) async throws -> String {
        await log.add(arguments.city)
        if hangs {
            do {
                try await Task.sleep(for: .seconds(60))
            } catch {
                await log.cancelled()
                throw error
            }
        }
        return #"{"sky": "clear", "celsius": 21}"#
    }
}

/// The `scripted_remote.py` test server, answering by a script.
final class ScriptedRemote: @unchecked Sendable {
    let process = Process()
    let port: Int
    let log: String

    init(script: [[String: Any]]) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftllm-remote-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let scriptPath = folder.appendingPathComponent("script.json").path
        try JSONSerialization.data(withJSONObject: script).write(to: URL(fileURLWithPath: scriptPath))
        log = folder.appendingPathComponent("log.jsonl").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", (Support.root as NSString).appendingPathComponent("scripts/testing/scripted_remote.py"),
                             "--script", scriptPath, "--log", log]
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5).prefix { $0.isNumber }) else {
            process.terminate()
            throw Support.SupportError("scripted_remote.py did not print its port: \(text)")
        }
        self.port = port
    }

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// The token counts of every answer, from the server's own log.
    func usage() throws -> [(prompt: Int, completion: Int)] {
        try String(contentsOfFile: log + ".usage", encoding: .utf8).split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Int] ?? [:]
            return (object["prompt_tokens"] ?? 0, object["completion_tokens"] ?? 0)
        }
    }

    deinit { process.terminate() }
}

@Suite(.serialized) struct FacadeAgentTests {
    /// The local model calls the custom tool with arguments valid under its schema (checked by
    /// `jsonschema`), and the tool receives them typed.
    @Test func localRunCallsTheTypedTool() async throws {
        let model = try await Support.model(Support.smollm2)
        let weather = Weather()
        let agent = try Agent(model: model, tools: [weather], policy: .never, maxSteps: 3)
        let run = try await agent.run("What is the weather in Paris?")
        let call = try #require(run.steps.first?.calls.first)
        #expect(call.name == "get_weather")
        #expect(run.steps.first?.taker == "local")
        let verdicts = try Support.validate([(Weather.Arguments.generationSchema.jsonSchema, call.arguments)])
        #expect(verdicts == [nil])
        let cities = await weather.log.cities
        #expect(cities.first.map { !$0.isEmpty } == true)
        #expect(call.output == #"{"sky": "clear", "celsius": 21}"#)
        #expect(run.cost.totalUSD == 0 && run.cost.localShare == 1)
    }

    /// Every step remote (the scripted server): the remote's call runs the tool, its text is the
    /// answer, and the cost is the server's own token counts at the given prices.
    @Test func remoteStepsAndTheirCost() async throws {
        let remote = try ScriptedRemote(script: [
            ["behaviour": "ok", "arguments": ["city": "Paris"]],
            ["behaviour": "text", "text": "It is clear in Paris, 21 degrees."],
        ])
        let model = try await Support.model(Support.smollm2)
        let weather = Weather()
        let agent = try Agent(model: model, tools: [weather],
                              remote: .openAI(baseURL: remote.baseURL, model: "scripted", apiKey: "test-key",
                                              inputPricePerMillion: 2.5, outputPricePerMillion: 10),
                              policy: .always, maxSteps: 4)
        let run = try await agent.run("What is the weather in Paris?")
        #expect(run.finishReason == "answered")
        #expect(run.answer == "It is clear in Paris, 21 degrees.")
        #expect(run.steps.count == 2)
        #expect(run.steps.allSatisfy { $0.escalated && $0.taker == "remote:scripted" })
        #expect(await weather.log.cities == ["Paris"])
        let usage = try remote.usage()
        #expect(usage.count == 2)
        let expected = usage.reduce(0.0) { $0 + Double($1.prompt) * 2.5e-6 + Double($1.completion) * 10e-6 }
        #expect(abs(run.cost.totalUSD - expected) < 1e-12)
        #expect(run.cost.remoteTokensIn == usage.reduce(0) { $0 + $1.prompt })
        #expect(run.cost.localShare == 0)
    }

    /// Cancelling a run while its tool runs cancels the tool and ends the run as cancelled.
    @Test func cancellingARunStopsItsTool() async throws {
        let model = try await Support.model(Support.smollm2)
        var weather = Weather()
        weather.hangs = true
        let agent = try Agent(model: model, tools: [weather], policy: .never, maxSteps: 3, toolTimeout: .seconds(120))
        let task = Task { try await agent.run("What is the weather in Paris?") }
        let deadline = ContinuousClock.now + .seconds(60)
        while await !weather.log.started, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(await weather.log.started)
        let cancelled = ContinuousClock.now
        task.cancel()
        let run = try await task.value
        #expect(run.finishReason == "cancelled")
        #expect(ContinuousClock.now - cancelled < .seconds(30))   // the tool would sleep 60 s
        for _ in 0..<200 where await !weather.log.sawCancellation { try await Task.sleep(for: .milliseconds(10)) }
        #expect(await weather.log.sawCancellation)
    }
}
