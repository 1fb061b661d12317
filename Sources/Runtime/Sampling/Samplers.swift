/// The individual samplers of the chain, each a transformation of the candidate list. They follow
/// the definitions llama.cpp uses, so the same settings mean the same thing in both engines.
public enum Samplers {
    /// Adds a bias to listed tokens' logits (candidates must still be the full, unsorted vocabulary).
    public static func logitBias(_ c: inout Candidates, _ bias: [Int32: Float]) {
        guard !bias.isEmpty else { return }
        for i in c.ids.indices { if let b = bias[c.ids[i]] { c.logits[i] += b } }
    }

    /// Repetition (divide positive / multiply negative logits by `repeat`), frequency (minus
    /// count × `frequency`) and presence (minus `presence` if seen) penalties over `recent` tokens.
    public static func penalties(_ c: inout Candidates, recent: ArraySlice<Int32>, repeat: Float,
                                 frequency: Float, presence: Float) {
        guard !recent.isEmpty, `repeat` != 1 || frequency != 0 || presence != 0 else { return }
        var counts: [Int32: Int] = [:]
        for token in recent { counts[token, default: 0] += 1 }
        for i in c.ids.indices {
            guard let count = counts[c.ids[i]] else { continue }
            if c.logits[i] <= 0 { c.logits[i] *= `repeat` } else { c.logits[i] /= `repeat` }
            c.logits[i] -= Float(count) * frequency + presence
        }
    }

    /// Keeps the `k` most likely tokens (k ≤ 0: no-op), sorted.
    public static func topK(_ c: inout Candidates, _ k: Int) {
        guard k > 0 else { return }
        c.sort(keeping: max(k, 1))
    }

    /// Keeps the smallest set of most likely tokens whose probability reaches `p` (at least `minKeep`).
    public static func topP(_ c: inout Candidates, _ p: Float, minKeep: Int = 1) {
        guard p < 1, c.count > 1 else { return }
        c.sort()
        c.softmax()
        var cumulative: Float = 0
        var keep = c.count
        for i in 0..<c.count {
            cumulative += c.probabilities[i]
            if cumulative >= p && i + 1 >= minKeep {
                keep = i + 1
                break
            }
        }
        c.truncate(keep)
    }

    /// Keeps tokens whose probability is at least `p` times the most likely one's.
    public static func minP(_ c: inout Candidates, _ p: Float, minKeep: Int = 1) {
        guard p > 0, c.count > 1, let maxLogit = c.logits.max() else { return }
        let threshold = maxLogit + logf(p)
        c.sort()
        var keep = c.count
        for i in 0..<c.count where c.logits[i] < threshold && i >= minKeep {
            keep = i
            break
        }
        c.truncate(keep)
    }

    /// Locally typical sampling: keeps the tokens whose surprisal is closest to the distribution's
    /// entropy, up to a cumulative probability `p`.
    public static func typical(_ c: inout Candidates, _ p: Float, minKeep: Int = 1) {
        guard p < 1, c.count > 1 else { return }
        c.softmax()
        var entropy: Float = 0
        for prob in c.probabilities where prob > 0 { entropy -= prob * logf(prob) }
        let shifted = c.probabilities.map { abs(-logf($0) - entropy) }
        let order = c.ids.indices.sorted { shifted[$0] < shifted[$1] || (shifted[$0] == shifted[$1] && $0 < $1) }
        var cumulative: Float = 0
        var keep = order.count
        for (rank, index) in order.enumerated() {
            cumulative += c.probabilities[index]
            if cumulative > p && rank + 1 >= minKeep {
                keep = rank + 1
                break
            }
        }
        let kept = order.prefix(keep)
        c = Candidates(ids: kept.map { c.ids[$0] }, logits: kept.map { c.logits[$0] })
    }

    /// Divides logits by `t` (> 0).
    public static func temperature(_ c: inout Candidates, _ t: Float) {
        guard t > 0 else { return }
        for i in c.logits.indices { c.logits[i] /= t }
    }

    /// The most likely token (lowest id on ties).
    public static func greedy(_ c: Candidates) -> Int32 {
        var best = 0
        for i in c.logits.indices where c.logits[i] > c.logits[best] || (c.logits[i] == c.logits[best] && c.ids[i] < c.ids[best]) {
            best = i
        }
        return c.ids[best]
    }

    /// Draws a token from the softmax of the candidates' logits.
    public static func draw<R: RandomNumberGenerator>(_ c: inout Candidates, using rng: inout R) -> Int32 {
        c.softmax()
        let u = Float.random(in: 0..<1, using: &rng)
        var cumulative: Float = 0
        for i in 0..<c.count {
            cumulative += c.probabilities[i]
            if u < cumulative { return c.ids[i] }
        }
        return c.ids[c.count - 1]
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
