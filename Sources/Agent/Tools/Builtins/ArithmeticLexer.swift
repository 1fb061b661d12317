/// One token of an arithmetic expression, with its 1-based position.
struct ArithmeticToken: Equatable {
    enum Kind: Equatable {
        case number(Double)
        case name(String)
        /// `+ - * / % ^ ** ( ) ,`
        case symbol(String)
        case end

        /// How an error message shows the token.
        var text: String {
            switch self {
            case .number(let value): "number \(value)"
            case .name(let name): "'\(name)'"
            case .symbol(let symbol): "'\(symbol)'"
            case .end: "end of expression"
            }
        }
    }

    let kind: Kind
    let position: Int
}

/// Splits an expression into numbers, names and symbols. Works on Unicode scalars so positions
/// count characters as a reader does, and rejects anything outside the small alphabet up front.
enum ArithmeticLexer {
    static func tokens(_ scalars: [Unicode.Scalar]) throws(ArithmeticError) -> [ArithmeticToken] {
        var tokens: [ArithmeticToken] = []
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            let position = i + 1
            if c == " " || c == "\t" || c == "\n" || c == "\r" {
                i += 1
            } else if isDigit(c) || c == "." {
                let (value, end) = try number(scalars, from: i)
                if end < scalars.count, isLetter(scalars[end]) {
                    // "2pi" or "3x": there is no implicit multiplication; say so rather than
                    // reporting a bare unexpected name.
                    throw ArithmeticError(message: "a name cannot follow a number directly; write * to multiply",
                                          position: end + 1)
                }
                tokens.append(ArithmeticToken(kind: .number(value), position: position))
                i = end
            } else if isLetter(c) {
                var end = i
                while end < scalars.count, isLetter(scalars[end]) || isDigit(scalars[end]) { end += 1 }
                var name = ""
                name.unicodeScalars.append(contentsOf: scalars[i..<end])
                tokens.append(ArithmeticToken(kind: .name(name.lowercased()), position: position))
                i = end
            } else if c == "*", i + 1 < scalars.count, scalars[i + 1] == "*" {
                tokens.append(ArithmeticToken(kind: .symbol("**"), position: position))
                i += 2
            } else if "+-*/%^(),".unicodeScalars.contains(c) {
                tokens.append(ArithmeticToken(kind: .symbol(String(Character(c))), position: position))
                i += 1
            } else {
                let shown = c.isASCII && c.value >= 0x20 ? "'\(Character(c))'" : "U+\(String(c.value, radix: 16, uppercase: true))"
                throw ArithmeticError(message: "unexpected character \(shown)", position: position)
            }
        }
        tokens.append(ArithmeticToken(kind: .end, position: scalars.count + 1))
        return tokens
    }

    /// digits [. digits] [(e|E) [+|-] digits], or . digits: at least one digit in the mantissa.
    /// An `e` not followed by exponent digits is left alone (it would then be the constant e,
    /// which the caller reports as a name right after a number).
    private static func number(_ s: [Unicode.Scalar], from start: Int) throws(ArithmeticError) -> (Double, Int) {
        var end = start
        var mantissaDigits = 0
        while end < s.count, isDigit(s[end]) { end += 1; mantissaDigits += 1 }
        if end < s.count, s[end] == "." {
            end += 1
            while end < s.count, isDigit(s[end]) { end += 1; mantissaDigits += 1 }
        }
        guard mantissaDigits > 0 else {
            throw ArithmeticError(message: "a '.' must be followed or preceded by digits", position: start + 1)
        }
        if end < s.count, s[end] == "e" || s[end] == "E" {
            var exponentEnd = end + 1
            if exponentEnd < s.count, s[exponentEnd] == "+" || s[exponentEnd] == "-" { exponentEnd += 1 }
            if exponentEnd < s.count, isDigit(s[exponentEnd]) {
                while exponentEnd < s.count, isDigit(s[exponentEnd]) { exponentEnd += 1 }
                end = exponentEnd
            }
        }
        if end < s.count, s[end] == "." {
            throw ArithmeticError(message: "a number has a second '.'", position: end + 1)
        }
        var text = ""
        text.unicodeScalars.append(contentsOf: s[start..<end])
        guard let value = Double(text), value.isFinite else {
            throw ArithmeticError(message: "number '\(text)' is out of range", position: start + 1)
        }
        return (value, end)
    }

    private static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    private static func isLetter(_ c: Unicode.Scalar) -> Bool { (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" }
}
