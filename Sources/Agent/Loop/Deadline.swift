import Foundation

struct DeadlineExceeded: Error {}

/// Deadline timers fire on this queue's own thread, outside Swift's cooperative pool.
private let deadlineTimers = DispatchQueue(label: "swiftllm.agent.deadlines")

/// Runs `body` with a time limit. The call returns at the deadline even when `body` ignores
/// cancellation (a tool stuck in a blocking call): `body` runs in its own task, which is cancelled
/// and left to finish on its own, so a hung tool can never hang the agent.
func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let race = DeadlineRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            race.start(continuation, limit: limit, body)
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The first of `body` and the timer to finish resumes the caller; the other is cancelled.
private final class DeadlineRace<T: Sendable>: @unchecked Sendable {
    // All state is guarded by `lock`.
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, any Error>?
    private var early: Result<T, any Error>?
    private var tasks: [Task<Void, Never>] = []
    private var timer: DispatchWorkItem?

    func start(_ continuation: CheckedContinuation<T, any Error>, limit: Duration,
               _ body: @escaping @Sendable () async throws -> T) {
        lock.lock()
        if let early {   // cancelled before it started
            lock.unlock()
            continuation.resume(with: early)
            return
        }
        self.continuation = continuation
        lock.unlock()
        // The timer runs on its own dispatch queue, not in Swift's cooperative pool: a tool that
        // blocks its thread can occupy that pool (two threads on a 2-core machine) and would delay
        // a timer task until it returned.
        let timer = DispatchWorkItem { self.finish(.failure(DeadlineExceeded())) }
        deadlineTimers.asyncAfter(deadline: .now() + limit.seconds, execute: timer)
        let work = Task {
            do { self.finish(.success(try await body())) } catch { self.finish(.failure(error)) }
        }
        lock.lock()
        let done = self.continuation == nil
        tasks = [work]
        self.timer = timer
        lock.unlock()
        if done { timer.cancel(); work.cancel() }
    }


    func finish(_ result: Result<T, any Error>) {
        lock.lock()
        let waiting = continuation
        continuation = nil
        if waiting == nil && early == nil { early = result }
        let running = tasks
        let pendingTimer = timer
        lock.unlock()
        guard let waiting else { return }
        for task in running { task.cancel() }
        pendingTimer?.cancel()
        waiting.resume(with: result)
    }
}
