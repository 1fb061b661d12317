import Foundation

/// Runs the Python oracles in `scripts/oracles` (the `gguf`, `numpy`, `jsonschema`, `jinja2`
/// packages) and hands back what they print.
public enum Python {
    public struct Failure: Error, CustomStringConvertible {
        public let script: String
        public let status: Int32
        public let stderr: String
        public var description: String { "python3 \(script) exited with \(status): \(stderr)" }
    }

    /// Runs `python3 scripts/oracles/SCRIPT ARGS...` and returns its standard output.
    public static func runOracle(_ script: String, _ arguments: [String], stdin: Data? = nil) throws -> Data {
        let scriptPath = TestPaths.repoRoot.appendingPathComponent("scripts/oracles/\(script)").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptPath] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        // Read both pipes concurrently with the process so a large output cannot block it.
        nonisolated(unsafe) var errData = Data()
        let errThread = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        errThread.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errThread.isFinished { usleep(1000) }
        guard process.terminationStatus == 0 else {
            throw Failure(script: script, status: process.terminationStatus,
                          stderr: String(decoding: errData, as: UTF8.self))
        }
        return outData
    }
}
