/// Token candidates for one sampling step: ids with logits, optionally sorted by logit (descending)
/// and with probabilities filled in by `softmax()`. Each sampler narrows or reshapes this list.
public struct Candidates: Sendable {
    public var ids: [Int32]
    public var logits: [Float]
    public var probabilities: [Float] = []
    /// Whether `ids`/`logits` are sorted by logit, highest first.
    public private(set) var isSorted = false

    public init(logits: [Float]) {
        self.ids = (0..<Int32(logits.count)).map { $0 }
        self.logits = logits
    }

    public init(ids: [Int32], logits: [Float], sorted: Bool = false) {
        self.ids = ids
        self.logits = logits
        self.isSorted = sorted
    }

    public var count: Int { ids.count }

    /// Sorts by logit, highest first; with `limit`, keeps only the `limit` best (a partial selection,
    /// not a full sort, so a 262k vocabulary with top-k 40 stays cheap).
    public mutating func sort(keeping limit: Int? = nil) {
        let keep = min(limit ?? count, count)
        if isSorted {
            truncate(keep)
            return
        }
        var order: [Int]
        if keep < count / 8 {
            order = Self.topIndices(of: logits, count: keep)
        } else {
            order = Array(0..<count)
            order.sort { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
            order.removeSubrange(keep...)
        }
        ids = order.map { ids[$0] }
        logits = order.map { logits[$0] }
        if !probabilities.isEmpty { probabilities = order.map { probabilities[$0] } }
        isSorted = true
    }

    /// Keeps the first `n` candidates.
    public mutating func truncate(_ n: Int) {
        guard n < count else { return }
        ids.removeSubrange(n...)
        logits.removeSubrange(n...)
        if probabilities.count > n { probabilities.removeSubrange(n...) }
    }

    /// Probabilities from the current logits (numerically stable softmax).
    public mutating func softmax() {
        guard let maxLogit = logits.max() else { return }
        var sum: Float = 0
        probabilities = logits.map { logit in
            let e = (logit - maxLogit).isNaN ? 0 : expf(logit - maxLogit)
            sum += e
            return e
        }
        if sum > 0 { for i in probabilities.indices { probabilities[i] /= sum } }
    }

    /// Indices of the `k` largest values, in descending order (ties: lower index first), via a
    /// bounded min-heap.
    static func topIndices(of values: [Float], count k: Int) -> [Int] {
        guard k > 0 else { return [] }
        var heap: [Int] = []
        heap.reserveCapacity(k)
        func less(_ a: Int, _ b: Int) -> Bool { values[a] < values[b] || (values[a] == values[b] && a > b) }
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let l = 2 * i + 1, r = l + 1
                var smallest = i
                if l < heap.count && less(heap[l], heap[smallest]) { smallest = l }
                if r < heap.count && less(heap[r], heap[smallest]) { smallest = r }
                if smallest == i { return }
                heap.swapAt(i, smallest)
                i = smallest
            }
        }
        for index in values.indices {
            if heap.count < k {
                heap.append(index)
                var child = heap.count - 1
                while child > 0 {
                    let parent = (child - 1) / 2
                    guard less(heap[child], heap[parent]) else { break }
                    heap.swapAt(child, parent)
                    child = parent
                }
            } else if less(heap[0], index) {
                heap[0] = index
                siftDown(0)
            }
        }
        return heap.sorted { less($1, $0) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
