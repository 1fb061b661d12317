import Foundation
import Runtime
import Testing

@testable import Agent

/// A temporary directory holding `root/` (the sandbox) and, beside it, `root2/` and `outside/`
/// (places symlinks must not reach), removed on deinit.
final class FileToolsFixture {
    let base: String
    let root: String
    let sandbox: FileSandbox

    init() throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("swiftllm-files-\(UUID().uuidString)").path
        root = base + "/root"
        for dir in ["root/sub/deep", "root2", "outside"] {
            try FileManager.default.createDirectory(atPath: base + "/" + dir, withIntermediateDirectories: true)
        }
        try Self.write(base, "root/a.txt", "hello\nworld\n")
        try Self.write(base, "root/B.txt", "upper case sorts first\n")
        try Self.write(base, "root/sub/notes.md", "# Title\r\nHello again\r\n")
        try Self.write(base, "root/sub/deep/main.swift", "print(\"hello\")\n")
        try Self.write(base, "root2/secret.txt", "hello from root2\n")
        try Self.write(base, "outside/secret.txt", "hello from outside\n")
        try Self.link(base, "root/link_in", "sub/notes.md")
        try Self.link(base, "root/link_dir_in", "sub")
        try Self.link(base, "root/link_out", base + "/outside/secret.txt")
        try Self.link(base, "root/link_out_dir", "../outside")
        // The prefix trick: "<base>/root2" starts with "<base>/root" but is not inside it.
        try Self.link(base, "root/link_root2", "../root2/secret.txt")
        try Self.link(base, "root/dangling", "nowhere.txt")
        sandbox = try FileSandbox(root: root)
    }

    deinit { try? FileManager.default.removeItem(atPath: base) }

    func write(_ path: String, _ text: String) throws { try Self.write(base, path, Data(text.utf8)) }

    func write(_ path: String, _ data: Data) throws { try Self.write(base, path, data) }

    func link(_ path: String, _ target: String) throws { try Self.link(base, path, target) }

    static func write(_ base: String, _ path: String, _ text: String) throws { try write(base, path, Data(text.utf8)) }

    static func write(_ base: String, _ path: String, _ data: Data) throws {
        guard FileManager.default.createFile(atPath: base + "/" + path, contents: data) else {
            throw CocoaError(.fileWriteUnknown)
        }
    }

    static func link(_ base: String, _ path: String, _ target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: base + "/" + path, withDestinationPath: target)
    }

    func run(_ tool: some Tool, _ arguments: JSONValue) async throws -> JSONValue {
        try JSONValue(parsing: try await tool.call(arguments: arguments))
    }

    /// The error the tool throws, or nil (recording an issue) when it succeeds.
    func failure(_ tool: some Tool, _ arguments: JSONValue) async -> ToolError? {
        do {
            let text = try await tool.call(arguments: arguments)
            Issue.record("\(tool.name) accepted \(arguments.compactText): \(text)")
            return nil
        } catch {
            return error
        }
    }
}

@Suite struct FileSandboxTests {
    @Test func refusesEscapes() async throws {
        let fixture = try FileToolsFixture()
        let read = ReadFileTool(sandbox: fixture.sandbox)
        let refused = ["/etc/passwd", fixture.base + "/outside/secret.txt", "../root2/secret.txt", "sub/../a.txt",
                       "..", "link_out", "link_out_dir/secret.txt", "link_root2", "./link_out"]
        for path in refused {
            let error = await fixture.failure(read, ["path": .string(path)])
            #expect(error?.kind == .refused, "\(path): \(String(describing: error))")
        }
        let list = ListDirTool(sandbox: fixture.sandbox)
        for path in ["link_out_dir", "/", "..", "sub/.."] {
            #expect(await fixture.failure(list, ["path": .string(path)])?.kind == .refused, "\(path)")
        }
        let search = SearchFilesTool(sandbox: fixture.sandbox)
        #expect(await fixture.failure(search, ["pattern": "*", "path": "link_out_dir"])?.kind == .refused)
    }

    @Test func allowsLinksThatStayInside() async throws {
        let fixture = try FileToolsFixture()
        let read = ReadFileTool(sandbox: fixture.sandbox)
        #expect(try await fixture.run(read, ["path": "link_in"])["content"] == "# Title\r\nHello again\r\n")
        #expect(try await fixture.run(read, ["path": "link_dir_in/deep/main.swift"])["content"] == "print(\"hello\")\n")
        #expect(try await fixture.run(read, ["path": "./sub//notes.md"])["path"] == "sub/notes.md")
        // A root given through a symlink is resolved once, at construction.
        try fixture.link("root_alias", "root")
        let aliased = try FileSandbox(root: fixture.base + "/root_alias")
        #expect(aliased.root == fixture.sandbox.root)
        #expect(try await fixture.run(ReadFileTool(sandbox: aliased), ["path": "a.txt"])["content"] == "hello\nworld\n")
    }

    @Test func missingAndDanglingPathsAreInvalidNotRefused() async throws {
        let fixture = try FileToolsFixture()
        let read = ReadFileTool(sandbox: fixture.sandbox)
        let cases = ["missing.txt": "'missing.txt' does not exist",
                     "dangling": "'dangling' is a symlink whose target does not exist",
                     "a.txt/x": "'a.txt' is not a directory",
                     "sub": "'sub' is a directory; use list_dir"]
        for (path, message) in cases {
            let error = await fixture.failure(read, ["path": .string(path)])
            #expect(error == ToolError(.invalidArguments, "read_file: " + message))
        }
        #expect(await fixture.failure(read, ["path": "a\u{0}.txt"])?.kind == .invalidArguments)
    }

    @Test func containmentComparesWholeComponents() throws {
        let fixture = try FileToolsFixture()
        let root = fixture.sandbox.root
        #expect(fixture.sandbox.contains(root))
        #expect(fixture.sandbox.contains(root + "/a.txt"))
        #expect(!fixture.sandbox.contains(root + "2/secret.txt"))
        #expect(!fixture.sandbox.contains(fixture.base))
        #expect(throws: BuiltinToolsError.self) { try FileSandbox(root: fixture.base + "/nope") }
        #expect(throws: BuiltinToolsError.self) { try FileSandbox(root: fixture.root + "/a.txt") }
    }
}

@Suite struct ReadFileToolTests {
    @Test func readsTextWithMetadata() async throws {
        let fixture = try FileToolsFixture()
        let result = try await fixture.run(ReadFileTool(sandbox: fixture.sandbox), ["path": "a.txt"])
        #expect(result == ["path": "a.txt", "size": 12, "offset": 0, "content": "hello\nworld\n", "truncated": false])
    }

    @Test func capsBytesAndPagesToTheEnd() async throws {
        let fixture = try FileToolsFixture()
        // 100 KiB of three-byte characters: the 64 KiB cap falls inside a character.
        let text = String(repeating: "€", count: 100 * 1024 / 3)
        try fixture.write("root/big.txt", text)
        let read = ReadFileTool(sandbox: fixture.sandbox)
        let first = try await fixture.run(read, ["path": "big.txt"])
        #expect(first["truncated"] == true)
        #expect(first["next_offset"] == .int(65_535))
        #expect(first["content"]?.stringValue?.utf8.count == 65_535)
        // Paging with an awkward window size reassembles the file exactly.
        var pieces = ""
        var offset = 0
        while true {
            let page = try await fixture.run(read, ["path": "big.txt", "offset": .int(offset), "max_bytes": 1000])
            pieces += page["content"]?.stringValue ?? ""
            guard let next = page["next_offset"]?.intValue else { break }
            #expect(next > offset)
            offset = next
        }
        #expect(pieces == text)
        // An offset inside a character starts at the next whole one.
        let inside = try await fixture.run(read, ["path": "big.txt", "offset": 1, "max_bytes": 6])
        #expect(inside["offset"] == 3)
        #expect(inside["content"] == "€")
    }

    @Test func refusesFilesOverTheHardLimit() async throws {
        let fixture = try FileToolsFixture()
        let path = fixture.root + "/huge.log"
        try fixture.write("root/huge.log", "x")
        // A sparse 17 MiB file: over the default 16 MiB limit without writing 17 MiB.
        #expect(truncate(path, 17 * 1024 * 1024) == 0)
        let error = await fixture.failure(ReadFileTool(sandbox: fixture.sandbox), ["path": "huge.log"])
        #expect(error == ToolError(.refused, "read_file: 'huge.log' is 17825792 bytes, over the 16777216-byte limit"))
        let small = ReadFileTool(sandbox: fixture.sandbox, hardLimit: 11)
        #expect(await fixture.failure(small, ["path": "a.txt"])?.kind == .refused)
    }

    @Test func reportsBinaryFiles() async throws {
        let fixture = try FileToolsFixture()
        try fixture.write("root/image.png", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]))
        try fixture.write("root/latin1.txt", Data([0x63, 0x61, 0x66, 0xE9, 0x0A]))
        let read = ReadFileTool(sandbox: fixture.sandbox)
        for name in ["image.png", "latin1.txt"] {
            let result = try await fixture.run(read, ["path": .string(name)])
            #expect(result["binary"] == true, "\(name)")
            #expect(result["content"] == nil, "\(name)")
        }
    }

    @Test func checksOffsetsAndWindowSizes() async throws {
        let fixture = try FileToolsFixture()
        let read = ReadFileTool(sandbox: fixture.sandbox)
        #expect(try await fixture.run(read, ["path": "a.txt", "offset": 12])["content"] == "")
        #expect(try await fixture.run(read, ["path": "a.txt", "offset": 6, "max_bytes": 3])["content"] == "wor")
        for bad: JSONValue in [["path": "a.txt", "offset": 13], ["path": "a.txt", "offset": -1],
                               ["path": "a.txt", "max_bytes": 0], ["path": "a.txt", "max_bytes": 65_537],
                               ["path": "a.txt", "offset": 1.5], ["path": 1], [:], ["path": "a.txt", "mode": "r"]] {
            #expect(await fixture.failure(read, bad)?.kind == .invalidArguments, "\(bad.compactText)")
        }
    }
}

@Suite struct ListDirToolTests {
    @Test func listsSortedWithTypesAndSizes() async throws {
        let fixture = try FileToolsFixture()
        let list = ListDirTool(sandbox: fixture.sandbox)
        let result = try await fixture.run(list, [:])
        let entries = try #require(result["entries"]?.arrayValue)
        #expect(entries.compactMap { $0["name"]?.stringValue } == [
            "B.txt", "a.txt", "dangling", "link_dir_in", "link_in", "link_out", "link_out_dir", "link_root2", "sub",
        ])
        #expect(entries[0] == ["name": "B.txt", "type": "file", "size": 23])
        #expect(entries[5] == ["name": "link_out", "type": "symlink"])
        #expect(entries[8] == ["name": "sub", "type": "dir"])
        #expect(result["path"] == "." && result["truncated"] == false)
        let sub = try await fixture.run(list, ["path": "link_dir_in"])
        #expect(sub["entries"] == [["name": "deep", "type": "dir"], ["name": "notes.md", "type": "file", "size": 22]])
        #expect(await fixture.failure(list, ["path": "a.txt"])?.kind == .invalidArguments)
    }

    @Test func capsLongListings() async throws {
        let fixture = try FileToolsFixture()
        try FileManager.default.createDirectory(atPath: fixture.root + "/many", withIntermediateDirectories: false)
        for i in 0..<(ListDirTool.maxEntries + 5) { try fixture.write("root/many/f\(i)", "") }
        let result = try await fixture.run(ListDirTool(sandbox: fixture.sandbox), ["path": "many"])
        #expect(result["entries"]?.arrayValue?.count == ListDirTool.maxEntries)
        #expect(result["truncated"] == true)
    }
}
