import ArgumentParser
import Foundation
import GGUF
import Runtime

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the token ids (and pieces) of a text under a model's vocabulary.",
        discussion: "The model may be a vocabulary-only GGUF. Specials such as <|im_start|> are parsed unless --no-special.")

    @Option(name: .shortAndLong, help: "The GGUF file (default: SmolLM2-135M-Instruct.Q4_1.gguf in $SWIFTLLM_MODELS or ~/.cache/swiftllm/models).")
    var model: String?

    @Option(name: [.customShort("f"), .customLong("file")], help: "Read the text from this file, byte for byte, nothing trimmed.")
    var textFile: String?

    @Flag(help: "Print only the ids, space-separated.")
    var ids = false

    @Flag(name: .customLong("no-special"), help: "Do not match control tokens in the text.")
    var noSpecial = false

    @Flag(name: .customLong("no-bos"), help: "Do not add BOS/EOS even if the model asks for them.")
    var noBOS = false

    @Flag(help: "Print load and encode times to standard error.")
    var timing = false

    @Argument(help: "The text (or use -f).")
    var text: String?

    func validate() throws {
        if (text == nil) == (textFile == nil) { throw ValidationError("give either TEXT or -f FILE") }
    }

    func run() throws {
        let path = model ?? Self.defaultModelPath()
        guard FileManager.default.fileExists(atPath: path) else {
            throw TokenizeError("model file not found: \(path) (pass -m FILE, or run scripts/fetch-models.sh)")
        }
        let input: String
        if let textFile {
            guard let data = FileManager.default.contents(atPath: textFile) else {
                throw TokenizeError("cannot read \(textFile)")
            }
            input = String(decoding: data, as: UTF8.self)
        } else {
            input = text ?? ""
        }
        let clock = ContinuousClock()
        let loadStart = clock.now
        let tokenizer: Tokenizer
        do {
            tokenizer = try Tokenizer(file: GGUFFile(path: path))
        } catch {
            throw TokenizeError("\(path): \(error)")
        }
        let encodeStart = clock.now
        let tokens = tokenizer.encode(input, addSpecial: !noBOS, parseSpecial: !noSpecial)
        if timing {
            let message = "load \(encodeStart - loadStart), encode \(input.utf8.count) bytes → \(tokens.count) tokens in \(clock.now - encodeStart)\n"
            FileHandle.standardError.write(Data(message.utf8))
        }
        if ids {
            print(tokens.map(String.init).joined(separator: " "))
            return
        }
        for id in tokens {
            print("\(id)\t\(Self.quoted(tokenizer.tokenBytes(id)))")
        }
    }

    /// A piece as a quoted string; a piece that is not whole UTF-8 characters shows its bytes as \xNN.
    static func quoted(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text.debugDescription }
        return "\"" + bytes.map { byte in
            (0x20..<0x7F).contains(byte) && byte != 0x22 && byte != 0x5C
                ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16, uppercase: true)
        }.joined() + "\""
    }

    static func defaultModelPath() -> String {
        let folder: String
        if let env = ProcessInfo.processInfo.environment["SWIFTLLM_MODELS"], !env.isEmpty {
            folder = env
        } else {
            folder = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/swiftllm/models").path
        }
        return (folder as NSString).appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf")
    }
}

struct TokenizeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
