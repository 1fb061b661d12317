import ArgumentParser
import Foundation
import GGUF
import Runtime

struct Template: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with chat templates.",
        subcommands: [Render.self])

    struct Render: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render a conversation with a chat template and print the prompt exactly.",
            discussion: """
                The template comes from --template FILE (BOS/EOS default to empty strings) or from the \
                model's tokenizer.chat_template (-m, default: the default model; BOS/EOS are the model's \
                token texts; a model without a template gets the built-in ChatML or Gemma format). \
                --messages holds a JSON array of messages ({"role", "content", "tool_calls"?, …}); \
                --tools a JSON array of OpenAI tool objects.
                """)

        @Option(name: .shortAndLong, help: "The GGUF model whose chat template to use.")
        var model: String?

        @Option(help: "A Jinja chat template file (instead of a model's).")
        var template: String?

        @Option(help: "JSON file: the array of messages.")
        var messages: String

        @Option(help: "JSON file: the array of OpenAI tool objects.")
        var tools: String?

        @Flag(help: "Do not append the header that opens the assistant's turn.")
        var noGenerationPrompt = false

        @Option(help: "The BOS token text (default: the model's, or empty with --template).")
        var bosToken: String?

        @Option(help: "The EOS token text (default: the model's, or empty with --template).")
        var eosToken: String?

        func validate() throws {
            if model != nil && template != nil { throw ValidationError("give either -m MODEL or --template FILE, not both") }
        }

        func run() async throws {
            let source = try loadTemplate()
            let messageList = try Self.readJSONArray(messages, what: "--messages")
            let toolList = try tools.map { try Self.readJSONArray($0, what: "--tools") }
            let prompt: String
            do {
                prompt = try source.template.render(
                    messages: messageList, tools: toolList, addGenerationPrompt: !noGenerationPrompt,
                    bosToken: bosToken ?? source.bos, eosToken: eosToken ?? source.eos)
            } catch {
                throw CLIError("\(source.origin): \(error)")
            }
            FileHandle.standardOutput.write(Data(prompt.utf8))
        }

        private func loadTemplate() throws -> (template: ChatTemplate, bos: String, eos: String, origin: String) {
            if let template {
                let text: String
                do {
                    text = try String(contentsOfFile: template, encoding: .utf8)
                } catch {
                    throw CLIError("\(template): cannot read the template: \(error.localizedDescription)")
                }
                do {
                    return (try ChatTemplate(source: text), "", "", template)
                } catch {
                    throw CLIError("\(template): \(error)")
                }
            }
            let path = try ModelPath.resolve(model)
            do {
                let format = try ChatTemplate.ModelFormat(metadata: try GGUFFile(path: path).metadata)
                return (format.template, format.bosToken, format.eosToken, path)
            } catch {
                throw CLIError("\(path): \(error)")
            }
        }

        static func readJSONArray(_ path: String, what: String) throws -> [JSONValue] {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CLIError("\(what) \(path): cannot read the file")
            }
            let value: JSONValue
            do {
                value = try JSONValue(parsing: Array(data))
            } catch {
                throw CLIError("\(what) \(path): \(error)")
            }
            guard let array = value.arrayValue else { throw CLIError("\(what) \(path): expected a JSON array") }
            return array
        }
    }
}
