import Foundation

/// The compiled shaders of `Kernels/`, embedded in the binary (`ShaderLibrary+SPIRV.swift`).
enum ShaderLibrary {
    /// The SPIR-V words of shader `name`, or nil when there is none (or it is corrupt).
    static func words(_ name: String) -> [UInt32]? {
        guard let encoded = base64[name], let data = Data(base64Encoded: encoded), data.count % 4 == 0, !data.isEmpty else {
            return nil
        }
        return data.withUnsafeBytes { raw in (0..<data.count / 4).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self) } }
    }

    /// The names of every embedded shader.
    static var names: [String] { base64.keys.sorted() }
}
