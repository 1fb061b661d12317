/// A constraint on one property of a `@Generable` type, given to `@Guide`:
/// `@Guide(.range(1...5)) var stars: Int`, `@Guide(.count(1...3)) var tags: [String]`.
/// On an array, `count` bounds its length and every other guide applies to its elements.
public struct GenerationGuide: Sendable, Equatable {
    enum Rule: Sendable, Equatable {
        case minimum(Double)
        case maximum(Double)
        case pattern(String)
        case anyOf([String])
        case constant(String)
        case minimumCount(Int)
        case maximumCount(Int)
    }

    let rules: [Rule]

    /// A number in `range`, both ends included.
    public static func range(_ range: ClosedRange<Int>) -> GenerationGuide {
        GenerationGuide(rules: [.minimum(Double(range.lowerBound)), .maximum(Double(range.upperBound))])
    }

    /// A number in `range`, both ends included.
    public static func range(_ range: ClosedRange<Double>) -> GenerationGuide {
        GenerationGuide(rules: [.minimum(range.lowerBound), .maximum(range.upperBound)])
    }

    public static func minimum(_ value: Double) -> GenerationGuide { GenerationGuide(rules: [.minimum(value)]) }
    public static func maximum(_ value: Double) -> GenerationGuide { GenerationGuide(rules: [.maximum(value)]) }

    /// A string that this regular expression matches as a whole (ECMA-262 syntax; written to the
    /// schema as `^(?:regex)$`, since JSON Schema's `pattern` alone matches anywhere in a string).
    public static func pattern(_ regex: String) -> GenerationGuide { GenerationGuide(rules: [.pattern(regex)]) }

    /// One of these strings.
    public static func anyOf(_ values: [String]) -> GenerationGuide { GenerationGuide(rules: [.anyOf(values)]) }

    /// Exactly this string.
    public static func constant(_ value: String) -> GenerationGuide { GenerationGuide(rules: [.constant(value)]) }

    /// An array with a length in `range`.
    public static func count(_ range: ClosedRange<Int>) -> GenerationGuide {
        GenerationGuide(rules: [.minimumCount(range.lowerBound), .maximumCount(range.upperBound)])
    }

    /// An array of exactly `count` elements.
    public static func count(_ count: Int) -> GenerationGuide { .count(count...count) }
    public static func minimumCount(_ count: Int) -> GenerationGuide { GenerationGuide(rules: [.minimumCount(count)]) }
    public static func maximumCount(_ count: Int) -> GenerationGuide { GenerationGuide(rules: [.maximumCount(count)]) }
}
