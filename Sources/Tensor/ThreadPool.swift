import Foundation
import Synchronization

/// A persistent pool of worker threads for data-parallel kernels.
///
/// Workers are created once and wait for work by spinning briefly and then parking on a
/// semaphore, so a dispatch that follows closely on the previous one costs a few microseconds
/// (no thread creation, no queue). The calling thread takes part as worker 0.
///
/// ```swift
/// let pool = ThreadPool(threads: 2)
/// pool.run { worker, workers in
///     let rows = ThreadPool.split(total, worker: worker, of: workers)
///     for r in rows { ... }
/// }
/// ```
///
/// Calls of `run` from several threads at once are safe: one gets the workers, the others run
/// single-threaded. Give each concurrent inference session its own pool for parallel speed.
public final class ThreadPool: Sendable {
    /// Number of threads that execute a `run` body, the caller included.
    public let threadCount: Int
    private let state: PoolState
    /// Set while a `run` is dispatched to the workers.
    private let busy = Atomic<Bool>(false)

    /// A shared pool sized to the machine's physical cores.
    public static let shared = ThreadPool(threads: ThreadPool.physicalCores)

    /// Creates a pool of `threads` (at least 1) workers, the calling thread counted as one.
    public init(threads: Int) {
        threadCount = max(1, threads)
        state = PoolState(workers: threadCount)
        for index in 1..<max(threadCount, 1) {
            let state = self.state
            let thread = Thread { state.workerLoop(index: index) }
            thread.name = "swiftllm-pool-\(index)"
            thread.start()
        }
    }

    deinit { state.stop() }

    /// Runs `body(worker, threadCount)` once on every worker (worker 0 on the calling thread) and
    /// returns when all have finished. The body must only touch disjoint data per worker.
    ///
    /// If another thread is already running work on this pool, the body runs on the calling
    /// thread alone as `body(0, 1)`: concurrent callers are correct, only not parallel.
    public func run(_ body: (_ worker: Int, _ workers: Int) -> Void) {
        guard threadCount > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            body(0, 1)
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { escapable in
            state.dispatch(Job(body: escapable))
            body(0, threadCount)
            state.waitForWorkers()
        }
    }

    /// Calls `body` on consecutive pieces of `0..<total`, `chunk` long (the last one shorter),
    /// each handed to whichever thread asks first, and returns when every piece is done.
    ///
    /// Unlike `run`, no thread has a fixed share: a worker that the OS deschedules holds up only
    /// the piece it is on, and a worker that wakes after every piece was taken skips the call.
    /// Use it where each piece's result does not depend on which thread computes it (rows of a
    /// matrix product). Concurrent callers fall back to the calling thread, as with `run`.
    public func forEachChunk(_ total: Int, chunk: Int, _ body: (Range<Int>) -> Void) {
        let chunk = max(1, chunk)
        let pieces = (total + chunk - 1) / chunk
        func range(_ piece: Int) -> Range<Int> { piece * chunk..<min(total, (piece + 1) * chunk) }
        guard pieces > 1, threadCount > 1,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for piece in 0..<pieces { body(range(piece)) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        let state = self.state
        state.next.store(0, ordering: .relaxed)
        withoutActuallyEscaping(body) { body in
            let drain: (Int, Int) -> Void = { _, _ in
                while true {
                    let piece = state.next.add(1, ordering: .relaxed).oldValue
                    guard piece < pieces else { return }
                    body(range(piece))
                }
            }
            state.dispatch(Job(body: drain), shared: true)
            drain(0, threadCount)
            state.waitForJoined()
        }
    }

    /// The part of `0..<total` that `worker` of `workers` should handle: contiguous, balanced,
    /// with boundaries on multiples of `granularity`.
    public static func split(_ total: Int, worker: Int, of workers: Int, granularity: Int = 1) -> Range<Int> {
        let units = (total + granularity - 1) / granularity
        let start = units * worker / workers * granularity
        let end = units * (worker + 1) / workers * granularity
        return min(start, total)..<min(end, total)
    }

    /// Physical cores of this machine (distinct `physical id`/`core id` pairs in /proc/cpuinfo),
    /// falling back to the active processor count.
    public static let physicalCores: Int = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else {
            return ProcessInfo.processInfo.activeProcessorCount
        }
        var cores = Set<String>()
        var physical = ""
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if parts[0] == "physical id" { physical = parts[1] }
            if parts[0] == "core id" { cores.insert(physical + "/" + parts[1]) }
        }
        return cores.isEmpty ? ProcessInfo.processInfo.activeProcessorCount : cores.count
    }()
}

/// The body of one `run`, valid only while that `run` is in progress.
private struct Job: @unchecked Sendable {
    // Non-Sendable closure handed across threads: `run` blocks until every worker has finished
    // with it, and the generation counter's release/acquire ordering publishes it.
    let body: (Int, Int) -> Void
}

/// Shared state between the pool and its threads (the threads do not retain the pool itself, so
/// dropping the pool stops them).
private final class PoolState: Sendable {
    let workers: Int
    let generation = Atomic<Int>(0)
    let pending = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    let slots: [WorkerSlot]
    let current = Mutex<Job?>(nil)
    /// The next piece of a `forEachChunk`.
    let next = Atomic<Int>(0)
    /// Who may still take part in the current job: `generation << 20 | flags | joined workers`.
    /// A shared job (`forEachChunk`) is open until its caller has taken the last piece; workers
    /// join it only while it is open, and its caller waits only for those that joined.
    let membership = Atomic<Int>(0)
    static let sharedFlag = 1 << 19, closedFlag = 1 << 18, joinedMask = (1 << 18) - 1

    /// Plain polls before a waiting thread starts yielding: about a microsecond.
    static let spinLimit = 1_000
    /// `sched_yield` polls after that, before a worker parks: tens of microseconds, enough to
    /// bridge the gap between the kernels of one decode step. Yielding (rather than spinning)
    /// lets a thread that shares our core — on a busy machine, often the one we wait for — run.
    static let yieldLimit = 200

    init(workers: Int) {
        self.workers = workers
        slots = (0..<workers).map { _ in WorkerSlot() }
    }

    /// Publishes `job` to the workers: every worker runs it once unless it is `shared`, in which
    /// case the workers that arrive before `waitForJoined` closes it run it.
    func dispatch(_ job: Job, shared: Bool = false) {
        current.withLock { $0 = job }
        let upcoming = generation.load(ordering: .relaxed) + 1
        membership.store(upcoming << 20 | (shared ? PoolState.sharedFlag : 0), ordering: .sequentiallyConsistent)
        pending.store(shared ? 0 : workers - 1, ordering: .sequentiallyConsistent)
        generation.add(1, ordering: .sequentiallyConsistent)
        wakeSleepers()
    }

    /// Closes the current shared job to latecomers and waits for the workers that joined it.
    func waitForJoined() {
        var closing = membership.load(ordering: .acquiring)
        while true {
            let (done, now) = membership.compareExchange(
                expected: closing, desired: closing | PoolState.closedFlag, ordering: .acquiringAndReleasing)
            if done { break }
            closing = now
        }
        var spins = 0
        while membership.load(ordering: .acquiring) & PoolState.joinedMask != 0 {
            spins += 1
            if spins > PoolState.spinLimit { sched_yield() }
        }
        current.withLock { $0 = nil }
    }

    /// Joins the shared job of generation `seen` if it is still open.
    private func join(_ seen: Int) -> Bool {
        var now = membership.load(ordering: .acquiring)
        while now >> 20 == seen, now & PoolState.closedFlag == 0 {
            let (done, found) = membership.compareExchange(expected: now, desired: now + 1, ordering: .acquiringAndReleasing)
            if done { return true }
            now = found
        }
        return false
    }

    func waitForWorkers() {
        var spins = 0
        while pending.load(ordering: .acquiring) != 0 {
            spins += 1
            if spins > PoolState.spinLimit { sched_yield() }
        }
        current.withLock { $0 = nil }
    }

    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        generation.add(1, ordering: .sequentiallyConsistent)
        wakeSleepers()
    }

    private func wakeSleepers() {
        for slot in slots.dropFirst()
        where slot.sleeping.exchange(false, ordering: .sequentiallyConsistent) {
            slot.wake.signal()
        }
    }

    func workerLoop(index: Int) {
        let slot = slots[index]
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                guard spins > PoolState.spinLimit else { continue }
                if spins <= PoolState.spinLimit + PoolState.yieldLimit {
                    sched_yield()
                    continue
                }
                // Announce the nap, then re-check, so that a dispatch between the two is not lost:
                // either the dispatcher sees `sleeping` and signals, or we see the new generation.
                slot.sleeping.store(true, ordering: .sequentiallyConsistent)
                if generation.load(ordering: .sequentiallyConsistent) == seen
                    || !slot.sleeping.exchange(false, ordering: .sequentiallyConsistent) {
                    slot.wake.wait()
                }
                spins = 0
            }
            seen = generation.load(ordering: .acquiring)
            if stopping.load(ordering: .acquiring) { return }
            // A job of another generation than `seen` can only be a shared one that has already
            // moved on: every worker finishes an unshared job before its caller can dispatch again.
            let kind = membership.load(ordering: .acquiring)
            if kind >> 20 != seen || kind & PoolState.sharedFlag != 0 {
                if join(seen) {
                    execute(index)
                    membership.subtract(1, ordering: .releasing)
                }
                continue
            }
            execute(index)
            pending.subtract(1, ordering: .releasing)
        }
    }

    @inline(never)
    private func execute(_ index: Int) {
        if let job = current.withLock({ $0 }) { job.body(index, workers) }
    }
}

private final class WorkerSlot: Sendable {
    let sleeping = Atomic<Bool>(false)
    let wake = DispatchSemaphore(value: 0)
}
