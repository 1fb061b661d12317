import ArgumentParser
import Foundation

/// Where the CLI looks for models when `-m` is omitted: the folder `scripts/fetch-models.sh` fills.
enum ModelPath {
    static let defaultFileName = "SmolLM2-135M-Instruct.Q4_1.gguf"

    static var modelsFolder: String {
        if let env = ProcessInfo.processInfo.environment["SWIFTLLM_MODELS"], !env.isEmpty { return env }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/swiftllm/models").path
    }

    /// The given path, or the default model; a missing default explains how to fetch it.
    static func resolve(_ path: String?) throws -> String {
        if let path { return path }
        let candidate = (modelsFolder as NSString).appendingPathComponent(defaultFileName)
        guard FileManager.default.fileExists(atPath: candidate) else {
            throw ValidationError(
                "no model given and the default model is missing: \(candidate)\n"
                    + "fetch it with scripts/fetch-models.sh, or pass -m FILE")
        }
        return candidate
    }
}
