/// Chat formats for models whose GGUF carries no `tokenizer.chat_template`.
extension ChatTemplate {
    public enum BuiltinFamily: String, Sendable, CaseIterable {
        /// `<|im_start|>role\n…<|im_end|>\n` turns (SmolLM2, Qwen, many fine-tunes); tool calls in
        /// Hermes `<tool_call>` tags, tool results in a `tool` turn inside `<tool_response>` tags.
        case chatML
        /// Gemma's `<start_of_turn>user|model\n…<end_of_turn>\n` turns; the system prompt is folded into
        /// the first user turn, tool calls use the ```` ```tool_call ```` block, results a user turn.
        case gemma
    }

    /// The fallback format for a GGUF `general.architecture` (Gemma architectures get Gemma turns,
    /// everything else ChatML).
    public static func builtinFamily(architecture: String) -> BuiltinFamily {
        architecture.hasPrefix("gemma") ? .gemma : .chatML
    }

    /// A compiled built-in template. Tools, when given, are presented in the system prompt with the
    /// family's tool-call syntax (`ToolCallFormat.toolInstructions`), passed in as `tool_instructions`.
    public static func builtin(_ family: BuiltinFamily) -> ChatTemplate {
        let source = family == .gemma ? gemmaSource : chatMLSource
        // The sources are constants covered by tests; a failure here is a programming error.
        guard let template = try? ChatTemplate(source: source, isBuiltin: true) else { preconditionFailure("built-in \(family) template does not compile") }
        return template
    }

    /// Qwen 2.5's layout without its default system prompt: the same bytes as Qwen's template for
    /// conversations without tools, tool results grouped in one `user` turn of `<tool_response>` blocks.
    static let chatMLSource = """
        {%- if messages and messages[0].role == 'system' %}
        {{- '<|im_start|>system\\n' ~ messages[0].content }}
        {%- if tool_instructions %}{{ '\\n\\n' ~ tool_instructions }}{% endif %}
        {{- '<|im_end|>\\n' }}
        {%- elif tool_instructions %}
        {{- '<|im_start|>system\\n' ~ tool_instructions ~ '<|im_end|>\\n' }}
        {%- endif %}
        {%- for message in messages %}
        {%- if message.role == 'system' and loop.first %}{% continue %}{% endif %}
        {%- if message.role == 'tool' %}
        {%- if loop.first or messages[loop.index0 - 1].role != 'tool' %}{{ '<|im_start|>user' }}{% endif %}
        {{- '\\n<tool_response>\\n' ~ message.content ~ '\\n</tool_response>' }}
        {%- if loop.last or messages[loop.index0 + 1].role != 'tool' %}{{ '<|im_end|>\\n' }}{% endif %}
        {%- elif message.role == 'assistant' and message.tool_calls %}
        {{- '<|im_start|>assistant' }}
        {%- if message.content %}{{ '\\n' ~ message.content }}{% endif %}
        {%- for call in message.tool_calls %}
        {%- set function = call.function if call.function is defined else call %}
        {{- '\\n<tool_call>\\n{"name": "' ~ function.name ~ '", "arguments": ' }}
        {%- if function.arguments is string %}{{ function.arguments }}{% else %}{{ function.arguments | tojson }}{% endif %}
        {{- '}\\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\\n' }}
        {%- else %}
        {{- '<|im_start|>' ~ message.role ~ '\\n' ~ message.content ~ '<|im_end|>\\n' }}
        {%- endif %}
        {%- endfor %}
        {%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}
        """

    static let gemmaSource = """
        {{- bos_token }}
        {%- set system = messages[0].content if messages and messages[0].role == 'system' else none -%}
        {%- set ns = namespace(prefix='') %}
        {%- if system is not none %}{% set ns.prefix = system ~ '\\n\\n' %}{% endif %}
        {%- if tool_instructions %}{% set ns.prefix = ns.prefix ~ tool_instructions ~ '\\n\\n' %}{% endif %}
        {%- for message in messages %}
        {%- if message.role == 'system' %}{% continue %}{% endif %}
        {%- set role = 'model' if message.role == 'assistant' else 'user' %}
        {{- '<start_of_turn>' ~ role ~ '\\n' }}
        {%- if role == 'user' %}{{ ns.prefix }}{% set ns.prefix = '' %}{% endif %}
        {%- if message.role == 'tool' %}
        {{- '```tool_output\\n' ~ message.content | trim ~ '\\n```' }}
        {%- elif message.content %}{{ message.content | trim }}{% endif %}
        {%- for call in message.tool_calls or [] %}
        {%- set function = call.function if call.function is defined else call %}
        {%- if message.content or not loop.first %}{{ '\\n' }}{% endif %}
        {{- '```tool_call\\n{"name": ' ~ function.name | tojson ~ ', "arguments": ' }}
        {%- if function.arguments is string %}{{ function.arguments }}{% else %}{{ function.arguments | tojson }}{% endif %}
        {{- '}\\n```' }}
        {%- endfor %}
        {{- '<end_of_turn>\\n' }}
        {%- endfor %}
        {%- if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}
        """
}
