/// Builds the built-in tools by name, for the CLI's `--tools calculator,clock,files` and for apps.
///
/// ```swift
/// let tools = try BuiltinTools.make(names: ["calculator", "files"], root: "./workspace")
/// var registry = try ToolRegistry(tools)
/// ```
public enum BuiltinTools {
    /// The names `make` accepts; "files" stands for read_file, list_dir and search_files.
    public static let names = ["calculator", "clock", "files"]

    /// The tools named, in the order given (a name given twice counts once).
    /// - Throws: `BuiltinToolsError` for an unknown name, or "files" without a usable `root`.
    public static func make(names requested: [String], root: String?) throws(BuiltinToolsError) -> [any Tool] {
        var tools: [any Tool] = []
        var seen: Set<String> = []
        for name in requested where seen.insert(name).inserted {
            switch name {
            case "calculator":
                tools.append(CalculatorTool())
            case "clock":
                tools.append(ClockTool())
            case "files":
                guard let root else {
                    throw BuiltinToolsError("the 'files' tools need a root directory to confine them to")
                }
                let sandbox = try FileSandbox(root: root)
                tools += [ReadFileTool(sandbox: sandbox), ListDirTool(sandbox: sandbox), SearchFilesTool(sandbox: sandbox)] as [any Tool]
            default:
                throw BuiltinToolsError("unknown built-in tool '\(name)' (known: \(Self.names.joined(separator: ", ")))")
            }
        }
        return tools
    }
}

/// The error `BuiltinTools.make` and the file tools' constructors throw for a bad configuration.
public struct BuiltinToolsError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
