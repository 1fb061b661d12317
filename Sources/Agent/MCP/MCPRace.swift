import Foundation
import MCP
import Runtime

/// Runs work against a deadline without relying on the work to notice cancellation: the SDK
/// awaits its answers in unstructured tasks that ignore it, so a task group would wait for a hung
/// server as long as the server hangs. The loser is left to finish on its own (the SDK's pending
/// requests are resolved when the session is cancelled or disconnected).
enum MCPRace {
    enum Outcome<Value: Sendable>: Sendable {
        case value(Value)
        case error(any Error)
        case timedOut
        /// The awaiting task was cancelled (the agent gave up on the step).
        case cancelled
    }

    static func run<Value: Sendable>(
        timeout: Duration, _ work: @escaping @Sendable () async throws -> Value
    ) async -> Outcome<Value> {
        let pending = Locked<CheckedContinuation<Outcome<Value>, Never>?>(nil)
        let finish: @Sendable (Outcome<Value>) -> Void = { outcome in
            pending.withLock { continuation in
                defer { continuation = nil }
                return continuation
            }?.resume(returning: outcome)
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                pending.withLock { $0 = continuation }
                // A cancellation before the continuation was stored found nothing to resume.
                if Task.isCancelled { finish(.cancelled) }
                let timer = Task {
                    try? await Task.sleep(for: timeout)
                    finish(.timedOut)
                }
                Task {
                    do {
                        finish(.value(try await work()))
                    } catch {
                        finish(.error(error))
                    }
                    timer.cancel()
                }
            }
        } onCancel: {
            finish(.cancelled)
        }
    }
}

/// Converts between the runtime's `JSONValue` and the SDK's `Value` by way of JSON text, which
/// both read and write exactly.
enum MCPValueBridge {
    /// Tool arguments: a JSON object (or null for none) as the SDK's argument dictionary.
    static func arguments(_ arguments: JSONValue, tool: String) throws(ToolError) -> [String: Value]? {
        if case .null = arguments { return nil }
        guard arguments.objectValue != nil else {
            throw ToolError(.invalidArguments, "arguments of '\(tool)' must be a JSON object, not \(arguments.compactText)")
        }
        do {
            return try JSONDecoder().decode([String: Value].self, from: Data(arguments.compactText.utf8))
        } catch {
            throw ToolError(.invalidArguments, "arguments of '\(tool)' cannot be sent to an MCP server: \(error)")
        }
    }
}
