import Foundation
import Synchronization
import Testing
@testable import Tensor

@Suite struct ThreadPoolTests {
    @Test(arguments: [1, 2, 3])
    func everyWorkerRunsOncePerDispatch(threads: Int) {
        let pool = ThreadPool(threads: threads)
        let calls = Atomic<Int>(0)
        for round in 0..<5_000 {
            var seen = [Int](repeating: 0, count: threads)
            seen.withUnsafeMutableBufferPointer { slots in
                pool.run { worker, workers in
                    #expect(workers == threads)
                    slots[worker] += 1
                    calls.add(1, ordering: .relaxed)
                }
            }
            if seen != [Int](repeating: 1, count: threads) {
                Issue.record("round \(round): worker call counts \(seen)")
                return
            }
            // Now and then let the workers park, so the wake-up path is exercised too.
            if round % 1000 == 999 { usleep(20_000) }
        }
        #expect(calls.load(ordering: .relaxed) == 5_000 * threads)
    }

    @Test func splitCoversTheRangeExactly() {
        for total in [0, 1, 7, 64, 4097] {
            for workers in 1...4 {
                let parts = (0..<workers).map { ThreadPool.split(total, worker: $0, of: workers, granularity: 4) }
                #expect(parts.flatMap { Array($0) } == Array(0..<total), "total \(total), \(workers) workers")
                for part in parts.dropLast() where !part.isEmpty { #expect(part.upperBound % 4 == 0) }
            }
        }
    }

    @Test func physicalCoresIsPositive() {
        #expect(ThreadPool.physicalCores >= 1)
        #expect(ThreadPool.physicalCores <= ProcessInfo.processInfo.activeProcessorCount)
    }
}
