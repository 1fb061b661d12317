import Agent
import Foundation
import Runtime
import Testing
import TestSupport

/// The loader and the schema conversion on hand-made input, then loader, conversion and scorer
/// together on the real BFCL v4 files in `../shared/bfcl`.
@Suite struct BFCLDatasetTests {
    static let dir = TestPaths.shared.appendingPathComponent("bfcl")
    static let hasData = FileManager.default.fileExists(atPath: dir.appendingPathComponent("BFCL_v4_multiple.json").path)

    static let questionLine = #"{"id": "simple_python_0", "question": [[{"role": "user", "content": "Area?"}]], "function": [{"name": "calc.area", "description": "Area.", "parameters": {"type": "dict", "properties": {"base": {"type": "integer"}}, "required": ["base"]}}]}"#
    static let answerLine = #"{"id": "simple_python_0", "ground_truth": [{"calc.area": {"base": [10]}}]}"#

    static func loadError(questions: String, answers: String?) -> BFCLDataError? {
        do {
            _ = try BFCLDataset.parse(questions: questions, questionsFile: "q.json", answers: answers, answersFile: "a.json")
            return nil
        } catch {
            return error
        }
    }

    @Test func parsesAndJoinsById() throws {
        let data = try BFCLDataset.parse(questions: Self.questionLine + "\n\n", questionsFile: "q.json",
                                         answers: Self.answerLine, answersFile: "a.json")
        let question = try #require(data.questions.first)
        #expect(question.id == "simple_python_0" && question.category == .simple)
        #expect(question.messages == [BFCLMessage(role: "user", content: "Area?")])
        #expect(question.expected == BFCLExpectedCall(name: "calc.area", allowed: JSONObject([("base", [10])])))
        #expect(question.tools.map(\.name) == ["calc.area"])
        #expect(BFCLCategory(id: "irrelevance_12") == .irrelevance && BFCLCategory(id: "parallel_3") == nil)
    }

    @Test func badInputNamesFileAndLine() {
        let bad = Self.loadError(questions: Self.questionLine + "\n{\"id\": ", answers: Self.answerLine)
        #expect(bad?.file == "q.json" && bad?.line == 2)
        #expect(bad?.description.hasPrefix("q.json:2: invalid JSON") == true)
        let missing = Self.loadError(questions: Self.questionLine, answers: "")
        #expect(missing == BFCLDataError(file: "a.json", line: nil, message: "no ground truth for 'simple_python_0'"))
        let noAnswers = Self.loadError(questions: Self.questionLine, answers: nil)
        #expect(noAnswers?.file == "q.json" && noAnswers?.line == 1)
        let orphan = Self.answerLine.replacingOccurrences(of: "simple_python_0", with: "simple_python_9")
        let orphanError = Self.loadError(questions: Self.questionLine, answers: Self.answerLine + "\n" + orphan)
        #expect(orphanError?.file == "a.json" && orphanError?.line == 2)
        let wrongFunction = Self.answerLine.replacingOccurrences(of: "calc.area\":", with: "calc.volume\":")
        #expect(Self.loadError(questions: Self.questionLine, answers: wrongFunction)?.line == 1)
        let parallel = Self.questionLine.replacingOccurrences(of: "simple_python_0", with: "parallel_0")
        #expect(Self.loadError(questions: parallel, answers: nil)?.message.contains("not in a supported category") == true)
        let noFunctions = #"{"id": "irrelevance_0", "question": [[]], "function": []}"#
        #expect(Self.loadError(questions: noFunctions, answers: nil)?.message == "'irrelevance_0': no 'function' array")
        let twice = Self.loadError(questions: Self.questionLine + "\n" + Self.questionLine, answers: Self.answerLine)
        #expect(twice?.line == 2 && twice?.message == "id 'simple_python_0' appears twice")
        let badTruth = #"{"id": "simple_python_0", "ground_truth": [{"calc.area": {"base": 10}}]}"#
        #expect(Self.loadError(questions: Self.questionLine, answers: badTruth)?.message.contains("'base'") == true)
    }

    @Test func convertsPythonTypesToJSONSchema() throws {
        let bfcl = try JSONValue(parsing: #"""
            {"type": "dict", "optional": [], "required": ["coords"], "properties": {
              "coords": {"type": "tuple", "items": {"type": "float"}, "description": "lat, lon"},
              "data": {"type": "any", "description": "anything"},
              "unit": {"type": "string", "enum": ["km", "mi"], "default": "km", "optional": true},
              "filter": {"type": "dict", "properties": {"n": {"type": "integer"}, "ok": {"type": "boolean"}}},
              "cards": {"type": "dict"},
              "names": {"type": "array", "items": {"type": "string"}}}}
            """#)
        let expected = try JSONValue(parsing: #"""
            {"type": "object", "required": ["coords"], "properties": {
              "coords": {"type": "array", "items": {"type": "number"}, "description": "lat, lon"},
              "data": {"description": "anything"},
              "unit": {"type": "string", "enum": ["km", "mi"], "default": "km"},
              "filter": {"type": "object", "properties": {"n": {"type": "integer"}, "ok": {"type": "boolean"}}},
              "cards": {"type": "object"},
              "names": {"type": "array", "items": {"type": "string"}}},
             "additionalProperties": false}
            """#)
        let converted = BFCLSchema.convert(parameters: bfcl)
        #expect(converted == expected)
        // Property order is generation order, so conversion keeps it.
        #expect(converted["properties"]?.objectValue?.keys == ["coords", "data", "unit", "filter", "cards", "names"])
        _ = try JSONSchemaCompiler.compile(converted)
        let validator = JSONSchemaValidator(root: converted)
        #expect(validator.validate(["coords": [1, 2.5], "data": [1, "x"], "cards": ["a": [1]]]) == .valid)
        #expect(validator.validate(["coords": [1, 2.5], "extra": 1]) != .valid)
        #expect(BFCLSchema.convert(["type": ["float", "dict"]]) == ["type": ["number", "object"]])
        #expect(BFCLSchema.convert(["type": ["any", "string"]]) == [:])
    }

    static func load(_ name: String, answers: Bool) throws -> BFCLDataset {
        try BFCLDataset.load(
            questions: dir.appendingPathComponent("BFCL_v4_\(name).json"),
            answers: answers ? dir.appendingPathComponent("possible_answer/BFCL_v4_\(name).json") : nil)
    }

    /// A concrete value from an allowed value: objects take the first allowed value of each key,
    /// leaving out keys whose first allowed value is "" (the ground truth's "may be omitted").
    static func concrete(_ allowed: JSONValue) -> JSONValue {
        switch allowed {
        case .object(let members):
            var object = JSONObject()
            for (key, alternatives) in members {
                guard let first = (alternatives.arrayValue ?? [alternatives]).first, first != "" else { continue }
                object[key] = concrete(first)
            }
            return .object(object)
        case .array(let elements): return .array(elements.map(concrete))
        default: return allowed
        }
    }

    /// The ground truth as a call: the first allowed value of each parameter, leaving out those
    /// whose first is "", unless the schema requires them (simple_python_200 lists "" first for
    /// a required parameter); then the first allowed value that is not "".
    static func groundTruthCall(_ question: BFCLQuestion) throws -> ToolCall {
        let expected = try #require(question.expected)
        let required = question.function(named: expected.name)?.parameters["required"]?.arrayValue ?? []
        var arguments = JSONObject()
        for (parameter, allowed) in expected.allowed {
            let alternatives = allowed.arrayValue ?? []
            guard let first = alternatives.first else { continue }
            if first != "" {
                arguments[parameter] = concrete(first)
            } else if required.contains(.string(parameter)), let value = alternatives.first(where: { $0 != "" }) {
                arguments[parameter] = concrete(value)
            }
        }
        return ToolCall(name: expected.name, arguments: .object(arguments))
    }

    @Test(.enabled(if: hasData), arguments: ["simple_python", "multiple"])
    func groundTruthScoresFull(category: String) throws {
        let data = try Self.load(category, answers: true)
        #expect(data.questions.count == (category == "multiple" ? 200 : 400))
        var failures: [String] = []
        var summary = BFCLSummary()
        for question in data.questions {
            let call = try Self.groundTruthCall(question)
            let tool = try #require(question.tools.first { $0.name == call.name })
            let validation = JSONSchemaValidator(root: tool.parameters).validate(call.arguments)
            if validation != .valid { failures.append("\(question.id): schema rejects \(call.arguments.compactText): \(validation)") }
            let result = BFCLScorer.score(question, calls: [call])
            if let reason = result.reason { failures.append("\(question.id): \(reason)") }
            summary.add(result)
        }
        #expect(failures == [])
        #expect(summary.astCorrect == data.questions.count && summary.validCalls == data.questions.count)
    }

    @Test(.enabled(if: hasData)) func irrelevanceLoadsWithoutAnswers() throws {
        let data = try Self.load("irrelevance", answers: false)
        #expect(data.questions.count == 240)
        #expect(data.questions.allSatisfy { $0.category == .irrelevance && $0.expected == nil })
        let summary = BFCLSummary(data.questions.map { BFCLScorer.score($0, calls: []) })
        #expect(summary.astCorrect == 240 && summary.noCall == 240 && summary.validCalls == 0)
    }

    /// The pointer of the first schema node still using a BFCL type name or `optional`, if any.
    static func bfclLeftover(_ schema: JSONValue, path: String) -> String? {
        guard let object = schema.objectValue else { return nil }
        if object["optional"] != nil { return path + "/optional" }
        let types = object["type"].map { $0.arrayValue ?? [$0] } ?? []
        if types.contains(where: { ["dict", "float", "tuple", "any"].contains($0.stringValue ?? "") }) { return path + "/type" }
        for (name, property) in object["properties"]?.objectValue ?? JSONObject() {
            if let found = bfclLeftover(property, path: path + "/properties/" + name) { return found }
        }
        return object["items"].flatMap { bfclLeftover($0, path: path + "/items") }
    }

    @Test(.enabled(if: hasData)) func everyConvertedSchemaCompiles() throws {
        var failures: [String] = []
        var count = 0
        for (category, answers) in [("simple_python", true), ("multiple", true), ("irrelevance", false)] {
            for question in try Self.load(category, answers: answers).questions {
                for tool in question.tools {
                    count += 1
                    if let leftover = Self.bfclLeftover(tool.parameters, path: "#") {
                        failures.append("\(question.id) \(tool.name): BFCL spelling left at \(leftover)")
                    }
                    if tool.parameters["additionalProperties"] != false { failures.append("\(question.id) \(tool.name): open") }
                    do {
                        _ = try JSONSchemaCompiler.compile(tool.parameters)
                    } catch {
                        failures.append("\(question.id) \(tool.name): \(error)")
                    }
                }
            }
        }
        #expect(count == 1197)
        #expect(failures == [])
    }
}
