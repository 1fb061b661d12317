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

    /// Decimal numbers (no exponent) in a range with integer bounds, each `(value, exclusive)`.
    static func decimalRange(low: (Int, Bool)?, high: (Int, Bool)?) -> E {
        var options: [E] = []
        // Non-negative values, written without '-'.
        if high.map({ $0.0 > 0 || ($0.0 == 0 && !$0.1) }) ?? true {
            let l = low.map { $0.0 >= 0 ? $0 : (0, false) } ?? (0, false)
            if let e = nonNegative(low: l, high: high) { options.append(e) }
        }
        // Negative values: '-' and a magnitude u > 0 with -u in range.
        if low.map({ $0.0 < 0 }) ?? true {
            let l: (Int, Bool) = high.map { $0.0 < 0 ? (-$0.0, $0.1) : (0, true) } ?? (0, true)
            let h: (Int, Bool)? = low.map { (-$0.0, $0.1) }
            if let e = nonNegative(low: l, high: h) { options.append(.sequence([.literal("-"), e])) }
        }
        return options.count == 1 ? options[0] : .choice(options)
    }

    /// Numerals I(.F)? with value v, low <= v <= high (respecting exclusivity), low >= 0.
    static func nonNegative(low: (Int, Bool), high: (Int, Bool)?) -> E? {
        let (l, lx) = low
        var options: [E] = []
        if let (h, hx) = high {
            if l < h {
                options.append(.sequence([.literal(String(l)), lx ? nonZeroFraction : anyFraction]))
                if l + 1 <= h - 1 { options.append(.sequence([natural(l + 1, h - 1), anyFraction])) }
                if !hx { options.append(.sequence([.literal(String(h)), zeroFraction])) }
            } else if l == h, !lx, !hx {
                options.append(.sequence([.literal(String(l)), zeroFraction]))
            }
        } else {
            options.append(.sequence([.literal(String(l)), lx ? nonZeroFraction : anyFraction]))
            options.append(.sequence([natural(l + 1, nil), anyFraction]))
        }
        if options.isEmpty { return nil }
        return options.count == 1 ? options[0] : .choice(options)
    }
}
