import Foundation

/// Runs the `swiftllm` executable built next to the test bundle.
public enum CLI {
    /// The built `swiftllm` binary: next to the test bundle (same configuration).
    public static var executable: URL {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            let candidate = url.deletingLastPathComponent().appendingPathComponent("swiftllm")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            url.deleteLastPathComponent()
        }
        return TestPaths.repoRoot.appendingPathComponent(".build/release/swiftllm")
    }

    public static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) throws -> Subprocess.Result {
        try Subprocess.run(executable, arguments, stdin: stdin, environment: environment)
    }
}
