import Foundation

/// Stops calling a remote that keeps failing. Closed, it lets every call through and counts
/// consecutive failed calls; at `threshold` it opens and refuses calls for `cooldown`; then it is
/// half-open and lets one trial call through (others are still refused): success closes it,
/// failure opens it for another cooldown.
///
/// The clock is a function returning the time since any fixed origin, so tests can move it.
///
/// ```swift
/// let breaker = CircuitBreaker(threshold: 5, cooldown: .seconds(30))
/// guard breaker.admit() else { throw RemoteError(.circuitOpen, "…") }
/// do { try await call(); breaker.recordSuccess() } catch { breaker.recordFailure(); throw error }
/// ```
public final class CircuitBreaker: @unchecked Sendable {
    public enum State: Sendable, Equatable {
        /// Calls go through; `failures` consecutive calls have failed.
        case closed(failures: Int)
        /// Calls are refused until the clock reads `until`.
        case open(until: Duration)
        /// The cooldown is over; `trialRunning` while the one trial call is out.
        case halfOpen(trialRunning: Bool)
    }

    public let threshold: Int
    public let cooldown: Duration
    private let now: @Sendable () -> Duration
    // `current` is guarded by `lock`.
    private let lock = NSLock()
    private var current = State.closed(failures: 0)

    /// The default clock: a monotonic clock, read as the time since the first breaker was made.
    public static let monotonic: @Sendable () -> Duration = {
        let origin = ContinuousClock.now
        return { ContinuousClock.now - origin }
    }()

    public init(threshold: Int, cooldown: Duration, now: @escaping @Sendable () -> Duration = CircuitBreaker.monotonic) {
        self.threshold = max(1, threshold)
        self.cooldown = cooldown
        self.now = now
    }

    public var state: State { locked { current } }

    /// Whether a call may go out now. When the cooldown of an open circuit is over, the first
    /// caller becomes the trial call and the circuit is half-open until it reports back.
    public func admit() -> Bool {
        locked {
            switch current {
            case .closed:
                return true
            case .open(let until):
                guard now() >= until else { return false }
                current = .halfOpen(trialRunning: true)
                return true
            case .halfOpen(let trialRunning):
                if trialRunning { return false }
                current = .halfOpen(trialRunning: true)
                return true
            }
        }
    }

    /// How long an open circuit still refuses calls (zero when it does not).
    public var remainingCooldown: Duration {
        locked {
            guard case .open(let until) = current else { return .zero }
            return max(.zero, until - now())
        }
    }

    /// A call went through and succeeded: the circuit closes. A late success from a call admitted
    /// before the circuit opened does not close an open circuit.
    public func recordSuccess() {
        locked {
            if case .open = current { return }
            current = .closed(failures: 0)
        }
    }

    /// A call went through and failed: one more consecutive failure, or back to open from a trial.
    public func recordFailure() {
        locked {
            switch current {
            case .closed(let failures):
                current = failures + 1 >= threshold ? .open(until: now() + cooldown) : .closed(failures: failures + 1)
            case .halfOpen:
                current = .open(until: now() + cooldown)
            case .open:
                break
            }
        }
    }

    /// A call ended without a verdict (its caller cancelled it): a trial slot is freed for the
    /// next caller.
    public func recordAbandoned() {
        locked {
            if case .halfOpen(trialRunning: true) = current { current = .halfOpen(trialRunning: false) }
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}
