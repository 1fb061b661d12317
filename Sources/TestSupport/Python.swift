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
        let result = try Subprocess.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", scriptPath] + arguments, stdin: stdin)
        guard result.status == 0 else {
            throw Failure(script: script, status: result.status, stderr: result.stderr)
        }
        return result.stdout
    }

    /// Runs `python3 scripts/testing/SCRIPT ARGS...` (the test peers and drivers) and returns
    /// the whole result, whatever its status.
    public static func runTestingScript(_ script: String, _ arguments: [String]) throws -> Subprocess.Result {
        let scriptPath = TestPaths.repoRoot.appendingPathComponent("scripts/testing/\(script)").path
        return try Subprocess.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", scriptPath] + arguments)
    }
}
