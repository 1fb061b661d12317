// The four things an app does with SwiftLLM: generate text, generate a typed value, chat, and run
// an agent with a custom tool and a remote model for the steps the local one is unsure of.
//
//   Quickstart [MODEL.gguf] [--remote URL --remote-model NAME] [--policy confidence|always|never]
//
// Without MODEL it loads the default model (LanguageModel.modelsFolder); the remote's key comes
// from $OPENAI_API_KEY.
import Foundation
import SwiftLLM

@Generable(description: "A person")
struct Person {
    @Guide(description: "first and last name") var name: String
    @Guide(.range(18...99)) var age: Int
    var city: String
    @Guide(.count(1...3)) var hobbies: [String]
}

/// A custom tool: the current time in a time zone.
struct CurrentTime: Tool {
    @Generable struct Arguments {
        @Guide(description: "an IANA time zone, such as Asia/Tokyo") var timezone: String
    }

    let name = "current_time"
    let description = "The current date and time in a time zone."

    func call(arguments: Arguments) async throws -> String {
        guard let zone = TimeZone(identifier: arguments.timezone) else {
            return #"{"error": "unknown time zone"}"#
        }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = zone
        return #"{"timezone": "\#(arguments.timezone)", "time": "\#(formatter.string(from: Date()))"}"#
    }
}

func option(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

let path = CommandLine.arguments.dropFirst().first { $0.hasSuffix(".gguf") }
let model: LanguageModel
if let path {
    model = try await LanguageModel.load(path)
} else {
    model = try await LanguageModel.loadDefault()
}
print("model: \(model.name) (\(model.architecture))")

// 1. One generation.
let session = LanguageModelSession(model: model, instructions: "You are a helpful assistant.")
let answer = try await session.respond(to: "Name three planets of the solar system.",
                                       options: GenerationOptions(sampling: .greedy, maximumResponseTokens: 48))
print("\n1. respond: \(answer.content)")
print("   \(answer.usage.promptTokens) prompt tokens, \(answer.usage.responseTokens) generated, \(Int(answer.usage.tokensPerSecond)) tok/s")

// 2. A typed value, valid by construction.
let person = try await LanguageModelSession(model: model)
    .respond(to: "Invent a person who lives in Lisbon.", generating: Person.self, options: GenerationOptions(sampling: .greedy))
print("\n2. @Generable: \(person.content.name), \(person.content.age), \(person.content.city), \(person.content.hobbies)")
print("   json: \(person.content.generatedContent.jsonString)")

// 3. A chat: two turns, the second streamed; the session keeps the first in its context.
let chat = LanguageModelSession(model: model, instructions: "You are a helpful assistant. Answer in one short sentence.")
let first = try await chat.respond(to: "What is the capital of France?", options: GenerationOptions(sampling: .greedy, maximumResponseTokens: 32))
print("\n3. chat: \(first.content)")
print("   ", terminator: "")
for try await snapshot in chat.streamResponse(to: "And of Italy?", options: GenerationOptions(sampling: .greedy, maximumResponseTokens: 32)) {
    print(snapshot.delta, terminator: "")
}
print("\n   turns: \(await chat.transcript.count)")

// 4. An agent with a custom tool, and a remote model for the steps the policy sends away.
let remote = option("--remote").map {
    Agent.Remote.openAI(baseURL: $0, model: option("--remote-model") ?? "gpt-4o-mini",
                        inputPricePerMillion: 2.5, outputPricePerMillion: 10)
}
let policy: Agent.Policy = switch option("--policy") {
case "always": .always
case "never": .never
default: .confidence()
}
let agent = try Agent(model: model, tools: [CurrentTime()], remote: remote, policy: policy)
let run = try await agent.run("What time is it in Tokyo?")
print("\n4. agent (\(run.finishReason)): \(run.answer)")
for step in run.steps {
    let calls = step.calls.map { "\($0.name)(\($0.arguments)) -> \($0.output ?? "-")" }.joined(separator: "; ")
    print("   step \(step.index): \(step.taker), \(step.reason)\(calls.isEmpty ? "" : ": " + calls)")
}
print(String(format: "   cost: $%.6f (all remote: $%.6f), local share %.0f %%", run.cost.totalUSD, run.cost.allRemoteUSD, run.cost.localShare * 100))
