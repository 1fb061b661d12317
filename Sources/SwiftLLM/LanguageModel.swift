import Foundation
import GGUF
import Runtime
import Tensor

/// A GGUF model loaded for generation: its weights (memory-mapped), tokenizer and chat format.
/// Load it once and share it: any number of `LanguageModelSession`s and `Agent`s can use one
/// model, each with its own context.
///
/// ```swift
/// let model = try await LanguageModel.load("SmolLM2-135M-Instruct.Q4_1.gguf")
/// let session = LanguageModelSession(model: model)
/// print(try await session.respond(to: "Name three planets").content)
/// ```
public final class LanguageModel: Sendable {
    /// The file the model was loaded from.
    public let path: String
    /// The model's name from its metadata (`general.name`), or the file name.
    public let name: String
    /// The architecture (`llama`, `gemma3`, …).
    public let architecture: String
    /// The context length the model was trained with; sessions use it unless told otherwise.
    public let trainedContextLength: Int

    let file: GGUFFile
    let model: Model
    let tokenizer: Tokenizer
    let chat: ChatTemplate.ModelFormat
    let vocabulary: TokenVocabulary

    /// Where the model's forward passes run.
    public enum Backend: Sendable, Equatable {
        /// This machine's cores (SIMD and BLAS kernels): the default.
        case cpu
        /// A Vulkan GPU (or CPU implementation such as lavapipe): `device` as `swiftllm devices`
        /// lists them, or nil for the preferred one (discrete > integrated > virtual > CPU).
        /// The weights are uploaded once at load; every forward pass then runs on the device.
        case vulkan(device: Int? = nil)

        var compute: ComputeBackend {
            switch self {
            case .cpu: .cpu
            case .vulkan(let device): .vulkan(device: device)
            }
        }
    }

    /// Where the model runs: "CPU", or "Vulkan (device name)".
    public var backendName: String { model.backendName }

    private init(path: String, backend: Backend) throws {
        let file = try GGUFFile(path: path)
        self.file = file
        model = try Model(file: file, backend: backend.compute)
        tokenizer = try Tokenizer(file: file)
        chat = try ChatTemplate.ModelFormat(metadata: file.metadata)
        vocabulary = TokenVocabulary(tokenizer: tokenizer)
        self.path = path
        architecture = file.metadata.architecture ?? "unknown"
        trainedContextLength = model.config.contextLength
        if case .string(let name)? = file.metadata["general.name"] {
            self.name = name
        } else {
            self.name = (path as NSString).lastPathComponent
        }
    }

    /// Loads a GGUF file to run on `backend`. Throws `LanguageModelError.loadFailed` with the
    /// reason when the file is missing, not GGUF, damaged, or of an architecture or tensor type
    /// this engine does not run, or when `backend` is `.vulkan` and there is no Vulkan driver or
    /// device, or the device path does not run the model's architecture.
    public static func load(_ path: String, backend: Backend = .cpu) async throws -> LanguageModel {
        do {
            return try LanguageModel(path: path, backend: backend)
        } catch {
            throw LanguageModelError.loadFailed(path: path, reason: "\(error)")
        }
    }

    /// The folder models are looked for in: `$SWIFTLLM_MODELS`, or `~/.cache/swiftllm/models`
    /// (the folder the project's `scripts/fetch-models.sh` fills).
    public static var modelsFolder: String {
        if let folder = ProcessInfo.processInfo.environment["SWIFTLLM_MODELS"], !folder.isEmpty { return folder }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/swiftllm/models").path
    }

    /// The default model's file name in `modelsFolder` (SmolLM2-135M-Instruct, Q4_1).
    public static let defaultFileName = "SmolLM2-135M-Instruct.Q4_1.gguf"

    /// Loads the default model from `modelsFolder`.
    public static func loadDefault() async throws -> LanguageModel {
        try await load((modelsFolder as NSString).appendingPathComponent(defaultFileName))
    }

    /// The tokens of `text` (no special tokens added, special-token text read as text).
    public func tokens(of text: String) -> [Int] {
        tokenizer.encode(text, addSpecial: false, parseSpecial: false).map(Int.init)
    }

    /// The number of tokens `text` takes.
    public func tokenCount(of text: String) -> Int { tokens(of: text).count }

    /// The text of `tokens` (special tokens left out). Ids outside the vocabulary are skipped.
    public func text(of tokens: [Int]) -> String {
        let size = model.config.vocabularySize
        return tokenizer.decode(tokens.lazy.filter { $0 >= 0 && $0 < size }.map { Int32($0) })
    }
}
