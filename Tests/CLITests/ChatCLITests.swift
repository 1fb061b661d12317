import Foundation
import TestSupport
import Testing

/// `swiftllm chat` driven through stdin: turns, /reset and /exit.
@Suite struct ChatCLITests {
    @Test func multiTurnWithResetAndExit() throws {
        try #require(FileManager.default.fileExists(atPath: TestPaths.smolLM2.path), "run scripts/fetch-models.sh")
        let input = "What is the capital of France?\n/reset\nName a color.\n/exit\nnever read\n"
        let result = try CLI.run(["chat", "-m", TestPaths.smolLM2.path, "--temp", "0", "-n", "12"], stdin: Data(input.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        // One prompt per line read until /exit: two questions, /reset, /exit.
        #expect(result.text.components(separatedBy: "> ").count - 1 == 4, "\(result.text)")
        #expect(!result.text.contains("never read"))
        // The same first question through `run` gives the same answer as the chat's first turn.
        let single = try CLI.run(["run", "-m", TestPaths.smolLM2.path, "--temp", "0", "-n", "12", "What is the capital of France?"])
        let firstAnswer = result.text.components(separatedBy: "> ")[1].trimmingCharacters(in: .newlines)
        #expect(firstAnswer == single.text.trimmingCharacters(in: .newlines))
    }
}
