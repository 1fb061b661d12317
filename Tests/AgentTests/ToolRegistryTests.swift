import Agent
import Runtime
import Testing

@Suite struct ToolRegistryTests {
    @Test func loadsOpenAIToolsAndRefusesDuplicates() throws {
        let text = #"[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},{"name":"bare","parameters":{"type":"object"}}]"#
        let definitions = try ToolDefinition.parse(text)
        #expect(definitions.map(\.name) == ["get_weather", "bare"])
        #expect(definitions[0].parameters["required"] == ["city"])
        var registry = try ToolRegistry(definitions.map(DeclaredTool.init))
        #expect(registry.openAITools.count == 2)
        #expect(throws: ToolDefinitionError.self) { try registry.register(DeclaredTool(definitions[0])) }
        #expect(throws: ToolDefinitionError.self) { try ToolDefinition.parse("{}") }
        #expect(throws: ToolDefinitionError.self) { try ToolDefinition.parse("[") }
    }

    @Test func toolErrorsReadAsJSON() throws {
        let error = ToolError(.timeout, "no answer in 2 s")
        let parsed = try JSONValue(parsing: error.jsonText)
        #expect(parsed["error"]?["type"] == "timeout")
        #expect(parsed["error"]?["message"] == "no answer in 2 s")
    }
}
