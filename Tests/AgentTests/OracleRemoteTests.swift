import Agent
import Foundation
import Runtime
import Testing
import TestSupport

/// The scripted server's oracle mode answers every BFCL question with its ground truth; asked
/// over HTTP through `RemoteModel` (which validates every call against its tool's schema) and
/// scored with `BFCLScorer`, the answers must all be AST-correct, and irrelevance questions must
/// get text.
@Suite(.timeLimit(.minutes(5))) struct OracleRemoteTests {
    static let dir = TestPaths.shared.appendingPathComponent("bfcl")
    static let hasData = FileManager.default.fileExists(atPath: dir.appendingPathComponent("BFCL_v4_multiple.json").path)

    static func load(_ name: String, answers: Bool) throws -> BFCLDataset {
        try BFCLDataset.load(
            questions: dir.appendingPathComponent("BFCL_v4_\(name).json"),
            answers: answers ? dir.appendingPathComponent("possible_answer/BFCL_v4_\(name).json") : nil)
    }

    @Test(.enabled(if: hasData)) func oracleAnswersScoreAsCorrect() async throws {
        let questions = try Self.load("simple_python", answers: true).questions + Self.load("multiple", answers: true).questions
            + Self.load("irrelevance", answers: false).questions
        #expect(questions.count == 840)
        try await ScriptedRemote.with([], arguments: ["--oracle", Self.dir.path]) { server in
            var configuration = server.configuration()
            configuration.model = "oracle"
            let model = RemoteModel(client: try RemoteClient(configuration))
            var summary = BFCLSummary()
            var failures: [String] = []
            for question in questions {
                let messages = question.messages.map { JSONValue.object(JSONObject([("role", .string($0.role)), ("content", .string($0.content))])) }
                do {
                    let step = try await model.takeStep(StepRequest(step: 1, messages: messages, tools: question.tools, toolChoice: .auto))
                    let result = BFCLScorer.score(question, calls: step.calls)
                    if let reason = result.reason { failures.append("\(question.id): \(reason)") }
                    if step.promptTokens == 0 || step.generatedTokens == 0 { failures.append("\(question.id): no usage") }
                    summary.add(result)
                } catch {
                    failures.append("\(question.id): \(error)")
                }
            }
            let scored = summary.questions
            #expect(failures == [])
            #expect(scored == 840 && summary.astCorrect == 840, "\(summary.astCorrect) of \(scored) correct")
            #expect(summary.astCorrect * 100 >= scored * 99)
        }
    }
}
