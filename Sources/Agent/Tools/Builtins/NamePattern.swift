/// How `search_files` matches names: a glob (`*`, `?`, `[abc]`, `[a-z]`, `[!abc]`) when the
/// pattern has a glob character, else a substring. Both ignore case, because models guess the
/// case of file names as often as not. Matching is done here rather than with fnmatch(3) so it
/// behaves the same on every platform and its case folding covers non-ASCII names.
struct NamePattern {
    private enum Element: Equatable {
        case literal(Unicode.Scalar)
        case anyOne
        case anyRun
        case set(ranges: [ClosedRange<Unicode.Scalar>], negated: Bool)
    }

    private let elements: [Element]?
    private let substring: String

    init(_ pattern: String) {
        let folded = pattern.lowercased()
        substring = folded
        elements = pattern.contains(where: { "*?[".contains($0) }) ? Self.parse(Array(folded.unicodeScalars)) : nil
    }

    var isGlob: Bool { elements != nil }

    func matches(_ name: String) -> Bool {
        let folded = name.lowercased()
        guard let elements else { return folded.contains(substring) }
        return Self.match(elements, Array(folded.unicodeScalars))
    }

    /// A `[` without its `]` stands for itself, as in shells.
    private static func parse(_ s: [Unicode.Scalar]) -> [Element] {
        var elements: [Element] = []
        var i = 0
        while i < s.count {
            switch s[i] {
            case "*":
                if elements.last != .anyRun { elements.append(.anyRun) }
                i += 1
            case "?":
                elements.append(.anyOne)
                i += 1
            case "[":
                if let (set, next) = parseSet(s, from: i) {
                    elements.append(set)
                    i = next
                } else {
                    elements.append(.literal("["))
                    i += 1
                }
            default:
                elements.append(.literal(s[i]))
                i += 1
            }
        }
        return elements
    }

    /// `[!a-z_]` starting at `from` (the `[`); a `]` right after `[` or `[!` is a member.
    private static func parseSet(_ s: [Unicode.Scalar], from: Int) -> (Element, Int)? {
        var i = from + 1
        let negated = i < s.count && (s[i] == "!" || s[i] == "^")
        if negated { i += 1 }
        var ranges: [ClosedRange<Unicode.Scalar>] = []
        var first = true
        while i < s.count {
            if s[i] == "]" && !first { return (.set(ranges: ranges, negated: negated), i + 1) }
            first = false
            if i + 2 < s.count, s[i + 1] == "-", s[i + 2] != "]" {
                if s[i] <= s[i + 2] { ranges.append(s[i]...s[i + 2]) }
                i += 3
            } else {
                ranges.append(s[i]...s[i])
                i += 1
            }
        }
        return nil
    }

    /// Glob matching with one backtrack point (the last `*`): linear in practice and never
    /// exponential, whatever the pattern.
    private static func match(_ pattern: [Element], _ name: [Unicode.Scalar]) -> Bool {
        var p = 0, n = 0
        var starP = -1, starN = 0
        while n < name.count {
            if p < pattern.count, pattern[p] == .anyRun {
                starP = p
                starN = n
                p += 1
            } else if p < pattern.count, matchesOne(pattern[p], name[n]) {
                p += 1
                n += 1
            } else if starP >= 0 {
                p = starP + 1
                starN += 1
                n = starN
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == .anyRun { p += 1 }
        return p == pattern.count
    }

    private static func matchesOne(_ element: Element, _ c: Unicode.Scalar) -> Bool {
        switch element {
        case .literal(let literal): literal == c
        case .anyOne: true
        case .anyRun: false
        case .set(let ranges, let negated): ranges.contains { $0.contains(c) } != negated
        }
    }
}
