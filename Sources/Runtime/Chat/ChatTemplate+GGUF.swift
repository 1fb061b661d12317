import GGUF

extension ChatTemplate {
    /// A model's chat format from its GGUF metadata: `tokenizer.chat_template` (or the built-in format
    /// for `general.architecture` when the file has none) and the texts of its BOS and EOS tokens.
    ///
    /// ```swift
    /// let chat = try ChatTemplate.ModelFormat(metadata: GGUFFile(path: path).metadata)
    /// let prompt = try chat.template.render(messages: messages, bosToken: chat.bosToken, eosToken: chat.eosToken)
    /// ```
    public struct ModelFormat: Sendable {
        public let template: ChatTemplate
        /// True when the file carried no template and `template` is a built-in one.
        public let isBuiltin: Bool
        public let bosToken: String
        public let eosToken: String
        /// The model's tool-call syntax: the template's (`ChatTemplate.toolCallFormat`), except for
        /// models whose template has no tool section but whose instruction data used a syntax of
        /// their own (SmolLM2: `ToolCallFormat.Family.smollm2`; SmolLM3, whose official template
        /// asks for `<tool_call>` JSON: `.hermes`).
        public let toolCallFormat: ToolCallFormat

        /// - Throws: `JinjaError` when the file's template does not compile.
        public init(metadata: GGUFMetadata) throws(JinjaError) {
            let tokens = (try? metadata.strings("tokenizer.ggml.tokens")) ?? []
            func tokenText(_ key: String) -> String {
                guard let id = try? metadata.int(key), tokens.indices.contains(id) else { return "" }
                return tokens[id]
            }
            bosToken = tokenText("tokenizer.ggml.bos_token_id")
            eosToken = tokenText("tokenizer.ggml.eos_token_id")
            if let source = try? metadata.string("tokenizer.chat_template") {
                template = try ChatTemplate(source: source)
                isBuiltin = false
            } else {
                template = ChatTemplate.builtin(ChatTemplate.builtinFamily(architecture: metadata.architecture ?? ""))
                isBuiltin = true
            }
            let basename = ((try? metadata.string("general.basename")) ?? (try? metadata.string("general.name")) ?? "").lowercased()
            if !template.rendersTools, basename.hasPrefix("smollm2") {
                toolCallFormat = ToolCallFormat(family: .smollm2)
            } else if !template.rendersTools, metadata.architecture == "smollm3" {
                toolCallFormat = ToolCallFormat(family: .hermes)
            } else {
                toolCallFormat = template.toolCallFormat
            }
        }
    }
}
