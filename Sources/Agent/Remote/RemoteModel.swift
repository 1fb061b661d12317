import Runtime

/// A remote OpenAI-compatible model as a step taker: the step a policy delegates goes to
/// `RemoteClient`, and its answer comes back as a `ProposedStep`.
///
/// The agent never trusts the model's JSON, and a remote model writes without our grammar, so
/// every call is checked before it is returned: it must name one of the request's tools, its
/// arguments must be a JSON object its tool's `parameters` accept (`JSONSchemaValidator`; a schema
/// the validator cannot decide passes), and the calls must fit the tool choice (a call when one
/// is required, the named tool for `.function`, none for `.none`, one unless parallel calls are
/// allowed). An invalid answer is asked for again once; a second one throws `RemoteError` kind
/// `invalidToolCall`, and the agent keeps its local step.
///
/// Token counts are the server's `usage`, summed over both requests when the answer was asked for
/// twice, as both were paid for; `seconds` likewise covers both. When both answers are invalid, the
/// thrown error carries their tokens (`RemoteError.promptTokens`, `.completionTokens`).
///
/// ```swift
/// let remote = RemoteModel(client: try RemoteClient(try .fromEnvironment(baseURL: nil, model: "gpt-4o-mini")))
/// let step = try await remote.takeStep(StepRequest(step: 1, messages: messages, tools: tools, toolChoice: .required))
/// ```
public struct RemoteModel: StepTaker {
    public let client: RemoteClient

    public init(client: RemoteClient) {
        self.client = client
    }

    public var name: String { "remote:" + client.configuration.model }

    public func takeStep(_ request: StepRequest) async throws -> ProposedStep {
        var spent = (prompt: 0, generated: 0, seconds: 0.0)
        var problem = ""
        for _ in 0..<2 {
            let completion: RemoteCompletion
            do {
                completion = try await client.complete(messages: request.messages, tools: request.tools,
                                                       toolChoice: request.toolChoice,
                                                       parallelToolCalls: request.parallelToolCalls, responseFormat: nil)
            } catch let error as RemoteError where error.kind == .invalidToolCall {
                problem = error.message
                spent.prompt += error.promptTokens
                spent.generated += error.completionTokens
                continue
            }
            spent.prompt += completion.promptTokens
            spent.generated += completion.completionTokens
            spent.seconds += completion.seconds
            if let why = Self.invalidity(of: completion.calls, for: request) {
                problem = why
                continue
            }
            return ProposedStep(text: completion.text, calls: completion.calls, promptTokens: spent.prompt,
                                generatedTokens: spent.generated, seconds: spent.seconds,
                                truncated: completion.finishReason == "length" && completion.calls.isEmpty)
        }
        throw RemoteError(.invalidToolCall, "\(name) answered with an invalid tool call twice; the last: \(problem)",
                          attempts: 2, promptTokens: spent.prompt, completionTokens: spent.generated)
    }

    /// Why `calls` are not a valid answer to `request`, or nil when they are.
    public static func invalidity(of calls: [ToolCall], for request: StepRequest) -> String? {
        switch request.toolChoice {
        case .none where !calls.isEmpty:
            return "tool choice is none, but the answer calls \(calls.map { "'\($0.name)'" }.joined(separator: ", "))"
        case .required where calls.isEmpty, .function where calls.isEmpty:
            return "tool choice is \(request.toolChoice), but the answer has no tool call"
        case .function(let name):
            if let other = calls.first(where: { $0.name != name }) {
                return "tool choice is the function '\(name)', but the answer calls '\(other.name)'"
            }
        default:
            break
        }
        if !request.parallelToolCalls && calls.count > 1 {
            return "parallel tool calls are off, but the answer has \(calls.count) calls"
        }
        for call in calls {
            guard let tool = request.tools.first(where: { $0.name == call.name }) else {
                return "'\(call.name)' is not one of the offered tools (\(request.tools.map(\.name).joined(separator: ", ")))"
            }
            guard call.arguments.objectValue != nil else {
                return "the arguments of '\(call.name)' are not a JSON object: \(call.arguments.compactText.prefix(120))"
            }
            if case .invalid(let why) = JSONSchemaValidator(root: tool.parameters).validate(call.arguments) {
                return "the arguments of '\(call.name)' break its schema: \(why)"
            }
        }
        return nil
    }
}
