/// A binary min-heap: the smallest element (by `<`) pops first. Generic over `Comparable` rather
/// than holding a comparison closure, so the comparison inlines in the merge loops.
struct BinaryHeap<Element: Comparable> {
    private(set) var elements: [Element] = []

    init() {}

    var isEmpty: Bool { elements.isEmpty }

    mutating func removeAll() { elements.removeAll(keepingCapacity: true) }

    mutating func push(_ element: Element) {
        elements.append(element)
        var child = elements.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard elements[child] < elements[parent] else { break }
            elements.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard !elements.isEmpty else { return nil }
        let top = elements[0]
        let last = elements.removeLast()
        if !elements.isEmpty {
            elements[0] = last
            var parent = 0
            let count = elements.count
            while true {
                let left = 2 * parent + 1
                if left >= count { break }
                var best = left
                if left + 1 < count && elements[left + 1] < elements[left] { best = left + 1 }
                guard elements[best] < elements[parent] else { break }
                elements.swapAt(best, parent)
                parent = best
            }
        }
        return top
    }
}
