/// Decimal numerals in a numeric range as grammar expressions (no leading zeros, no `-0`).
enum IntegerRanges {
    typealias E = GrammarExpr
    static let digit = E.bytes(ByteSet(UInt8(ascii: "0")...UInt8(ascii: "9")))

    static func digitRange(_ a: UInt8, _ b: UInt8) -> E { .bytes(ByteSet((a + 48)...(b + 48))) }

    /// Integers in [low, high]; nil means unbounded on that side.
    static func range(_ low: Int?, _ high: Int?) -> E {
        var options: [E] = []
        // Negative part: "-" then a magnitude in [max(1, -high), -low].
        if low.map({ $0 < 0 }) ?? true {
            let magLow = max(1, high.map { $0 >= 0 ? 1 : -$0 } ?? 1)
            let magHigh = low.map { -$0 }
            if magHigh.map({ magLow <= $0 }) ?? true {
                options.append(.sequence([.literal("-"), natural(magLow, magHigh)]))
            }
        }
        if high.map({ $0 >= 0 }) ?? true {
            let a = max(0, low ?? 0)
            if high.map({ a <= $0 }) ?? true { options.append(natural(a, high)) }
        }
        return options.count == 1 ? options[0] : .choice(options)
    }

    /// Naturals in [a, b] (b nil: unbounded), a >= 0.
    static func natural(_ a: Int, _ b: Int?) -> E {
        let la = String(a).count
        var options: [E] = []
        if let b {
            let lb = String(b).count
            for len in la...lb {
                let lo = len == la ? a : pow10(len - 1)
                let hi = len == lb ? b : pow10(len) - 1
                options.append(sameLength(Array(String(lo).utf8).map { $0 - 48 }, Array(String(hi).utf8).map { $0 - 48 }))
            }
        } else {
            let hi = pow10(la) - 1
            options.append(sameLength(Array(String(a).utf8).map { $0 - 48 }, Array(String(hi).utf8).map { $0 - 48 }))
            // Every numeral with more digits.
            options.append(.sequence([digitRange(1, 9), .repeated(digit, min: la, max: nil)]))
        }
        return options.count == 1 ? options[0] : .choice(options)
    }

    static func pow10(_ n: Int) -> Int {
        var r = 1
        for _ in 0..<n { r *= 10 }
        return r
    }

    /// Numerals of the same length between digit strings lo and hi (lo <= hi).
    static func sameLength(_ lo: [UInt8], _ hi: [UInt8]) -> E {
        if lo.count == 1 { return digitRange(lo[0], hi[0]) }
        if lo[0] == hi[0] { return .sequence([digitRange(lo[0], lo[0]), sameLength(Array(lo.dropFirst()), Array(hi.dropFirst()))]) }
        let rest = lo.count - 1
        let restLo = Array(lo.dropFirst()), restHi = Array(hi.dropFirst())
        let loAllZero = restLo.allSatisfy { $0 == 0 }, hiAllNine = restHi.allSatisfy { $0 == 9 }
        var options: [E] = []
        var midLow = lo[0] + 1, midHigh = hi[0] - 1
        if loAllZero { midLow = lo[0] } else {
            options.append(.sequence([digitRange(lo[0], lo[0]), sameLength(restLo, [UInt8](repeating: 9, count: rest))]))
        }
        if hiAllNine { midHigh = hi[0] }
        if midLow <= midHigh { options.append(.sequence([digitRange(midLow, midHigh), .repeated(digit, min: rest, max: rest)])) }
        if !hiAllNine {
            options.append(.sequence([digitRange(hi[0], hi[0]), sameLength([UInt8](repeating: 0, count: rest), restHi)]))
        }
        return options.count == 1 ? options[0] : .choice(options)
    }

    static let anyFraction = E.optional(.sequence([.literal("."), .repeated(digit, min: 1, max: nil)]))
    static let zeroFraction = E.optional(.sequence([.literal("."), .repeated(.literal("0"), min: 1, max: nil)]))
    static let nonZeroFraction = E.sequence([
        .literal("."), .repeated(digit, min: 0, max: nil), digitRange(1, 9), .repeated(digit, min: 0, max: nil),
    ])

    /// A bound of a decimal range: its magnitude's integer part and fraction digits (no
    /// trailing zeros), and whether it is exclusive.
    struct Bound {
        var integer: Int
        var fraction: [UInt8] = []
        var exclusive: Bool

        /// `|value|` as written by the shortest round-trip spelling, nil when that needs an
        /// exponent or the integer part is above 10¹⁵.
        init?(magnitudeOf value: Double, exclusive: Bool) {
            let text = abs(value).description
            guard !text.contains("e"), !text.contains("E") else { return nil }
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard let whole = Int(parts[0]), whole <= 1_000_000_000_000_000 else { return nil }
            integer = whole
            var digits = parts.count > 1 ? Array(parts[1].utf8).map { $0 - 48 } : []
            while digits.last == 0 { digits.removeLast() }
            fraction = digits
            self.exclusive = exclusive
        }

        init(integer: Int, fraction: [UInt8] = [], exclusive: Bool) {
            self.integer = integer
            self.fraction = fraction
            self.exclusive = exclusive
        }
    }

    /// Decimal numbers (no exponent) in a range whose bounds are decimals, each `(value,
    /// exclusive)`; nil when a bound has no plain decimal spelling (see `Bound`).
    /// With `places`, only numbers with at most that many fraction digits before trailing zeros
    /// (the multiples of 10^-places: `multipleOf: 0.01` is 2).
    static func decimalRange(low: (Double, Bool)?, high: (Double, Bool)?, places: Int? = nil) -> E? {
        var options: [E] = []
        // Non-negative values, written without '-'.
        if high.map({ $0.0 > 0 || ($0.0 == 0 && !$0.1) }) ?? true {
            let l: Bound?
            if let low, low.0 >= 0 { l = Bound(magnitudeOf: low.0, exclusive: low.1) } else { l = Bound(integer: 0, exclusive: false) }
            let h = high.map { Bound(magnitudeOf: $0.0, exclusive: $0.1) }
            guard let l, h.map({ $0 != nil }) ?? true else { return nil }
            if let e = nonNegative(low: l, high: h ?? nil, places: places) { options.append(e) }
        }
        // Negative values: '-' and a magnitude u > 0 with -u in range.
        if low.map({ $0.0 < 0 }) ?? true {
            let l: Bound?
            if let high, high.0 < 0 { l = Bound(magnitudeOf: high.0, exclusive: high.1) } else { l = Bound(integer: 0, exclusive: true) }
            let h = low.map { Bound(magnitudeOf: $0.0, exclusive: $0.1) }
            guard let l, h.map({ $0 != nil }) ?? true else { return nil }
            if let e = nonNegative(low: l, high: h ?? nil, places: places) { options.append(.sequence([.literal("-"), e])) }
        }
        return options.count == 1 ? options[0] : .choice(options)
    }

    /// Numerals I(.F)? with value v, low <= v <= high (respecting exclusivity), low >= 0.
    static func nonNegative(low: Bound, high: Bound?, places: Int? = nil) -> E? {
        let l = low.integer
        var options: [E] = []
        let any = places.map { k in
            E.optional(.sequence([.literal("."), .repeated(digit, min: 1, max: k), .repeated(.literal("0"), min: 0, max: nil)]))
        } ?? anyFraction
        if let high {
            let h = high.integer
            if l < h {
                options.append(.sequence([.literal(String(l)), fraction(atLeast(low.fraction, strict: low.exclusive, room: places), places: places)]))
                if l + 1 <= h - 1 { options.append(.sequence([natural(l + 1, h - 1), any])) }
                options.append(.sequence([.literal(String(h)), fraction(atMost(high.fraction, strict: high.exclusive, room: places), places: places)]))
            } else if l == h {
                options.append(.sequence([.literal(String(l)), fraction(between(low, high, room: places), places: places)]))
            }
        } else {
            options.append(.sequence([.literal(String(l)), fraction(atLeast(low.fraction, strict: low.exclusive, room: places), places: places)]))
            options.append(.sequence([natural(l + 1, nil), any]))
        }
        if options.isEmpty { return nil }
        return options.count == 1 ? options[0] : .choice(options)
    }

    /// Digit strings after the point (empty: no fraction), as a choice of non-empty ones and
    /// whether the empty one is in.
    struct Digits {
        var empty = false
        var nonEmpty: [E] = []
    }

    /// `(.D)?` for the digit strings D of `digits` (nothing when there are none). With `places`
    /// the strings are at most that long and any zeros may follow them (the empty one: `.0`,
    /// `.00`, …).
    static func fraction(_ digits: Digits, places: Int? = nil) -> E {
        var options: [E] = digits.empty ? [.empty] : []
        let zeros = E.repeated(.literal("0"), min: 0, max: nil)
        if digits.empty, places != nil { options.append(.sequence([.literal("."), .literal("0"), zeros])) }
        if !digits.nonEmpty.isEmpty {
            let body = digits.nonEmpty.count == 1 ? digits.nonEmpty[0] : .choice(digits.nonEmpty)
            options.append(.sequence([.literal("."), body] + (places != nil ? [zeros] : [])))
        }
        return options.count == 1 ? options[0] : .choice(options)
    }

    /// Any digits: at most `room` of them (nil: any number).
    static func free(_ room: Int?) -> E { room.map { .repeated(digit, min: 0, max: $0) } ?? digits }

    static let digits = E.repeated(digit, min: 0, max: nil)

    /// `d` followed by each string of `rest`.
    static func prefixed(_ d: UInt8, _ rest: Digits) -> [E] {
        (rest.empty ? [digitRange(d, d)] : []) + rest.nonEmpty.map { .sequence([digitRange(d, d), $0]) }
    }

    /// Digit strings D with 0.D ≥ 0.R (> when strict); R has no trailing zeros. `room`: D has
    /// at most that many digits (nil: any).
    static func atLeast(_ r: [UInt8], strict: Bool, room: Int? = nil) -> Digits {
        if room == 0 { return Digits(empty: r.isEmpty && !strict) }
        let rest = room.map { $0 - 1 }
        guard let r0 = r.first else {
            if let rest {
                return strict ? Digits(nonEmpty: [.sequence([free(rest), digitRange(1, 9)])])
                    : Digits(empty: true, nonEmpty: [.sequence([digit, free(rest)])])
            }
            return strict ? Digits(nonEmpty: [.sequence([digits, digitRange(1, 9), digits])]) : Digits(empty: true, nonEmpty: [.sequence([digit, digits])])
        }
        var out = Digits()
        if r0 < 9 { out.nonEmpty.append(.sequence([digitRange(r0 + 1, 9), free(rest)])) }
        out.nonEmpty += prefixed(r0, atLeast(Array(r.dropFirst()), strict: strict, room: rest))
        return out
    }

    /// Digit strings D with 0.D ≤ 0.R (< when strict); R has no trailing zeros.
    static func atMost(_ r: [UInt8], strict: Bool, room: Int? = nil) -> Digits {
        guard let r0 = r.first else {
            return strict ? Digits() : Digits(empty: true, nonEmpty: [.repeated(.literal("0"), min: 1, max: nil)])
        }
        // Stopping early leaves zeros against R's later nonzero digit: smaller.
        var out = Digits(empty: true)
        if room == 0 { return out }
        let rest = room.map { $0 - 1 }
        if r0 > 0 { out.nonEmpty.append(.sequence([digitRange(0, r0 - 1), free(rest)])) }
        out.nonEmpty += prefixed(r0, atMost(Array(r.dropFirst()), strict: strict, room: rest))
        return out
    }

    /// Digit strings D with 0.A ≤ 0.D ≤ 0.B (each side strict when its bound is exclusive).
    static func between(_ low: Bound, _ high: Bound, room: Int? = nil) -> Digits {
        let a = low.fraction, b = high.fraction
        if a.isEmpty && b.isEmpty {
            return low.exclusive || high.exclusive ? Digits() : atMost([], strict: false)
        }
        let a0 = a.first ?? 0, b0 = b.first ?? 0
        if a0 > b0 { return Digits() }
        // Nothing after the point is 0: in when the lower bound is 0 and inclusive.
        var out = Digits(empty: a.isEmpty && !low.exclusive)
        if room == 0 { return out }
        let rest = room.map { $0 - 1 }
        if a0 == b0 {
            let tail = between(Bound(integer: 0, fraction: Array(a.dropFirst()), exclusive: low.exclusive),
                               Bound(integer: 0, fraction: Array(b.dropFirst()), exclusive: high.exclusive), room: rest)
            out.nonEmpty += prefixed(a0, tail)
            return out
        }
        out.nonEmpty += prefixed(a0, atLeast(Array(a.dropFirst()), strict: low.exclusive, room: rest))
        if a0 + 1 <= b0 - 1 { out.nonEmpty.append(.sequence([digitRange(a0 + 1, b0 - 1), free(rest)])) }
        out.nonEmpty += prefixed(b0, atMost(Array(b.dropFirst()), strict: high.exclusive, room: rest))
        return out
    }

    /// k when `value` is 10^-k exactly as written (0.1, 0.01, …, k ≤ 15), else nil.
    static func decimalPlaces(ofPowerOfTen value: Double) -> Int? {
        guard value > 0, value < 1, let b = Bound(magnitudeOf: value, exclusive: false), b.integer == 0,
              let last = b.fraction.last, last == 1, b.fraction.dropLast().allSatisfy({ $0 == 0 }), b.fraction.count <= 15
        else { return nil }
        return b.fraction.count
    }
}
