import TestSupport
import Foundation
import Testing
@testable import Runtime

@Suite struct JSONParserTests {
    @Test func parsesScalarsAndKeepsIntVersusDouble() throws {
        #expect(try JSONValue(parsing: "1") == .int(1))
        #expect(try JSONValue(parsing: "1.0") == .double(1.0))
        #expect(try JSONValue(parsing: "-0") == .int(0))
        #expect(try JSONValue(parsing: "1e2") == .double(100))
        #expect(try JSONValue(parsing: " true ") == .bool(true))
        #expect(try JSONValue(parsing: "null") == .null)
        #expect(try JSONValue(parsing: #""a\u00e9\ud83d\ude00\n""#) == .string("aé😀\n"))
    }

    @Test func objectsKeepSourceOrder() throws {
        let v = try JSONValue(parsing: #"{"b":1,"a":[true,null],"c":{"x":"y"}}"#)
        #expect(v.objectValue?.keys == ["b", "a", "c"])
        #expect(v.compactText == #"{"b":1,"a":[true,null],"c":{"x":"y"}}"#)
    }

    @Test(arguments: [
        ("", 0), ("[1,]", 3), ("{\"a\" 1}", 5), ("01", 1), ("1.", 2), ("\"abc", 4), ("[1 2]", 3),
        ("tru", 0), ("\"\\x\"", 2), ("{\"a\":1,}", 7), ("-", 1), ("1 1", 2),
    ])
    func rejectsWithOffset(text: String, offset: Int) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
        do {
            _ = try JSONValue(parsing: text)
        } catch {
            #expect(error.offset == offset, "\(text): \(error)")
        }
    }

    /// Keys that differ in code points stay distinct even when Unicode-equivalent (as in Python).
    @Test func canonicallyEquivalentKeysStayDistinct() throws {
        let v = try JSONValue(parsing: "{\"\u{E9}\":1,\"e\u{301}\":2}")
        #expect(v.objectValue?.count == 2)
        #expect(v["\u{E9}"] == .int(1))
    }

    @Test func depthLimitIsEnforced() {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: deep) }
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect((try? JSONValue(parsing: ok)) != nil)
    }

    @Test func compactTextRoundTrips() throws {
        let texts = [#"{"a":[1,2.5,-3e-05,"x\"y\\z\u0001"],"b":{}}"#, "[]", #""\u001f""#, "[1e+300]"]
        for text in texts {
            let v = try JSONValue(parsing: text)
            #expect(try JSONValue(parsing: v.compactText) == v)
        }
    }

    /// Mutations and truncations of valid documents: the parser never crashes, and it accepts
    /// exactly what Python's json module accepts.
    @Test func mutationsAgreeWithPython() throws {
        let seeds = [
            #"{"name":"tool","args":{"x":[1,2,{"y":null}],"z":-1.5e3,"ok":true,"s":"a\"b\u00e9"}}"#,
            #"[0,-0.0,1E+2,"\ud83d\ude00",{},[],false]"#,
            #"{"a":{"b":{"c":[["d"]]}}}"#,
        ]
        let alphabet = Array(#"{}[]:,"\-+.eE0123456789tfnulrasx \u"#.utf8) + [0x00, 0x0A, 0xC3, 0xA9, 0xFF]
        var rng = SeededRandom(seed: 7)
        var cases: [[UInt8]] = []
        for seed in seeds {
            let bytes = Array(seed.utf8)
            for _ in 0..<300 {
                var m = bytes
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: m = Array(m.prefix(Int.random(in: 0...m.count, using: &rng)))
                case 1: m[Int.random(in: 0..<m.count, using: &rng)] = alphabet.randomElement(using: &rng) ?? 0
                case 2: m.insert(alphabet.randomElement(using: &rng) ?? 0, at: Int.random(in: 0...m.count, using: &rng))
                default: m.remove(at: Int.random(in: 0..<m.count, using: &rng))
                }
                cases.append(m)
            }
        }
        let output = try runPythonOracle("json_accepts.py", input: cases.map(\.hexString).joined(separator: "\n") + "\n")
        let verdicts = output.split(separator: "\n").map { $0 == "1" }
        #expect(verdicts.count == cases.count)
        var disagreements: [String] = []
        for (bytes, pythonAccepts) in zip(cases, verdicts) {
            let ours = (try? JSONValue(parsing: bytes)) != nil
            if ours != pythonAccepts { disagreements.append(String(decoding: bytes, as: UTF8.self)) }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
        #expect(verdicts.contains(true) && verdicts.contains(false))
    }

    @Test func randomBytesNeverCrash() {
        var rng = SeededRandom(seed: 99)
        for _ in 0..<5000 {
            let n = Int.random(in: 0..<40, using: &rng)
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = try? JSONValue(parsing: bytes)
        }
    }
}
