import Foundation
import Runtime
import Testing

@testable import Agent

@Suite struct BuiltinToolsTests {
    @Test func makesToolsByName() throws {
        let fixture = try FileToolsFixture()
        let tools = try BuiltinTools.make(names: ["files", "calculator", "clock", "calculator"], root: fixture.root)
        #expect(tools.map(\.name) == ["read_file", "list_dir", "search_files", "calculator", "clock"])
        #expect(try ToolRegistry(tools).tools.count == 5)
        #expect(try BuiltinTools.make(names: [], root: nil).isEmpty)
        #expect(try BuiltinTools.make(names: ["clock"], root: nil).map(\.name) == ["clock"])
    }

    @Test func refusesUnknownNamesAndFilesWithoutRoot() throws {
        let fixture = try FileToolsFixture()
        #expect(throws: BuiltinToolsError("unknown built-in tool 'shell' (known: calculator, clock, files)")) {
            try BuiltinTools.make(names: ["calculator", "shell"], root: nil)
        }
        #expect(throws: BuiltinToolsError("the 'files' tools need a root directory to confine them to")) {
            try BuiltinTools.make(names: ["files"], root: nil)
        }
        #expect(throws: BuiltinToolsError.self) { try BuiltinTools.make(names: ["files"], root: fixture.base + "/missing") }
    }

    /// Each schema must compile, strictly, to the grammar a local model generates arguments
    /// under, and must accept the arguments the tests use and reject a misspelt key.
    @Test func schemasCompileAndValidate() throws {
        let fixture = try FileToolsFixture()
        let tools = try BuiltinTools.make(names: BuiltinTools.names, root: fixture.root)
        let examples: [String: (valid: [JSONValue], invalid: [JSONValue])] = [
            "calculator": ([["expression": "1+1"]], [[:], ["expression": ""], ["expression": "1", "x": 1]]),
            "clock": ([[:], ["timezone": "Europe/Paris"]], [["timezone": 1], ["tz": "UTC"]]),
            "read_file": ([["path": "a", "offset": 0, "max_bytes": 65_536]],
                          [["path": "a", "max_bytes": 65_537], ["path": "a", "offset": -1], ["offset": 0]]),
            "list_dir": ([[:], ["path": "sub"]], [["path": 1], ["dir": "."]]),
            "search_files": ([["pattern": "*"], ["pattern": "*.md", "path": "sub", "content": "x"]],
                             [["path": "."], ["pattern": "*", "content": ""], ["pattern": "*", "glob": true]]),
        ]
        for tool in tools {
            let schema = tool.definition.parameters
            #expect(schema["additionalProperties"] == false, "\(tool.name)")
            #expect(!tool.definition.description.isEmpty)
            let compiled = try JSONSchemaCompiler.compile(schema)
            #expect(compiled.warnings.isEmpty, "\(tool.name): \(compiled.warnings)")
            let validator = JSONSchemaValidator(root: schema)
            let cases = try #require(examples[tool.name], "no examples for \(tool.name)")
            for valid in cases.valid {
                #expect(validator.validate(valid) == .valid, "\(tool.name): \(valid.compactText)")
            }
            for invalid in cases.invalid {
                guard case .invalid = validator.validate(invalid) else {
                    Issue.record("\(tool.name) schema accepts \(invalid.compactText)")
                    continue
                }
            }
            // Every property says what it is for: the model reads these descriptions.
            for (name, property) in schema["properties"]?.objectValue ?? JSONObject() {
                #expect(property["description"]?.stringValue?.isEmpty == false, "\(tool.name).\(name)")
                #expect(property["type"] != nil, "\(tool.name).\(name)")
            }
        }
    }

    @Test func resultsAreCompactJSON() async throws {
        let fixture = try FileToolsFixture()
        let tools = try BuiltinTools.make(names: BuiltinTools.names, root: fixture.root)
        let arguments: [String: JSONValue] = [
            "calculator": ["expression": "1+1"], "clock": [:], "read_file": ["path": "a.txt"],
            "list_dir": [:], "search_files": ["pattern": "*"],
        ]
        for tool in tools {
            let text = try await tool.call(arguments: arguments[tool.name] ?? [:])
            let parsed = try JSONValue(parsing: text)
            #expect(parsed.compactText == text, "\(tool.name)")
            #expect(parsed.objectValue != nil, "\(tool.name)")
        }
    }
}
