import Foundation
import Runtime

/// The Berkeley Function Calling Leaderboard categories we score with the AST checker.
public enum BFCLCategory: String, Sendable, CaseIterable {
    /// One function offered, one call expected (`simple_python_N`).
    case simple = "simple_python"
    /// Several functions offered, one call to the right one expected (`multiple_N`).
    case multiple
    /// Functions offered that do not fit the question: the right answer is no call (`irrelevance_N`).
    case irrelevance

    /// The category named by a question id: the id less its trailing `_<number>`.
    public init?(id: String) {
        guard let underscore = id.lastIndex(of: "_"), id[id.index(after: underscore)...].allSatisfy(\.isNumber),
              let category = BFCLCategory(rawValue: String(id[..<underscore]))
        else { return nil }
        self = category
    }

    /// Whether questions of this category come with ground truth (a `possible_answer` line).
    public var needsGroundTruth: Bool { self != .irrelevance }
}

/// One message of a question's conversation.
public struct BFCLMessage: Sendable, Equatable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// A function as BFCL declares it: `parameters` is BFCL's Python-flavoured schema (`"dict"`,
/// `"float"`, `"tuple"`, `"any"`); `tool` gives the JSON Schema form.
public struct BFCLFunction: Sendable, Equatable {
    public var name: String
    public var description: String
    public var parameters: JSONValue

    public init(name: String, description: String, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

/// The expected call: a function name and, per parameter, the list of allowed values. An allowed
/// value `""` means the parameter may be omitted; an allowed object maps each of its keys to a list
/// of allowed values in turn; an allowed array is compared element by element.
public struct BFCLExpectedCall: Sendable, Equatable {
    public var name: String
    public var allowed: JSONObject

    public init(name: String, allowed: JSONObject) {
        self.name = name
        self.allowed = allowed
    }
}

/// A question with its offered functions and, where the category has one, its ground truth.
public struct BFCLQuestion: Sendable, Equatable {
    public var id: String
    public var category: BFCLCategory
    /// The conversation, turn by turn (one turn in the single-turn categories).
    public var turns: [[BFCLMessage]]
    public var functions: [BFCLFunction]
    /// Nil for irrelevance, where any call is wrong.
    public var expected: BFCLExpectedCall?

    public init(id: String, category: BFCLCategory, turns: [[BFCLMessage]], functions: [BFCLFunction],
                expected: BFCLExpectedCall?) {
        self.id = id
        self.category = category
        self.turns = turns
        self.functions = functions
        self.expected = expected
    }

    /// All messages of all turns, in order.
    public var messages: [BFCLMessage] { turns.flatMap { $0 } }

    /// The offered functions as tools with JSON Schema parameters (see `BFCLSchema.convert`).
    public var tools: [ToolDefinition] { functions.map(\.tool) }

    public func function(named name: String) -> BFCLFunction? { functions.first { $0.name == name } }
}

/// Bad BFCL input: which file, which line (1-based) when known, and what is wrong.
public struct BFCLDataError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}

/// A BFCL question file joined with its `possible_answer` file.
///
/// ```swift
/// let dir = URL(fileURLWithPath: "shared/bfcl")
/// let data = try BFCLDataset.load(questions: dir.appendingPathComponent("BFCL_v4_multiple.json"),
///                                 answers: dir.appendingPathComponent("possible_answer/BFCL_v4_multiple.json"))
/// for question in data.questions { print(question.id, question.tools.map(\.name)) }
/// ```
public struct BFCLDataset: Sendable {
    public var questions: [BFCLQuestion]

    public init(questions: [BFCLQuestion]) { self.questions = questions }

    /// Reads and joins the files. `answers` may be nil only when no question needs ground truth
    /// (irrelevance).
    public static func load(questions: URL, answers: URL?) throws(BFCLDataError) -> BFCLDataset {
        let questionText = try read(questions)
        var answerText: String?
        if let answers { answerText = try read(answers) }
        return try parse(questions: questionText, questionsFile: questions.lastPathComponent,
                         answers: answerText, answersFile: answers?.lastPathComponent ?? "possible_answer")
    }

    /// Parses the JSON Lines texts of a question file and (optionally) its answer file; the file
    /// names only label errors.
    public static func parse(questions: String, questionsFile: String, answers: String?,
                             answersFile: String = "possible_answer") throws(BFCLDataError) -> BFCLDataset {
        var expected: [String: (call: BFCLExpectedCall, line: Int)] = [:]
        if let answers {
            for (line, value) in try jsonLines(answers, file: answersFile) {
                let (id, call) = try parseAnswer(value, file: answersFile, line: line)
                guard expected[id] == nil else {
                    throw BFCLDataError(file: answersFile, line: line, message: "id '\(id)' appears twice")
                }
                expected[id] = (call, line)
            }
        }
        var parsed: [BFCLQuestion] = []
        var seen: Set<String> = []
        for (line, value) in try jsonLines(questions, file: questionsFile) {
            var question = try parseQuestion(value, file: questionsFile, line: line)
            guard seen.insert(question.id).inserted else {
                throw BFCLDataError(file: questionsFile, line: line, message: "id '\(question.id)' appears twice")
            }
            if let answer = expected.removeValue(forKey: question.id) {
                guard question.function(named: answer.call.name) != nil else {
                    throw BFCLDataError(file: answersFile, line: answer.line,
                                        message: "'\(question.id)' expects '\(answer.call.name)', which the question does not offer")
                }
                question.expected = answer.call
            } else if question.category.needsGroundTruth {
                throw BFCLDataError(file: answers == nil ? questionsFile : answersFile, line: answers == nil ? line : nil,
                                    message: "no ground truth for '\(question.id)'")
            }
            parsed.append(question)
        }
        if let orphan = expected.min(by: { $0.value.line < $1.value.line }) {
            throw BFCLDataError(file: answersFile, line: orphan.value.line,
                                message: "ground truth for '\(orphan.key)', which is not a question in \(questionsFile)")
        }
        return BFCLDataset(questions: parsed)
    }

    private static func read(_ url: URL) throws(BFCLDataError) -> String {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw BFCLDataError(file: url.path, line: nil, message: "cannot read the file")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The non-blank lines of a JSON Lines text, parsed, with their 1-based line numbers.
    private static func jsonLines(_ text: String, file: String) throws(BFCLDataError) -> [(Int, JSONValue)] {
        var values: [(Int, JSONValue)] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.allSatisfy(\.isWhitespace) {
            do {
                values.append((index + 1, try JSONValue(parsing: String(line))))
            } catch {
                throw BFCLDataError(file: file, line: index + 1, message: "\(error)")
            }
        }
        return values
    }

    private static func parseQuestion(_ value: JSONValue, file: String, line: Int) throws(BFCLDataError) -> BFCLQuestion {
        func fail(_ message: String) -> BFCLDataError { BFCLDataError(file: file, line: line, message: message) }
        guard let id = value["id"]?.stringValue else { throw fail("no string 'id'") }
        guard let category = BFCLCategory(id: id) else {
            throw fail("'\(id)' is not in a supported category (\(BFCLCategory.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let turnValues = value["question"]?.arrayValue else { throw fail("'\(id)': no 'question' array") }
        var turns: [[BFCLMessage]] = []
        for turn in turnValues {
            guard let messages = turn.arrayValue else { throw fail("'\(id)': a question turn is not an array of messages") }
            var parsedTurn: [BFCLMessage] = []
            for message in messages {
                guard let role = message["role"]?.stringValue, let content = message["content"]?.stringValue else {
                    throw fail("'\(id)': a message lacks a string 'role' or 'content'")
                }
                parsedTurn.append(BFCLMessage(role: role, content: content))
            }
            turns.append(parsedTurn)
        }
        guard let functionValues = value["function"]?.arrayValue, !functionValues.isEmpty else {
            throw fail("'\(id)': no 'function' array")
        }
        var functions: [BFCLFunction] = []
        for function in functionValues {
            guard let name = function["name"]?.stringValue, !name.isEmpty else {
                throw fail("'\(id)': a function has no name")
            }
            guard let parameters = function["parameters"], parameters.objectValue != nil else {
                throw fail("'\(id)': parameters of '\(name)' are not an object")
            }
            guard !functions.contains(where: { $0.name == name }) else { throw fail("'\(id)': two functions are named '\(name)'") }
            functions.append(BFCLFunction(name: name, description: function["description"]?.stringValue ?? "",
                                          parameters: parameters))
        }
        return BFCLQuestion(id: id, category: category, turns: turns, functions: functions, expected: nil)
    }

    private static func parseAnswer(_ value: JSONValue, file: String, line: Int) throws(BFCLDataError) -> (String, BFCLExpectedCall) {
        func fail(_ message: String) -> BFCLDataError { BFCLDataError(file: file, line: line, message: message) }
        guard let id = value["id"]?.stringValue else { throw fail("no string 'id'") }
        guard let truth = value["ground_truth"]?.arrayValue else { throw fail("'\(id)': no 'ground_truth' array") }
        // The simple and multiple categories expect exactly one call; parallel ones (several) are
        // not scored here.
        guard truth.count == 1, let call = truth[0].objectValue, call.count == 1, let member = call.members.first,
              let allowed = member.value.objectValue
        else { throw fail("'\(id)': ground truth is not one {function: {parameter: [allowed values]}} object") }
        for (parameter, values) in allowed where values.arrayValue == nil {
            throw fail("'\(id)': allowed values of '\(parameter)' are not an array")
        }
        return (id, BFCLExpectedCall(name: member.key, allowed: allowed))
    }
}
