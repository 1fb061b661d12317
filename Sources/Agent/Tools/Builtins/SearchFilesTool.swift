import Foundation
import Runtime

/// `search_files`: finds entries by name under a directory of the sandbox root and, with
/// `content`, the lines of those files that contain a text. The walk is depth-first in byte
/// order of names (deterministic), never follows symlinks (so it cannot leave the root or loop),
/// and stops at fixed caps on results, entries visited, depth and bytes scanned, reporting
/// `truncated` when a cap cut it short.
public struct SearchFilesTool: Tool {
    public struct Limits: Sendable {
        public var maxResults = 100
        public var maxVisited = 10_000
        public var maxDepth = 32
        /// Files larger than this are not searched for content.
        public var maxFileBytes = 1024 * 1024
        public var maxScannedBytes = 32 * 1024 * 1024
        /// A matching line longer than this is shortened.
        public var maxLineCharacters = 200
        public init() {}
    }

    public let definition: ToolDefinition
    let sandbox: FileSandbox
    let limits: Limits

    public init(sandbox: FileSandbox, limits: Limits = Limits()) {
        self.sandbox = sandbox
        self.limits = limits
        definition = ToolDefinition(
            name: "search_files",
            description: "Searches under a directory of the workspace root for entries whose name matches pattern "
                + "(a case-insensitive substring, or a glob such as \"*.swift\" when it has * ? or [ ]). Without "
                + "content returns {matches: [{path, type, size}]}; with content returns the matching lines of "
                + "matching text files as {matches: [{path, line, text}]}. At most \(limits.maxResults) matches; "
                + "truncated says the search stopped at a cap.",
            parameters: [
                "type": "object",
                "properties": [
                    "pattern": [
                        "type": "string",
                        "description": "Name pattern: substring (\"config\") or glob (\"*.md\"); \"*\" matches every name.",
                        "minLength": 1,
                    ],
                    "path": [
                        "type": "string",
                        "description": "Directory to search, relative to the workspace root; default \".\".",
                    ],
                    "content": [
                        "type": "string",
                        "description": "Optional text to look for inside the files (case-insensitive, within one line).",
                        "minLength": 1,
                    ],
                ],
                "required": ["pattern"],
                "additionalProperties": false,
            ])
    }

    public func call(arguments: JSONValue) async throws(ToolError) -> String {
        let name = definition.name
        let args = try ToolArguments(arguments, tool: name, allowed: ["pattern", "path", "content"])
        let pattern = try args.requiredString("pattern")
        let content = try args.string("content")
        guard !pattern.isEmpty else { throw ToolError(.invalidArguments, "\(name): 'pattern' is empty; use \"*\" for every name") }
        guard content?.contains("\n") != true, content?.isEmpty != true else {
            throw ToolError(.invalidArguments, "\(name): 'content' must be non-empty text within one line")
        }
        let start = try sandbox.resolve(try args.string("path") ?? ".", tool: name)
        guard start.status.kind == .directory else {
            throw ToolError(.invalidArguments, "\(name): '\(start.relative)' is not a directory")
        }
        var search = Search(pattern: NamePattern(pattern), content: content?.lowercased(), limits: limits)
        search.walk(real: start.real, relative: start.relative == "." ? "" : start.relative, depth: 0)
        return JSONValue.members([("matches", .array(search.matches)), ("truncated", .bool(search.truncated))]).compactText
    }
}

/// One search's state: what was found and how much of each budget is spent.
private struct Search {
    let pattern: NamePattern
    let content: String?
    let limits: SearchFilesTool.Limits
    var matches: [JSONValue] = []
    var truncated = false
    var visited = 0
    var scannedBytes = 0

    init(pattern: NamePattern, content: String?, limits: SearchFilesTool.Limits) {
        self.pattern = pattern
        self.content = content
        self.limits = limits
    }

    private var full: Bool { matches.count >= limits.maxResults }

    mutating func walk(real: String, relative: String, depth: Int) {
        // An unreadable directory is skipped: one locked folder should not sink the search.
        guard let names = try? ListDirTool.sortedNames(real, tool: "search_files") else { return }
        for name in names {
            if full || visited >= limits.maxVisited || scannedBytes >= limits.maxScannedBytes {
                truncated = true
                return
            }
            visited += 1
            let path = relative.isEmpty ? name : relative + "/" + name
            let realPath = real + "/" + name
            guard let status = FileStatus(path: realPath) else { continue }
            if pattern.matches(name) {
                if let content {
                    if status.kind == .file { grep(realPath, path, size: status.size, for: content) }
                } else {
                    matches.append(.members(status.entry("path", path)))
                }
            }
            if status.kind == .directory {
                if depth + 1 >= limits.maxDepth {
                    truncated = true
                } else {
                    walk(real: realPath, relative: path, depth: depth + 1)
                }
            }
        }
    }

    /// Adds the lines of a text file that contain `needle` (already lower-cased). Large and
    /// binary files are skipped silently: a search reports where text is, not what it skipped.
    private mutating func grep(_ real: String, _ path: String, size: Int, for needle: String) {
        guard size <= limits.maxFileBytes,
              let bytes = try? ReadFileTool.read(real, offset: 0, count: max(size, 1), tool: "search_files")
        else { return }
        scannedBytes += bytes.count
        guard !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self) else { return }
        var lineNumber = 0
        // "\r\n" is one Character in Swift, so it has to be named as a separator of its own.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            guard line.lowercased().contains(needle) else { continue }
            if full {
                truncated = true
                return
            }
            var shown = String(line)
            if shown.count > limits.maxLineCharacters { shown = String(shown.prefix(limits.maxLineCharacters)) + "…" }
            matches.append(.members([("path", .string(path)), ("line", .int(lineNumber)), ("text", .string(shown))]))
        }
    }
}
