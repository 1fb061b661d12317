import Foundation
import Runtime

/// `list_dir`: the entries of a directory inside the sandbox root, sorted by name (byte order, so
/// the listing is the same on every run and machine), each with its type and, for files, size.
/// Symlinks are listed as symlinks without their targets, which may name paths outside the root.
public struct ListDirTool: Tool {
    public static let maxEntries = 500

    public let definition = ToolDefinition(
        name: "list_dir",
        description: "Lists a directory under the workspace root: {path, entries: [{name, type: file|dir|symlink|other, "
            + "size (files only, bytes)}], truncated}, sorted by name, at most \(ListDirTool.maxEntries) entries.",
        parameters: [
            "type": "object",
            "properties": [
                "path": [
                    "type": "string",
                    "description": "Directory path relative to the workspace root; default \".\" (the root).",
                ],
            ],
            "additionalProperties": false,
        ])

    let sandbox: FileSandbox

    public init(sandbox: FileSandbox) { self.sandbox = sandbox }

    public func call(arguments: JSONValue) async throws(ToolError) -> String {
        let name = definition.name
        let args = try ToolArguments(arguments, tool: name, allowed: ["path"])
        let target = try sandbox.resolve(try args.string("path") ?? ".", tool: name)
        guard target.status.kind == .directory else {
            throw ToolError(.invalidArguments, "\(name): '\(target.relative)' is not a directory")
        }
        let names = try Self.sortedNames(target.real, tool: name)
        let entries = names.prefix(Self.maxEntries).map { entryName -> JSONValue in
            // An entry that vanished between the directory read and the lstat is shown as "other".
            let status = FileStatus(path: target.real + "/" + entryName)
            return .members(status?.entry("name", entryName) ?? [("name", .string(entryName)), ("type", "other")])
        }
        return JSONValue.members([
            ("path", .string(target.relative)),
            ("entries", .array(entries)),
            ("truncated", .bool(names.count > Self.maxEntries)),
        ]).compactText
    }

    /// The names in a directory, sorted by their UTF-8 bytes.
    static func sortedNames(_ directory: String, tool: String) throws(ToolError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory)
                .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        } catch {
            throw ToolError(.failed, "\(tool): cannot read the directory: \(error.localizedDescription)")
        }
    }
}
