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

    @Test func nestedRunExecutesSerially() {
        let pool = ThreadPool(threads: 2)
        var inner = [Int](repeating: 0, count: 2)
        inner.withUnsafeMutableBufferPointer { counts in
            pool.run { worker, _ in
                guard worker == 0 else { return }
                pool.run { innerWorker, innerWorkers in
                    #expect(innerWorkers == 1)
                    counts[innerWorker] += 1
                }
            }
        }
        #expect(inner == [1, 0])
    }

    /// Shared jobs (`forEachChunk`) interleaved with `run`: every index once, every `run` on every
    /// worker once, whether workers join a shared job, arrive late to it or are parked.
    @Test(arguments: [1, 2, 3])
    func forEachChunkCoversEveryIndexOnce(threads: Int) {
        let pool = ThreadPool(threads: threads)
        let totals = [0, 1, 5, 64, 1000], chunks = [1, 7, 64]
        for round in 0..<3_000 {
            let total = totals[round % totals.count], chunk = chunks[(round / totals.count) % chunks.count]
            var counts = [Int](repeating: 0, count: total)
            counts.withUnsafeMutableBufferPointer { slots in
                pool.forEachChunk(total, chunk: chunk) { piece in
                    #expect(piece.count <= chunk)
                    for i in piece { slots[i] += 1 }
                }
            }
            if counts.contains(where: { $0 != 1 }) {
                Issue.record("round \(round): \(total) indices in pieces of \(chunk): counts \(counts)")
                return
            }
            var seen = [Int](repeating: 0, count: threads)
            seen.withUnsafeMutableBufferPointer { slots in
                pool.run { worker, _ in slots[worker] += 1 }
            }
            if seen != [Int](repeating: 1, count: threads) {
                Issue.record("round \(round): run after forEachChunk, worker call counts \(seen)")
                return
            }
            if round % 1000 == 999 { usleep(20_000) }
        }
    }

    /// `forEachChunk` returns only after every piece has finished, however long one takes.
    @Test func forEachChunkWaitsForTheSlowestPiece() {
        let pool = ThreadPool(threads: 2)
        for _ in 0..<20 {
            let finished = Atomic<Int>(0)
            pool.forEachChunk(8, chunk: 1) { piece in
                if piece.lowerBound == 3 { usleep(5_000) }
                finished.add(1, ordering: .releasing)
            }
            #expect(finished.load(ordering: .acquiring) == 8)
        }
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
