import Foundation

/// A model's chat template: turns a conversation (OpenAI-style messages, optional tools) into the
/// prompt text the model was trained on, exactly as Hugging Face's `apply_chat_template` would.
///
/// ```swift
/// let template = try ChatTemplate(source: gguf.metadata.string("tokenizer.chat_template") ?? "")
/// let prompt = try template.render(messages: [["role": "user", "content": "Hi"]],
///                                  bosToken: "<s>", eosToken: "</s>")
/// ```
public struct ChatTemplate: Sendable {
    /// The Jinja source.
    public let source: String
    let template: JinjaTemplate
    /// Built-in templates present tools themselves, through `tool_instructions`.
    let isBuiltin: Bool

    /// Compiles a Jinja chat template (from `tokenizer.chat_template` or a file).
    public init(source: String) throws(JinjaError) {
        try self.init(source: source, isBuiltin: false)
    }

    init(source: String, isBuiltin: Bool) throws(JinjaError) {
        self.source = source
        self.isBuiltin = isBuiltin
        template = try JinjaTemplate(source: source)
    }

    /// Whether the template reads `tools` at all. When it does not (SmolLM2's template, for one),
    /// callers present tools themselves, e.g. with `toolCallFormat.toolInstructions(tools:)` in the
    /// system message.
    public var rendersTools: Bool { isBuiltin || source.contains("tools") }

    /// Renders a conversation.
    /// - Parameters:
    ///   - messages: objects with `role` (`system`, `user`, `assistant`, `tool`), `content`, and
    ///     optionally `tool_calls` (OpenAI shape) or `tool_call_id`/`name` on tool results.
    ///   - tools: OpenAI tool objects (`{"type": "function", "function": {name, description, parameters}}`),
    ///     or nil (the template then sees `tools` as `none`, as with Hugging Face).
    ///   - addGenerationPrompt: append the header that opens the assistant's turn.
    ///   - extraContext: further template variables (e.g. `enable_thinking`).
    ///   - now: the instant `strftime_now` formats.
    /// - Throws: `JinjaError` when the template fails (including its own `raise_exception`), or
    ///   `.type` when `tools` are malformed for a built-in template.
    public func render(messages: [JSONValue], tools: [JSONValue]? = nil, addGenerationPrompt: Bool = true,
                       bosToken: String = "", eosToken: String = "", extraContext: [String: JSONValue] = [:],
                       limits: JinjaLimits = JinjaLimits(), now: Date = Date(),
                       timeZone: TimeZone = .current) throws(JinjaError) -> String {
        var context = extraContext
        context["messages"] = .array(messages)
        context["tools"] = tools.map { .array($0) } ?? .null
        context["add_generation_prompt"] = .bool(addGenerationPrompt)
        context["bos_token"] = .string(bosToken)
        context["eos_token"] = .string(eosToken)
        if isBuiltin, let tools, !tools.isEmpty {
            do {
                context["tool_instructions"] = .string(try toolCallFormat.toolInstructions(tools: tools))
            } catch {
                throw JinjaError(.type, error.description)
            }
        }
        return try template.render(context, limits: limits, now: now, timeZone: timeZone)
    }

    /// How this template presents tools and how the model's tool calls look.
    public var toolCallFormat: ToolCallFormat { ToolCallFormat.detect(templateSource: source) }
}
