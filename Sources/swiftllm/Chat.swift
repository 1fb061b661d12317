import ArgumentParser
import Dispatch
import Foundation
import Runtime

struct Chat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chat with a model in the terminal.",
        discussion: """
            Each turn is rendered with the model's chat template; the KV cache is kept between turns, \
            so only the new part of the conversation is evaluated. Commands: /exit (or end of input) \
            quits, /reset starts a new conversation. Ctrl-C stops the current answer; at the prompt it quits.
            """)

    @OptionGroup var options: SamplingOptions

    @Option(help: "A system message that starts the conversation.")
    var system: String?

    func run() async throws {
        let loaded = try LoadedModel(path: options.model, threads: options.threads)
        try options.checkLogitBias(vocabularySize: loaded.model.config.vocabularySize)
        let session = loaded.makeSession(contextLength: options.ctx, batchSize: options.batch)
        let interrupt = InterruptFlag()
        var messages: [JSONValue] = []
        func resetConversation() {
            messages = system.map { [.object(JSONObject([("role", "system"), ("content", .string($0))]))] } ?? []
        }
        resetConversation()
        FileHandle.standardError.write(Data("swiftllm chat — \(loaded.path)\n/exit to quit, /reset to start over\n".utf8))
        while true {
            FileHandle.standardOutput.write(Data("> ".utf8))
            guard let line = readLine(strippingNewline: true) else { break }
            let input = line.trimmingCharacters(in: .whitespaces)
            if input == "/exit" { break }
            if input == "/reset" {
                resetConversation()
                await session.reset()
                continue
            }
            if input.isEmpty { continue }
            messages.append(.object(JSONObject([("role", "user"), ("content", .string(line))])))
            let tokens = try loaded.chatTokens(messages)
            var answer = ""
            interrupt.arm()
            let stream = session.generate(prompt: tokens, options: options.generationOptions)
            do {
                for try await event in stream {
                    if interrupt.isRaised { break }
                    if case .text(let piece) = event {
                        answer += piece
                        FileHandle.standardOutput.write(Data(piece.utf8))
                    }
                }
            } catch {
                FileHandle.standardError.write(Data("\nerror: \(error)\n".utf8))
            }
            interrupt.disarm()
            FileHandle.standardOutput.write(Data("\n".utf8))
            messages.append(.object(JSONObject([("role", "assistant"), ("content", .string(answer))])))
        }
    }
}

/// Ctrl-C handling for chat: while armed, SIGINT only raises a flag (the answer stops); while
/// disarmed, it ends the program as usual.
final class InterruptFlag: @unchecked Sendable {
    // `raised` is guarded by `lock`; the signal source runs on its own queue.
    private let lock = NSLock()
    private var raised = false
    private var armed = false
    private let source: DispatchSourceSignal

    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: DispatchQueue(label: "swiftllm.sigint"))
        source.setEventHandler { [weak self] in
            guard let self else { return }
            self.lock.lock()
            let isArmed = self.armed
            self.raised = true
            self.lock.unlock()
            // `_exit`, not `exit`: the main thread may be blocked in readLine holding stdin's lock,
            // which exit's stdio flush would wait for forever. Output is written unbuffered.
            if !isArmed {
                FileHandle.standardOutput.write(Data("\n".utf8))
                _exit(130)
            }
        }
        source.resume()
    }

    var isRaised: Bool {
        lock.lock()
        defer { lock.unlock() }
        return raised
    }

    func arm() {
        lock.lock()
        armed = true
        raised = false
        lock.unlock()
    }

    func disarm() {
        lock.lock()
        armed = false
        lock.unlock()
    }
}
