import ArgumentParser
import Foundation
import GGUF
import Runtime
import Tensor

/// A model file opened for generation: weights, tokenizer, chat format and the thread pool.
struct LoadedModel {
    let path: String
    let file: GGUFFile
    let model: Model
    let tokenizer: Tokenizer
    let chat: ChatTemplate.ModelFormat
    let pool: ThreadPool

    init(path: String?, threads: Int?, backend: ComputeBackend = .cpu) throws {
        let resolved = try ModelPath.resolve(path)
        do {
            file = try GGUFFile(path: resolved)
            model = try Model(file: file, backend: backend)
            tokenizer = try Tokenizer(file: file)
            chat = try ChatTemplate.ModelFormat(metadata: file.metadata)
        } catch {
            throw CLIError("\(resolved): \(error)")
        }
        self.path = resolved
        pool = threads.map { ThreadPool(threads: $0) } ?? .shared
    }

    func makeSession(contextLength: Int?, batchSize: Int) -> Session {
        Session(model: model, cache: model.makeCache(contextLength: contextLength, pool: pool),
                decoder: tokenizer, endOfGeneration: tokenizer.endOfGeneration,
                batchSize: batchSize)
    }

    /// Renders `messages` with the chat template and tokenizes the result (special tokens parsed,
    /// BOS added by the model's rule unless the template already wrote it).
    func chatTokens(_ messages: [JSONValue], addGenerationPrompt: Bool = true) throws -> [Int32] {
        let text = try chat.template.render(messages: messages, addGenerationPrompt: addGenerationPrompt,
                                            bosToken: chat.bosToken, eosToken: chat.eosToken)
        let templateWroteBOS = !chat.bosToken.isEmpty && text.hasPrefix(chat.bosToken)
        return tokenizer.encode(text, addSpecial: !templateWroteBOS, parseSpecial: true)
    }

    /// Tokenizes raw text: special-token text parsed, BOS by the model's rule unless the text
    /// already starts with the BOS token's text (no doubled BOS).
    func rawTokens(_ text: String) -> [Int32] {
        let startsWithBOS = !chat.bosToken.isEmpty && text.hasPrefix(chat.bosToken)
        return tokenizer.encode(text, addSpecial: !startsWithBOS, parseSpecial: true)
    }
}
