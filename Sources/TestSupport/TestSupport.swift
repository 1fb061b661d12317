import Foundation

/// Paths shared by the test targets.
public enum TestPaths {
    /// The repository root (the folder holding Package.swift).
    public static let repoRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// `../shared` next to the repository.
    public static let shared: URL = repoRoot.deletingLastPathComponent().appendingPathComponent("shared")

    /// The folder `scripts/fetch-models.sh` fills (`$SWIFTLLM_MODELS` or `~/.cache/swiftllm/models`).
    public static let models: URL = {
        if let env = ProcessInfo.processInfo.environment["SWIFTLLM_MODELS"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return FileManager.default.homeDirectoryForCurrentUser
            .appendingPathComponent(".cache/swiftllm/models")
    }()

    /// The folder `scripts/fetch-vocab.sh` fills (`$SWIFTLLM_VOCAB` or `~/.cache/swiftllm/vocab`):
    /// llama.cpp's test vocabularies and chat templates of the newer families, from its sources.
    public static let vocabCache: URL = {
        if let env = ProcessInfo.processInfo.environment["SWIFTLLM_VOCAB"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return FileManager.default.homeDirectoryForCurrentUser
            .appendingPathComponent(".cache/swiftllm/vocab")
    }()

    public static let smolLM2 = models.appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf")
    public static let gemma3 = models.appendingPathComponent("gemma-3-270m-q4_k_m.gguf")
}
