/// Sets of Unicode code points as byte-level grammar expressions: a character class in GBNF or a
/// regex matches one code point, which is one to four UTF-8 bytes.
public struct CodePointSet: Hashable, Sendable {
    /// Sorted, non-overlapping, non-adjacent closed ranges.
    public private(set) var ranges: [ClosedRange<UInt32>] = []

    public static let maxScalar: UInt32 = 0x10FFFF

    public init() {}

    public init(_ ranges: [ClosedRange<UInt32>]) {
        for r in ranges { insert(r) }
    }

    public static let any = CodePointSet([0...maxScalar])

    public mutating func insert(_ range: ClosedRange<UInt32>) {
        var all = ranges + [range]
        all.sort { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<UInt32>] = []
        for r in all {
            if let last = merged.last, r.lowerBound <= last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        ranges = merged
    }

    public mutating func insert(_ other: CodePointSet) {
        for r in other.ranges { insert(r) }
    }

    public func contains(_ c: UInt32) -> Bool { ranges.contains { $0.contains(c) } }

    /// Every code point not in this set.
    public func inverted() -> CodePointSet {
        var out = CodePointSet()
        var next: UInt32 = 0
        for r in ranges {
            if r.lowerBound > next { out.ranges.append(next...(r.lowerBound - 1)) }
            next = r.upperBound &+ 1
        }
        if next <= CodePointSet.maxScalar, !(ranges.last.map { $0.upperBound == CodePointSet.maxScalar } ?? false) {
            out.ranges.append(next...CodePointSet.maxScalar)
        }
        return out
    }

    /// Removes the surrogate block, which has no UTF-8 encoding.
    public func withoutSurrogates() -> CodePointSet {
        var out = CodePointSet()
        for r in ranges {
            if r.upperBound < 0xD800 || r.lowerBound > 0xDFFF {
                out.ranges.append(r)
            } else {
                if r.lowerBound < 0xD800 { out.ranges.append(r.lowerBound...0xD7FF) }
                if r.upperBound > 0xDFFF { out.ranges.append(0xE000...r.upperBound) }
            }
        }
        return out
    }

    /// A grammar expression matching the UTF-8 encoding of exactly one member.
    public var utf8Expr: GrammarExpr {
        var options: [GrammarExpr] = []
        for r in withoutSurrogates().ranges {
            for (lo, hi) in [(UInt32(0), UInt32(0x7F)), (0x80, 0x7FF), (0x800, 0xFFFF), (0x10000, 0x10FFFF)] {
                let a = max(r.lowerBound, lo), b = min(r.upperBound, hi)
                if a <= b { CodePointSet.appendSameLength(a, b, to: &options) }
            }
        }
        return options.count == 1 ? options[0] : .choice(options)
    }

    private static func encode(_ c: UInt32) -> [UInt8] {
        guard let scalar = Unicode.Scalar(c) else { return [] }
        return Array(String(scalar).utf8)
    }

    /// Splits [a, b] (same encoded length) into ranges whose encodings differ only in a byte-range
    /// prefix followed by full continuation ranges, the classic utf8-ranges construction.
    private static func appendSameLength(_ a: UInt32, _ b: UInt32, to out: inout [GrammarExpr]) {
        let ea = encode(a), eb = encode(b)
        let n = ea.count
        if n == 1 {
            out.append(.bytes(ByteSet(ea[0]...eb[0])))
            return
        }
        // Find the split so each piece is [prefix..., x..y, 80..BF, ...].
        for i in 1..<n {
            let shift = UInt32(6 * (n - i))
            let mask: UInt32 = (1 << shift) - 1
            if a & ~mask != b & ~mask {
                if a & mask != 0 {
                    appendSameLength(a, a | mask, to: &out)
                    appendSameLength((a | mask) + 1, b, to: &out)
                    return
                }
                if b & mask != mask {
                    appendSameLength(a, (b & ~mask) - 1, to: &out)
                    appendSameLength(b & ~mask, b, to: &out)
                    return
                }
            }
        }
        let parts: [GrammarExpr] = (0..<n).map { .bytes(ByteSet(ea[$0]...eb[$0])) }
        out.append(.sequence(parts))
    }
}
