/// A set of byte values (0...255) as a 256-bit bitmap: the terminal of the grammar IR.
public struct ByteSet: Hashable, Sendable {
    private var w0: UInt64 = 0
    private var w1: UInt64 = 0
    private var w2: UInt64 = 0
    private var w3: UInt64 = 0

    public init() {}

    public init(_ byte: UInt8) { insert(byte) }

    public init(_ range: ClosedRange<UInt8>) { insert(range) }

    public init<S: Sequence>(bytes: S) where S.Element == UInt8 {
        for b in bytes { insert(b) }
    }

    public static let all: ByteSet = { var s = ByteSet(); s.insert(0...255); return s }()

    public var isEmpty: Bool { w0 | w1 | w2 | w3 == 0 }

    public var count: Int { w0.nonzeroBitCount + w1.nonzeroBitCount + w2.nonzeroBitCount + w3.nonzeroBitCount }

    @inline(__always)
    public func contains(_ byte: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: return w0 & bit != 0
        case 1: return w1 & bit != 0
        case 2: return w2 & bit != 0
        default: return w3 & bit != 0
        }
    }

    /// Whether any byte of `range` is a member.
    public func contains(_ range: ClosedRange<UInt8>) -> Bool { range.contains { contains($0) } }

    public mutating func insert(_ byte: UInt8) {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: w0 |= bit
        case 1: w1 |= bit
        case 2: w2 |= bit
        default: w3 |= bit
        }
    }

    public mutating func insert(_ range: ClosedRange<UInt8>) {
        for b in range { insert(b) }
    }

    public func union(_ other: ByteSet) -> ByteSet {
        var s = self
        s.w0 |= other.w0; s.w1 |= other.w1; s.w2 |= other.w2; s.w3 |= other.w3
        return s
    }

    public func isDisjoint(with other: ByteSet) -> Bool {
        (w0 & other.w0) | (w1 & other.w1) | (w2 & other.w2) | (w3 & other.w3) == 0
    }

    public func subtracting(_ other: ByteSet) -> ByteSet {
        var s = self
        s.w0 &= ~other.w0; s.w1 &= ~other.w1; s.w2 &= ~other.w2; s.w3 &= ~other.w3
        return s
    }

    public func inverted() -> ByteSet {
        var s = self
        s.w0 = ~w0; s.w1 = ~w1; s.w2 = ~w2; s.w3 = ~w3
        return s
    }

    /// Calls `body` with each member in increasing order (bit scans, no array).
    @inline(__always)
    public func forEachMember(_ body: (UInt8) -> Void) {
        ByteSet.scan(w0, 0, body)
        ByteSet.scan(w1, 64, body)
        ByteSet.scan(w2, 128, body)
        ByteSet.scan(w3, 192, body)
    }

    @inline(__always)
    private static func scan(_ word: UInt64, _ base: Int, _ body: (UInt8) -> Void) {
        var w = word
        while w != 0 {
            body(UInt8(base + w.trailingZeroBitCount))
            w &= w &- 1
        }
    }

    /// The members in increasing order.
    public var bytes: [UInt8] { (0...255).compactMap { contains(UInt8($0)) ? UInt8($0) : nil } }

    /// The single member, when there is exactly one.
    public var singleByte: UInt8? { count == 1 ? bytes.first : nil }
}
