import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A spawned MCP server process: pipes to its stdin and from its stdout (the MCP transport uses
/// their raw descriptors), the tail of its stderr for error messages, and its exit status.
///
/// Foundation's `Process` reaps the child when it exits, so no zombie is left as long as the child
/// is made to exit; `stop` makes sure it does.
final class MCPChildProcess: @unchecked Sendable {
    // @unchecked: `Process` and `Pipe` are not Sendable; after `init` they are only read
    // (descriptors, pid) or touched under `state`'s lock (closing stdin).
    private let process: Process
    private let stdinPipe = Pipe()
    private let stdoutPipe = Pipe()
    let processIdentifier: Int32
    /// Our write end of the child's stdin.
    var stdinDescriptor: Int32 { stdinPipe.fileHandleForWriting.fileDescriptor }
    /// Our read end of the child's stdout.
    var stdoutDescriptor: Int32 { stdoutPipe.fileHandleForReading.fileDescriptor }

    private struct State {
        var exit: (status: Int32, bySignal: Bool)?
        var stderrTail = Data()
        var stdinOpen = true
        var stdoutOpen = true
    }
    private let state = Locked(State())
    private static let stderrTailLimit = 4096

    /// Writing to a pipe whose reader died raises SIGPIPE, which kills the whole host process
    /// (Linux has no per-descriptor opt-out for pipes). Ignored, the write fails with EPIPE and the
    /// dead server becomes a `ToolError`.
    private static let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// Starts the program; `onExit` runs once, on a Foundation thread, when it has exited.
    init(
        executable: String, arguments: [String], environment: [String: String], workingDirectory: String?,
        onExit: @escaping @Sendable () -> Void
    ) throws {
        Self.ignoreBrokenPipes
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        let stderrPipe = Pipe()
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        let state = self.state
        process.terminationHandler = { process in
            state.withLock { $0.exit = (process.terminationStatus, process.terminationReason == .uncaughtSignal) }
            onExit()
        }
        try process.run()
        processIdentifier = process.processIdentifier
        // A server that logs a lot would block on a full stderr pipe if nobody read it; a thread of
        // its own (not the cooperative pool) does the blocking reads until the child closes it.
        let stderrHandle = stderrPipe.fileHandleForReading
        let reader = Thread {
            while true {
                let chunk = stderrHandle.availableData
                if chunk.isEmpty { break }
                state.withLock {
                    $0.stderrTail.append(chunk)
                    if $0.stderrTail.count > Self.stderrTailLimit {
                        $0.stderrTail = Data($0.stderrTail.suffix(Self.stderrTailLimit))
                    }
                }
            }
            try? stderrHandle.close()
        }
        reader.start()
    }

    var hasExited: Bool { state.withLock { $0.exit != nil } }

    /// "exited with status 3" / "was killed by signal 9"; nil while it runs.
    var exitDescription: String? {
        state.withLock { state in
            state.exit.map { $0.bySignal ? "was killed by signal \($0.status)" : "exited with status \($0.status)" }
        }
    }

    /// The last lines the server wrote to stderr, trimmed, or "" when it wrote none.
    var stderrTail: String {
        let data = state.withLock { $0.stderrTail }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Closing stdin is how the MCP stdio transport asks a server to exit.
    func closeStdin() {
        let wasOpen = state.withLock { state in
            defer { state.stdinOpen = false }
            return state.stdinOpen
        }
        if wasOpen { try? stdinPipe.fileHandleForWriting.close() }
    }

    /// Only once the transport has stopped reading: a closed descriptor number can be reused.
    func closeStdout() {
        let wasOpen = state.withLock { state in
            defer { state.stdoutOpen = false }
            return state.stdoutOpen
        }
        if wasOpen { try? stdoutPipe.fileHandleForReading.close() }
    }

    /// Signals the child unless it has already exited (and so may have been reaped, its pid free).
    func send(signal number: Int32) {
        state.withLock { state in
            if state.exit == nil { _ = kill(processIdentifier, number) }
        }
    }

    /// Waits until the child has exited or `timeout` has passed; true if it exited.
    func waitForExit(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !hasExited {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// Closes stdin, waits `grace` for the server to exit by itself, then sends SIGTERM and, a
    /// second later, SIGKILL. Returns once the child has exited (SIGKILL cannot be refused).
    func stop(grace: Duration) async {
        closeStdin()
        if await waitForExit(timeout: grace) { return }
        send(signal: SIGTERM)
        if await waitForExit(timeout: .seconds(1)) { return }
        send(signal: SIGKILL)
        _ = await waitForExit(timeout: .seconds(5))
    }

    /// For deinit paths that cannot wait: no grace, the child is killed now.
    func killNow() {
        closeStdin()
        send(signal: SIGKILL)
    }
}

/// A mutex in a class, so closures (the termination handler, the stderr reader) can share it.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<Result: Sendable>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { body(&$0) }
    }
}
