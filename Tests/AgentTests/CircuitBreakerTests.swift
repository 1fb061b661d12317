import Agent
import Foundation
import Runtime
import Testing

/// A clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var time = Duration.zero

    var now: Duration { lock.withLock { time } }
    func advance(_ by: Duration) { lock.withLock { time += by } }
}

/// The breaker's states on a hand-moved clock, then the client refusing calls while it is open.
@Suite(.timeLimit(.minutes(1))) struct CircuitBreakerTests {
    @Test func opensAfterThresholdAndClosesAfterASuccessfulTrial() {
        let clock = ManualClock()
        let breaker = CircuitBreaker(threshold: 3, cooldown: .seconds(10), now: { clock.now })
        breaker.recordFailure()
        breaker.recordFailure()
        breaker.recordSuccess()   // a success resets the count
        #expect(breaker.state == .closed(failures: 0))
        for _ in 0..<3 {
            #expect(breaker.admit())
            breaker.recordFailure()
        }
        #expect(breaker.state == .open(until: .seconds(10)))
        #expect(!breaker.admit() && breaker.remainingCooldown == .seconds(10))
        clock.advance(.milliseconds(9_999))
        #expect(!breaker.admit())
        clock.advance(.milliseconds(1))
        #expect(breaker.admit())   // the trial call
        #expect(breaker.state == .halfOpen(trialRunning: true))
        #expect(!breaker.admit())   // only one trial at a time
        breaker.recordFailure()
        #expect(breaker.state == .open(until: .seconds(20)))
        clock.advance(.seconds(10))
        #expect(breaker.admit())
        breaker.recordAbandoned()   // the trial's caller went away: another may try
        #expect(breaker.state == .halfOpen(trialRunning: false))
        #expect(breaker.admit())
        breaker.recordSuccess()
        #expect(breaker.state == .closed(failures: 0) && breaker.admit())
    }

    @Test func lateSuccessDoesNotCloseAnOpenCircuit() {
        let clock = ManualClock()
        let breaker = CircuitBreaker(threshold: 1, cooldown: .seconds(5), now: { clock.now })
        breaker.recordFailure()
        breaker.recordSuccess()
        #expect(breaker.state == .open(until: .seconds(5)))
    }

    @Test func clientRefusesCallsWhileOpenAndRecoversAfterCooldown() async throws {
        try await ScriptedRemote.with(["500", "500", "ok"]) { server in
            var configuration = server.configuration()
            configuration.maxRetries = 0
            configuration.breakerThreshold = 2
            configuration.breakerCooldown = .seconds(5)   // long enough that a loaded machine still sees it open
            let client = try RemoteClient(configuration)
            for _ in 0..<2 { _ = await RemoteTesting.expectError(.httpStatus(500)) { try await RemoteTesting.complete(client) } }
            let (refused, elapsed) = await MCPTesting.timed {
                await RemoteTesting.expectError(.circuitOpen) { try await RemoteTesting.complete(client) }
            }
            #expect(refused?.attempts == 0 && elapsed < .seconds(4))
            #expect(refused?.message.contains("2 calls in a row failed") == true, "\(String(describing: refused))")
            #expect(server.requests().count == 2)   // no HTTP while open
            try await Task.sleep(for: .milliseconds(5100))
            let answer = try await RemoteTesting.complete(client)
            #expect(answer.calls.count == 1)
            #expect(client.breaker.state == .closed(failures: 0))
            #expect(server.requests().count == 3)
        }
    }
}
