import Agent
import Runtime

/// A function the agent can call. Its arguments are a `Generable` type, so the local model writes
/// them under the type's schema (valid by construction) and `call` receives a typed value.
///
/// ```swift
/// struct Weather: Tool {
///     @Generable struct Arguments { @Guide(description: "a city") var city: String }
///     let name = "weather"
///     let description = "Today's weather in a city."
///     func call(arguments: Arguments) async throws -> String { "{\"city\": \"\(arguments.city)\", \"sky\": \"clear\"}" }
/// }
/// ```
///
/// What `call` returns is what the model reads (JSON text is best). An error it throws is shown
/// to the model as `{"error": …}` and the run goes on. `Arguments` must be a struct (an object).
public protocol Tool: Sendable {
    associatedtype Arguments: Generable
    /// The name the model calls the tool by (letters, digits, `_` and `-`).
    var name: String { get }
    /// What the tool does, in words the model reads.
    var description: String { get }
    func call(arguments: Arguments) async throws -> String
}

/// A facade tool as the agent loop's tool.
struct ToolAdapter<Wrapped: Tool>: AgentTool {
    let tool: Wrapped

    var definition: ToolDefinition {
        ToolDefinition(name: tool.name, description: tool.description, parameters: Wrapped.Arguments.generationSchema.json)
    }

    func call(arguments: JSONValue) async throws(ToolError) -> String {
        let typed: Wrapped.Arguments
        do {
            typed = try Wrapped.Arguments(GeneratedContent(json: arguments))
        } catch {
            throw ToolError(.invalidArguments, "\(error)")
        }
        do {
            return try await tool.call(arguments: typed)
        } catch is CancellationError {
            throw ToolError(.failed, "cancelled")
        } catch {
            throw ToolError(.failed, "\(error)")
        }
    }
}
