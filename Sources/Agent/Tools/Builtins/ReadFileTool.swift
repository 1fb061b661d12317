import Foundation
import Runtime

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `read_file`: a window of a text file inside the sandbox root. A window (offset, max_bytes)
/// rather than the whole file keeps a model's context from being flooded; `next_offset` tells it
/// how to page on. Files larger than `hardLimit` are refused outright, and files that are not
/// UTF-8 text (or hold NUL bytes) are reported as binary, never dumped.
public struct ReadFileTool: Tool {
    public static let defaultMaxBytes = 64 * 1024
    public static let defaultHardLimit = 16 * 1024 * 1024

    public let definition: ToolDefinition
    let sandbox: FileSandbox
    let hardLimit: Int

    public init(sandbox: FileSandbox, hardLimit: Int = ReadFileTool.defaultHardLimit) {
        self.sandbox = sandbox
        self.hardLimit = hardLimit
        definition = ToolDefinition(
            name: "read_file",
            description: "Reads a UTF-8 text file under the workspace root and returns {path, size, offset, content, "
                + "truncated, next_offset}. Reads at most max_bytes (default \(Self.defaultMaxBytes)) from offset; "
                + "when truncated, call again with offset = next_offset. Binary files are reported, not shown.",
            parameters: [
                "type": "object",
                "properties": [
                    "path": [
                        "type": "string",
                        "description": "File path relative to the workspace root, e.g. \"src/main.swift\".",
                        "minLength": 1,
                    ],
                    "offset": [
                        "type": "integer",
                        "description": "Byte offset to start reading at; default 0.",
                        "minimum": 0,
                    ],
                    "max_bytes": [
                        "type": "integer",
                        "description": .string("Most bytes to return; default and maximum \(Self.defaultMaxBytes)."),
                        "minimum": 1,
                        "maximum": .int(Self.defaultMaxBytes),
                    ],
                ],
                "required": ["path"],
                "additionalProperties": false,
            ])
    }

    public func call(arguments: JSONValue) async throws(ToolError) -> String {
        let name = definition.name
        let args = try ToolArguments(arguments, tool: name, allowed: ["path", "offset", "max_bytes"])
        let path = try args.requiredString("path")
        let offset = try args.integer("offset", in: 0...Int.max) ?? 0
        let maxBytes = try args.integer("max_bytes", in: 1...Self.defaultMaxBytes) ?? Self.defaultMaxBytes
        let target = try sandbox.resolve(path, tool: name)
        switch target.status.kind {
        case .file: break
        case .directory: throw ToolError(.invalidArguments, "\(name): '\(target.relative)' is a directory; use list_dir")
        default: throw ToolError(.invalidArguments, "\(name): '\(target.relative)' is not a regular file")
        }
        guard target.status.size <= hardLimit else {
            throw ToolError(.refused, "\(name): '\(target.relative)' is \(target.status.size) bytes, over the \(hardLimit)-byte limit")
        }
        guard offset <= target.status.size else {
            throw ToolError(.invalidArguments, "\(name): offset \(offset) is past the end of '\(target.relative)' (\(target.status.size) bytes)")
        }
        let window = try Self.read(target.real, offset: offset, count: maxBytes, tool: name)
        var members: [(String, JSONValue)] = [("path", .string(target.relative)), ("size", .int(target.status.size))]
        guard let text = TextWindow(window, offset: offset, fileSize: target.status.size) else {
            members.append(("binary", true))
            members.append(("message", "binary file (not UTF-8 text); contents not shown"))
            return JSONValue.members(members).compactText
        }
        members.append(("offset", .int(text.offset)))
        members.append(("content", .string(text.content)))
        members.append(("truncated", .bool(text.nextOffset < target.status.size)))
        if text.nextOffset < target.status.size { members.append(("next_offset", .int(text.nextOffset))) }
        return JSONValue.members(members).compactText
    }

    /// Up to `count` bytes from `offset`. Opened with O_NOFOLLOW: the sandbox resolved the path
    /// to a real one, so a symlink appearing there since then is refused rather than followed.
    static func read(_ path: String, offset: Int, count: Int, tool: String) throws(ToolError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw ToolError(.failed, "\(tool): cannot open the file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = bytes.withUnsafeMutableBytes { buffer in
                pread(fd, buffer.baseAddress.map { $0 + filled }, count - filled, off_t(offset + filled))
            }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw ToolError(.failed, "\(tool): read failed: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            filled += n
        }
        return Array(bytes[..<filled])
    }
}

/// A window of a file as text: whole UTF-8 characters only (a window edge that splits a
/// character moves to the character boundary), or nil when the bytes are not text.
struct TextWindow {
    let content: String
    /// Where the returned text starts and where the next window should start.
    let offset: Int
    let nextOffset: Int

    init?(_ bytes: [UInt8], offset: Int, fileSize: Int) {
        var start = 0
        // A window that starts inside a character skips its continuation bytes.
        if offset > 0 { while start < min(3, bytes.count), bytes[start] & 0xC0 == 0x80 { start += 1 } }
        var end = bytes.count
        // A window that ends inside a character leaves it for the next window.
        if offset + bytes.count < fileSize { end = Self.completePrefix(bytes, from: start) }
        let slice = bytes[start..<end]
        guard !slice.contains(0), let text = String(validating: slice, as: UTF8.self) else { return nil }
        content = text
        self.offset = offset + start
        nextOffset = offset + end
    }

    /// The end of the longest prefix of `bytes[from...]` that does not stop inside a multi-byte
    /// sequence (looking back at most 3 bytes for the sequence's lead byte).
    static func completePrefix(_ bytes: [UInt8], from: Int) -> Int {
        var i = bytes.count
        while i > max(from, bytes.count - 4) {
            i -= 1
            let byte = bytes[i]
            if byte & 0xC0 == 0x80 { continue }
            let length = byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
            return i + length <= bytes.count ? bytes.count : i
        }
        return bytes.count
    }
}
