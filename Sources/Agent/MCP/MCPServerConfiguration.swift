import Foundation

/// How to start an MCP server that speaks over its standard input and output.
///
/// ```swift
/// let config = try MCPServerConfiguration(commandLine: "mcp-server-git --repository '/tmp/my repo'")
/// let server = try await MCPServer.start(config)
/// ```
public struct MCPServerConfiguration: Sendable {
    /// The program and its arguments (`command[0]` is looked up in `PATH` unless it holds a `/`).
    public var command: [String]
    /// Variables added to (or replacing those of) this process's environment for the server.
    public var environment: [String: String]
    /// The server's working directory; this process's when nil.
    public var workingDirectory: String?
    /// A short label for error messages; the program's file name by default.
    public var name: String
    /// How long the server may take to start and answer `initialize` and `tools/list`.
    public var startupTimeout: Duration
    /// How long one `tools/call` may take.
    public var callTimeout: Duration
    /// How long `shutdown()` waits after closing the server's stdin before it signals it.
    public var shutdownGrace: Duration

    public init(
        command: [String], environment: [String: String] = [:], workingDirectory: String? = nil,
        name: String? = nil, startupTimeout: Duration = .seconds(30), callTimeout: Duration = .seconds(30),
        shutdownGrace: Duration = .seconds(2)
    ) {
        self.command = command
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.name = name ?? command.first.map { ($0 as NSString).lastPathComponent } ?? "mcp"
        self.startupTimeout = startupTimeout
        self.callTimeout = callTimeout
        self.shutdownGrace = shutdownGrace
    }

    /// Splits `commandLine` as a POSIX shell would split words (quotes and backslashes, no
    /// expansion), so paths with spaces can be quoted.
    public init(
        commandLine: String, environment: [String: String] = [:], workingDirectory: String? = nil,
        name: String? = nil, startupTimeout: Duration = .seconds(30), callTimeout: Duration = .seconds(30),
        shutdownGrace: Duration = .seconds(2)
    ) throws(ToolError) {
        self.init(
            command: try Self.splitCommandLine(commandLine), environment: environment,
            workingDirectory: workingDirectory, name: name, startupTimeout: startupTimeout,
            callTimeout: callTimeout, shutdownGrace: shutdownGrace)
    }

    /// Shell-like word splitting: whitespace separates words; '…' is literal; "…" allows `\"`,
    /// `\\`, `\$` and `` \` ``; a backslash outside quotes takes the next character literally.
    public static func splitCommandLine(_ line: String) throws(ToolError) -> [String] {
        enum Quote { case none, single, double }
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote = Quote.none
        var escaped = false
        for character in line {
            if escaped {
                if quote == .double && !"\"\\$`".contains(character) { word.append("\\") }
                word.append(character)
                escaped = false
                continue
            }
            switch (quote, character) {
            case (.single, "'"): quote = .none
            case (.single, _): word.append(character)
            case (.double, "\""): quote = .none
            case (.double, "\\"): escaped = true
            case (.double, _): word.append(character)
            case (.none, "'"): quote = .single; inWord = true
            case (.none, "\""): quote = .double; inWord = true
            case (.none, "\\"): escaped = true; inWord = true
            case (.none, _) where character.isWhitespace:
                if inWord { words.append(word) }
                word = ""
                inWord = false
            case (.none, _): word.append(character); inWord = true
            }
        }
        guard quote == .none else { throw ToolError(.invalidArguments, "unterminated quote in MCP command line: \(line)") }
        guard !escaped else { throw ToolError(.invalidArguments, "MCP command line ends with a backslash: \(line)") }
        if inWord { words.append(word) }
        guard !words.isEmpty else { throw ToolError(.invalidArguments, "the MCP command line is empty") }
        return words
    }

    /// The environment the server gets: ours, overlaid with `environment`.
    var mergedEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    }

    /// The program's absolute path, found the way `execvp` would, so that a missing command is a
    /// clear error at start rather than an exit status from some wrapper.
    func resolvedExecutable() throws(ToolError) -> String {
        guard let program = command.first, !program.isEmpty else {
            throw ToolError(.invalidArguments, "the MCP command line is empty")
        }
        let fileManager = FileManager.default
        if program.contains("/") {
            let base = workingDirectory ?? fileManager.currentDirectoryPath
            let path = program.hasPrefix("/") ? program : (base as NSString).appendingPathComponent(program)
            guard fileManager.isExecutableFile(atPath: path) else {
                throw ToolError(.unavailable, "cannot start MCP server '\(name)': \(path) is not an executable file")
            }
            return path
        }
        let searchPath = mergedEnvironment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in searchPath.split(separator: ":") where !directory.isEmpty {
            let path = (String(directory) as NSString).appendingPathComponent(program)
            var isDirectory: ObjCBool = false
            if fileManager.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                fileManager.isExecutableFile(atPath: path)
            {
                return path
            }
        }
        throw ToolError(.unavailable, "cannot start MCP server '\(name)': command '\(program)' not found in PATH")
    }
}
