import Foundation
import TestSupport

/// Runs scripts/oracles/quants.py once per test process and serves its files.
enum QuantOracle {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The folder holding the oracle files, or the reason the script failed.
    static let directory: Result<URL, Failure> = {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("swiftllm-quant-oracle-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", TestPaths.repoRoot.appendingPathComponent("scripts/oracles/quants.py").path, dir.path]
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                return .failure(Failure(description: "quants.py exited \(process.terminationStatus): \(text)"))
            }
            return .success(dir)
        } catch {
            return .failure(Failure(description: "cannot run quants.py: \(error)"))
        }
    }()

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: try directory.get().appendingPathComponent(name)))
    }

    static func floats(_ name: String) throws -> [Float] {
        let raw = try bytes(name)
        return raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }
}
