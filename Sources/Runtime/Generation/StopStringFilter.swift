/// Streams text while watching for stop strings: text that could still turn into a stop string is
/// held back until it cannot, and a found stop string cuts the text before it.
struct StopStringFilter {
    let stops: [String]
    private var pending = ""

    init(stops: [String]) {
        self.stops = stops.filter { !$0.isEmpty }
    }

    /// Adds text; returns what may be emitted now, and whether a stop string was found.
    mutating func push(_ text: String) -> (emit: String, stopped: Bool) {
        pending += text
        guard !stops.isEmpty else {
            defer { pending = "" }
            return (pending, false)
        }
        if let cut = stops.compactMap({ pending.range(of: $0)?.lowerBound }).min() {
            let emit = String(pending[..<cut])
            pending = ""
            return (emit, true)
        }
        // Hold back the longest suffix that is a prefix of some stop string.
        var keep = 0
        for stop in stops {
            for length in stride(from: min(stop.count, pending.count), to: 0, by: -1)
            where pending.hasSuffix(stop.prefix(length)) {
                keep = max(keep, length)
                break
            }
        }
        let emit = String(pending.dropLast(keep))
        pending = String(pending.suffix(keep))
        return (emit, false)
    }

    /// The held-back text, once generation has ended without a stop string.
    mutating func flush() -> String {
        defer { pending = "" }
        return pending
    }
}
