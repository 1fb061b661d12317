import Foundation
import Runtime
import Testing

@testable import Agent

@Suite struct SearchFilesToolTests {
    @Test func findsNamesByGlobAndSubstringInWalkOrder() async throws {
        let fixture = try FileToolsFixture()
        let search = SearchFilesTool(sandbox: fixture.sandbox)
        let markdown = try await fixture.run(search, ["pattern": "*.MD"])
        #expect(markdown == ["matches": [["path": "sub/notes.md", "type": "file", "size": 22]], "truncated": false])
        let links = try await fixture.run(search, ["pattern": "LINK_"])
        // Symlinks are reported, never followed: nothing under link_dir_in or link_out_dir.
        #expect(links["matches"]?.arrayValue?.compactMap { $0["path"]?.stringValue }
            == ["link_dir_in", "link_in", "link_out", "link_out_dir", "link_root2"])
        let all = try await fixture.run(search, ["pattern": "*"])
        #expect(all["matches"]?.arrayValue?.compactMap { $0["path"]?.stringValue } == [
            "B.txt", "a.txt", "dangling", "link_dir_in", "link_in", "link_out", "link_out_dir", "link_root2",
            "sub", "sub/deep", "sub/deep/main.swift", "sub/notes.md",
        ])
        let inSub = try await fixture.run(search, ["pattern": "?ain.swift", "path": "sub"])
        #expect(inSub["matches"]?.arrayValue?.compactMap { $0["path"]?.stringValue } == ["sub/deep/main.swift"])
    }

    @Test func grepsContentOfMatchingFilesOnly() async throws {
        let fixture = try FileToolsFixture()
        let search = SearchFilesTool(sandbox: fixture.sandbox)
        let result = try await fixture.run(search, ["pattern": "*", "content": "HELLO"])
        // root2/ and outside/ also say hello; the symlinks to them must not be read.
        #expect(result == ["matches": [
            ["path": "a.txt", "line": 1, "text": "hello"],
            ["path": "sub/deep/main.swift", "line": 1, "text": "print(\"hello\")"],
            ["path": "sub/notes.md", "line": 2, "text": "Hello again"],
        ], "truncated": false])
        let onlyMarkdown = try await fixture.run(search, ["pattern": "*.md", "content": "hello"])
        #expect(onlyMarkdown["matches"]?.arrayValue?.count == 1)
        try fixture.write("root/data.bin", Data([0x68, 0x65, 0x6C, 0x6C, 0x6F, 0x00]))
        let skipsBinary = try await fixture.run(search, ["pattern": "data", "content": "hello"])
        #expect(skipsBinary == ["matches": [], "truncated": false])
    }

    @Test func stopsAtCapsAndSaysSo() async throws {
        let fixture = try FileToolsFixture()
        var limits = SearchFilesTool.Limits()
        limits.maxResults = 2
        let capped = try await fixture.run(SearchFilesTool(sandbox: fixture.sandbox, limits: limits), ["pattern": "*"])
        #expect(capped["matches"]?.arrayValue?.count == 2)
        #expect(capped["truncated"] == true)
        limits = SearchFilesTool.Limits()
        limits.maxDepth = 1
        let shallow = try await fixture.run(SearchFilesTool(sandbox: fixture.sandbox, limits: limits), ["pattern": "*.swift"])
        #expect(shallow == ["matches": [], "truncated": true])
        limits = SearchFilesTool.Limits()
        limits.maxLineCharacters = 3
        let short = try await fixture.run(SearchFilesTool(sandbox: fixture.sandbox, limits: limits),
                                          ["pattern": "a.txt", "content": "world"])
        #expect(short["matches"] == [["path": "a.txt", "line": 2, "text": "wor…"]])
    }

    @Test func rejectsBadArguments() async throws {
        let fixture = try FileToolsFixture()
        let search = SearchFilesTool(sandbox: fixture.sandbox)
        for bad: JSONValue in [[:], ["pattern": ""], ["pattern": "*", "content": "a\nb"], ["pattern": "*", "path": "a.txt"],
                               ["pattern": "*", "recursive": true], ["pattern": ["*"]]] {
            #expect(await fixture.failure(search, bad)?.kind == .invalidArguments, "\(bad.compactText)")
        }
        #expect(await fixture.failure(search, ["pattern": "*", "path": "../root2"])?.kind == .refused)
    }

    @Test func globsMatchLikeAShell() {
        let cases: [(String, String, Bool)] = [
            ("*.swift", "Main.SWIFT", true), ("*.swift", "main.swift.bak", false), ("?.txt", "a.txt", true),
            ("?.txt", "ab.txt", false), ("[a-c]*", "bravo", true), ("[a-c]*", "delta", false),
            ("[!a-c]*", "delta", true), ("[!a-c]*", "alpha", false), ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "aXXbYY", false), ("*", "", true), ("[abc", "[abc", true), ("[]]", "]", true),
            ("**x", "x", true), ("*a*a*a*a*a*a*b", String(repeating: "a", count: 60), false),
            ("note", "Notes.md", true), ("note", "readme", false), ("é*", "École", true),
        ]
        for (pattern, name, expected) in cases {
            #expect(NamePattern(pattern).matches(name) == expected, "\(pattern) ~ \(name)")
        }
        #expect(NamePattern("*.md").isGlob && !NamePattern("notes").isGlob)
    }
}
