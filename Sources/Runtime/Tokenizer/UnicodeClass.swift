/// The Unicode properties the pre-tokenizer patterns test, as bit flags per code point.
struct UnicodeClass: OptionSet, Sendable {
    let rawValue: UInt8

    /// General category L (Lu, Ll, Lt, Lm, Lo): `\p{L}`.
    static let letter = UnicodeClass(rawValue: 1)
    /// General category N (Nd, Nl, No): `\p{N}`.
    static let number = UnicodeClass(rawValue: 2)
    /// General category P (Pc, Pd, Ps, Pe, Pi, Pf, Po): `\p{P}`.
    static let punctuation = UnicodeClass(rawValue: 4)
    /// The White_Space property: `\s`.
    static let whitespace = UnicodeClass(rawValue: 8)
    /// General category M (Mn, Mc, Me): `\p{M}`.
    static let mark = UnicodeClass(rawValue: 16)

    /// Flags for one code point (0 for surrogates and values past U+10FFFF).
    static func of(_ codePoint: UInt32) -> UnicodeClass {
        if codePoint < 0x10000 { return UnicodeClass(rawValue: basicPlane[Int(codePoint)]) }
        return classify(codePoint)
    }

    /// Flags for the Basic Multilingual Plane, computed once: almost all text falls here, and a
    /// table load is much cheaper than asking the standard library's property tables per character.
    static let basicPlane: [UInt8] = (0..<0x10000).map { classify(UInt32($0)).rawValue }

    static func classify(_ codePoint: UInt32) -> UnicodeClass {
        guard let scalar = Unicode.Scalar(codePoint) else { return [] }
        var flags: UnicodeClass = []
        if scalar.properties.isWhitespace { flags.insert(.whitespace) }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            flags.insert(.letter)
        case .decimalNumber, .letterNumber, .otherNumber:
            flags.insert(.number)
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            flags.insert(.punctuation)
        case .nonspacingMark, .spacingMark, .enclosingMark:
            flags.insert(.mark)
        default:
            break
        }
        return flags
    }
}
