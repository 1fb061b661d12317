import ArgumentParser
import Foundation
import Runtime
import Synchronization

struct Chat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chat with a model in the terminal.",
        discussion: """
            Each turn is rendered with the model's chat template; the KV cache is kept between turns, \
            so only the new part of the conversation is evaluated. Commands: /exit (or end of input) \
            quits, /reset starts a new conversation. Ctrl-C stops the current answer; at the prompt it quits.
            """)

    @OptionGroup var options: SamplingOptions

    @OptionGroup var compute: BackendOptions

    @OptionGroup var speculation: SpeculationFlags

    @Option(help: "A system message that starts the conversation.")
    var system: String?

    func run() async throws {
        let loaded = try LoadedModel(path: options.model, threads: options.threads, backend: compute.computeBackend)
        try options.checkLogitBias(vocabularySize: loaded.model.config.vocabularySize)
        let session = loaded.makeSession(contextLength: options.ctx, batchSize: options.batch)
        var generation = options.generationOptions
        generation.speculation = try speculation.options(for: loaded, contextLength: options.ctx)
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
            let stream = session.generate(prompt: tokens, options: generation)
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

/// Ctrl-C state shared with the signal handler: 0 disarmed (Ctrl-C quits), 1 armed (an answer is
/// running), 2 armed and raised (the answer stops). Atomic, so the handler stays async-signal-safe.
private let interruptState = Atomic<Int>(0)

/// Ctrl-C handling for chat: while armed, SIGINT only raises a flag (the answer stops); while
/// disarmed, it ends the program as usual. A plain signal handler, not a dispatch signal source:
/// libdispatch on Linux delivers through a signalfd, and a SIGINT that lands on a thread outside
/// its mask could be lost, leaving Ctrl-C at the prompt doing nothing.
struct InterruptFlag: Sendable {
    init() {
        interruptState.store(0, ordering: .sequentiallyConsistent)
        // glibc's `signal` installs the handler with SA_RESTART, so an interrupted write resumes.
        _ = signal(SIGINT) { _ in
            let (exchanged, _) = interruptState.compareExchange(expected: 1, desired: 2, ordering: .sequentiallyConsistent)
            if exchanged { return }
            if interruptState.load(ordering: .sequentiallyConsistent) == 2 { return }
            // Disarmed: write a newline and leave with the shell's Ctrl-C status. `_exit`, not
            // `exit`: the main thread may be blocked in readLine holding stdin's lock.
            var newline: UInt8 = 10
            _ = write(1, &newline, 1)
            _exit(130)
        }
    }

    var isRaised: Bool { interruptState.load(ordering: .sequentiallyConsistent) == 2 }

    func arm() { interruptState.store(1, ordering: .sequentiallyConsistent) }

    func disarm() { interruptState.store(0, ordering: .sequentiallyConsistent) }
}
