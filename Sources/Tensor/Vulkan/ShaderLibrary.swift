import Foundation

/// The compiled shaders of `Kernels/`, embedded in the binary (`ShaderLibrary+SPIRV.swift`).
enum ShaderLibrary {
    /// The SPIR-V words of shader `name`, or nil when there is none (or it is corrupt). With
    /// `SWIFTLLM_SPIRV_DIR` set (shader work: `glslc … -o DIR/NAME.spv` without a rebuild), a
    /// `NAME.spv` found there replaces the embedded one.
    static func words(_ name: String) -> [UInt32]? {
        words(name, folder: ProcessInfo.processInfo.environment["SWIFTLLM_SPIRV_DIR"])
    }

    /// The words of `folder/name.spv` where that file exists, else of the embedded shader.
    static func words(_ name: String, folder: String?) -> [UInt32]? {
        if let folder, !folder.isEmpty, let data = FileManager.default.contents(atPath: folder + "/" + name + ".spv") {
            return words(data)
        }
        guard let encoded = base64[name], let data = Data(base64Encoded: encoded) else { return nil }
        return words(data)
    }

    private static func words(_ data: Data) -> [UInt32]? {
        guard data.count % 4 == 0, !data.isEmpty else { return nil }
        return data.withUnsafeBytes { raw in (0..<data.count / 4).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self) } }
    }

    /// The names of every embedded shader.
    static var names: [String] { base64.keys.sorted() }
}
