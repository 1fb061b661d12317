import Foundation
import Runtime
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

/// Ctrl-C in `swiftllm chat`, pressed in a pseudo-terminal (`scripts/testing/chat_ctrl_c.py`):
/// during an answer it stops that answer and the chat goes on; at the prompt it quits.
@Suite struct ChatInterruptTests {
    @Test func ctrlCStopsTheAnswerNotTheProgram() throws {
        try #require(FileManager.default.fileExists(atPath: TestPaths.smolLM2.path), "run scripts/fetch-models.sh")
        let driven = try Python.runTestingScript("chat_ctrl_c.py", [CLI.executable.path, TestPaths.smolLM2.path])
        #expect(driven.status == 0, "\(driven.stderr)")
        let report = try JSONValue(parsing: String(decoding: driven.stdout, as: UTF8.self))
        #expect(report["process_alive_after_interrupt"]?.boolValue == true)
        #expect((report["prompt_after_interrupt_s"]?.doubleValue ?? .infinity) < 2)
        #expect(report["exit_status"]?.intValue == 0)
        #expect(report["ctrl_c_at_prompt_status"]?.intValue == 130)
        // The interrupted answer is a strict prefix of the whole answer (the same first turn through `run`).
        let interrupted = (report["interrupted_answer"]?.stringValue ?? "")
            .replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "^C", with: "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let whole = try CLI.run(["run", "-m", TestPaths.smolLM2.path, "--temp", "0", "-n", "300",
                                 "Write a long essay about the history of the Roman Empire."]).text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(interrupted.count >= 20, "\(interrupted)")
        #expect(whole.hasPrefix(interrupted) && whole.count > interrupted.count + 100, "interrupted: \(interrupted)")
        // The next turn is answered and the prompt comes back.
        let second = report["second_turn"]?.stringValue ?? ""
        #expect(second.hasSuffix("> ") && second.count > "Say hello.\r\n> ".count + 5, "\(second)")
    }
}
