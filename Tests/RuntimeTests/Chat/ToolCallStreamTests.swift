import Testing
import TestSupport
@testable import Runtime

/// `ToolCallStream`: calls read while the text arrives in pieces of any size assemble to the
/// calls in the text — the assistant turns that Python jinja2 rendered from `../shared`
/// conversations (an oracle we did not write), and each family's syntax with awkward arguments.
@Suite struct ToolCallStreamTests {
    struct Assembled: Equatable {
        var content = ""
        var names: [String] = []
        var arguments: [String] = []
    }

    /// Feeds `text` in pieces cut at `cuts` (byte offsets on character boundaries).
    static func assemble(_ text: String, _ format: ToolCallFormat, pieceSizes: [Int]) -> Assembled {
        var stream = ToolCallStream(format: format)
        var out = Assembled()
        func take(_ deltas: [ToolCallStream.Delta]) {
            for delta in deltas {
                switch delta {
                case .content(let piece): out.content += piece
                case .call(let index, let name):
                    #expect(index == out.names.count, "calls open in order")
                    out.names.append(name)
                    out.arguments.append("")
                case .arguments(let index, let piece): out.arguments[index] += piece
                }
            }
        }
        let characters = Array(text)
        var at = 0, k = 0
        while at < characters.count {
            let size = max(1, pieceSizes[k % pieceSizes.count])
            take(stream.append(String(characters[at..<min(characters.count, at + size)])))
            at += size
            k += 1
        }
        take(stream.finish())
        return out
    }

    static let splits: [[Int]] = [[1], [2, 3], [7, 1, 4], [64], [100_000]]

    @Test(arguments: ToolCallFormatTests.renderedCallTemplates)
    func streamsTheCallsJinja2Rendered(name: String) throws {
        let family = try #require(ToolCallFormatTests.expectedFamilies[name])
        let format = ToolCallFormat(family: family)
        for conversation in ["tool_calls", "parallel_tool_calls"] {
            guard let rendered = ChatTemplateOracleTests.expectedOutput(template: name, conversation: conversation) else { continue }
            let turn = ToolCallFormatTests.assistantTurn(rendered, family: family)
            let expected = ToolCallFormatTests.calls(in: conversation)
            for sizes in Self.splits {
                let got = Self.assemble(turn, format, pieceSizes: sizes)
                #expect(got.names == expected.map(\.name), "\(name) \(conversation) \(sizes)")
                let arguments = got.arguments.map { try? JSONValue(parsing: Array($0.utf8)) }
                #expect(arguments == expected.map { Optional($0.arguments) }, "\(name) \(conversation) \(sizes): \(got.arguments)")
            }
        }
    }

    @Test(arguments: ToolCallFormat.Family.allCases)
    func awkwardArgumentsAssembleExactly(_ family: ToolCallFormat.Family) {
        let format = ToolCallFormat(family: family)
        let calls = [
            ToolCall(name: "lookup", arguments: ["name": "not a call", "arguments": ["nested": "{[\"x\"]}"], "n": -1.5e3]),
            ToolCall(name: "search", arguments: ["query": "ski \"resorts\" \\ ö 🎿", "tags": [], "limit": nil, "on": true]),
        ]
        for subset in [[calls[0]], calls] {
            let text = format.text(for: subset)
            for sizes in Self.splits {
                let got = Self.assemble(text, format, pieceSizes: sizes)
                #expect(got.names == subset.map(\.name), "\(family) \(sizes)")
                let arguments = got.arguments.map { try? JSONValue(parsing: Array($0.utf8)) }
                #expect(arguments == subset.map { Optional($0.arguments) }, "\(family) \(sizes): \(got.arguments)")
                let blank = got.content.allSatisfy { $0.isWhitespace }
                #expect(blank, "\(family): \(got.content)")
            }
        }
    }

    @Test func textBeforeTheCallStreamsAndThePrefixIsHeldBack() {
        let format = ToolCallFormat(family: .hermes)
        var stream = ToolCallStream(format: format)
        #expect(stream.append("Sure, ") == [.content("Sure, ")])
        #expect(stream.append("checking.\n<tool") == [.content("checking.\n")])   // "<tool" may begin the prefix
        #expect(stream.append("_call>\n{\"name\": \"get_we") == [])
        #expect(stream.append("ather\", \"arguments\": {\"city\"") == [.call(index: 0, name: "get_weather"), .arguments(index: 0, "{\"city\"")])
        #expect(stream.append(": \"Oslo\"}}\n</tool_call>") == [.arguments(index: 0, ": \"Oslo\"}")])
        #expect(stream.finish() == [])
        var plain = ToolCallStream(format: format)
        #expect(plain.append("a <b") == [.content("a <b")])   // "<b" cannot begin it
        #expect(plain.append(" <tool_") == [.content(" ")])
        #expect(plain.finish() == [.content("<tool_")])
    }

    @Test func bareFormatsDecideAtTheFirstByte() {
        var text = ToolCallStream(format: ToolCallFormat(family: .llama3))
        #expect(text.append("  ") == [])
        #expect(text.append("The answer") == [.content("  The answer")])
        var tag = ToolCallStream(format: ToolCallFormat(family: .llama3))
        #expect(tag.append("<|python") == [])
        #expect(tag.append("_tag|>{\"name\": \"f\", \"parameters\": {}}") == [.call(index: 0, name: "f"), .arguments(index: 0, "{}")])
    }
}
