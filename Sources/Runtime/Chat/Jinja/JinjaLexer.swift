import Foundation

/// One lexical token of a template.
struct JinjaToken: Equatable {
    enum Kind: Equatable {
        case text(String)
        case variableBegin, variableEnd, blockBegin, blockEnd
        case name(String)
        case string(String)
        case integer(Int)
        case float(Double)
        case op(String)
        case end
    }

    let kind: Kind
    let line: Int
}

/// Splits template source into text and tag tokens, applying whitespace control the way jinja2 does
/// with Hugging Face's settings: `trim_blocks` (drop the newline after a block or comment tag),
/// `lstrip_blocks` (drop blanks between a line start and a block or comment tag), `-` and `+`
/// modifiers, and dropping one trailing newline of the source (`keep_trailing_newline=False`).
struct JinjaLexer {
    private let src: [Unicode.Scalar]
    private var pos = 0
    private var line = 1
    private var tokens: [JinjaToken] = []
    private let trimBlocks: Bool
    private let lstripBlocks: Bool

    init(source: String, trimBlocks: Bool = true, lstripBlocks: Bool = true) {
        var text = source.replacingNewlines()
        if text.hasSuffix("\n") { text.removeLast() }
        src = Array(text.unicodeScalars)
        self.trimBlocks = trimBlocks
        self.lstripBlocks = lstripBlocks
    }

    static func tokenize(_ source: String) throws -> [JinjaToken] {
        var lexer = JinjaLexer(source: source)
        return try lexer.run()
    }

    private static func isSpace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace }

    private func at(_ i: Int) -> Unicode.Scalar? { i < src.count ? src[i] : nil }

    private mutating func emit(_ kind: JinjaToken.Kind) { tokens.append(JinjaToken(kind: kind, line: line)) }

    private mutating func emitText(_ scalars: ArraySlice<Unicode.Scalar>) {
        if !scalars.isEmpty { emit(.text(String(String.UnicodeScalarView(scalars)))) }
        line += scalars.lazy.filter { $0 == "\n" }.count
    }

    mutating func run() throws -> [JinjaToken] {
        var lineStarting = true
        while pos < src.count {
            guard let start = nextTagStart(from: pos) else {
                emitText(src[pos...])
                break
            }
            var text = src[pos..<start]
            let kind = src[start + 1]
            let control = at(start + 2).flatMap { $0 == "-" || $0 == "+" ? $0 : nil }
            if control == "-" {
                while let last = text.last, Self.isSpace(last) { text.removeLast() }
            } else if control != "+" && lstripBlocks && kind != "{" {
                let lineStart = (text.lastIndex(of: "\n").map { $0 + 1 }) ?? text.startIndex
                let tail = text[lineStart...]
                if (lineStart > text.startIndex || lineStarting) && !tail.isEmpty && tail.allSatisfy(Self.isSpace) {
                    text = text[..<lineStart]
                }
            }
            emitText(text)
            line += src[text.endIndex..<start].lazy.filter { $0 == "\n" }.count
            pos = start + 2 + (control == nil ? 0 : 1)
            switch kind {
            case "#": lineStarting = try skipComment()
            case "{": lineStarting = try lexTag(end: "}", begin: .variableBegin, finish: .variableEnd)
            default: lineStarting = try lexTag(end: "%", begin: .blockBegin, finish: .blockEnd)
            }
        }
        emit(.end)
        return tokens
    }

    private func nextTagStart(from index: Int) -> Int? {
        var i = index
        while i + 1 < src.count {
            if src[i] == "{", src[i + 1] == "{" || src[i + 1] == "%" || src[i + 1] == "#" { return i }
            i += 1
        }
        return nil
    }

    /// After a tag's closing delimiter: `-` strips all following whitespace, otherwise trim_blocks drops
    /// one newline (block and comment tags only). Returns whether the consumed text ended a line.
    private mutating func finishTag(strip: Bool, keep: Bool, isBlock: Bool) -> Bool {
        var consumedNewline = false
        if strip {
            while let s = at(pos), Self.isSpace(s) {
                if s == "\n" { line += 1; consumedNewline = true } else { consumedNewline = false }
                pos += 1
            }
            return consumedNewline
        }
        if isBlock && trimBlocks && !keep && at(pos) == "\n" {
            pos += 1
            line += 1
            return true
        }
        return false
    }

    private mutating func skipComment() throws -> Bool {
        let startLine = line
        var i = pos
        while i + 1 < src.count, !(src[i] == "#" && src[i + 1] == "}") { i += 1 }
        guard i + 1 < src.count else { throw JinjaError.syntax("missing end of comment tag", line: startLine) }
        line += src[pos..<i].lazy.filter { $0 == "\n" }.count
        let strip = i > pos && src[i - 1] == "-"
        let keep = i > pos && src[i - 1] == "+"
        pos = i + 2
        return finishTag(strip: strip, keep: keep, isBlock: true)
    }

    /// Lexes the inside of `{{ … }}` or `{% … %}` up to the closing delimiter.
    private mutating func lexTag(end: Unicode.Scalar, begin: JinjaToken.Kind, finish: JinjaToken.Kind) throws -> Bool {
        emit(begin)
        let first = tokens.count
        var depth = 0
        while true {
            while let s = at(pos), Self.isSpace(s) {
                if s == "\n" { line += 1 }
                pos += 1
            }
            guard let s = at(pos) else { throw JinjaError.syntax("unexpected end of template inside a tag", line: line) }
            if depth == 0 {
                var strip = false, keep = false, p = pos
                if (s == "-" || s == "+") && at(p + 1) == end && at(p + 2) == "}" {
                    strip = s == "-"
                    keep = s == "+"
                    p += 1
                }
                if at(p) == end && at(p + 1) == "}" {
                    pos = p + 2
                    emit(finish)
                    let isBlock = finish == .blockEnd
                    let result = finishTag(strip: strip, keep: keep, isBlock: isBlock)
                    if isBlock, tokens.count == first + 2, tokens[first] == JinjaToken(kind: .name("raw"), line: tokens[first].line) {
                        return try lexRaw(openerIndex: first - 1)
                    }
                    return result
                }
            }
            try lexExpressionToken(depth: &depth)
        }
    }

    /// `{% raw %}…{% endraw %}`: everything in between is text.
    private mutating func lexRaw(openerIndex: Int) throws -> Bool {
        tokens.removeSubrange(openerIndex...)
        var i = pos
        while i + 1 < src.count {
            if src[i] == "{" && src[i + 1] == "%" {
                var j = i + 2
                let strip = at(j) == "-"
                if strip || at(j) == "+" { j += 1 }
                while let s = at(j), Self.isSpace(s) { j += 1 }
                let word = "endraw".unicodeScalars
                if src.count >= j + word.count, src[j..<(j + word.count)].elementsEqual(word) {
                    j += word.count
                    while let s = at(j), Self.isSpace(s) { j += 1 }
                    let endStrip = at(j) == "-"
                    if endStrip || at(j) == "+" { j += 1 }
                    if at(j) == "%" && at(j + 1) == "}" {
                        var body = src[pos..<i]
                        if strip { while let last = body.last, Self.isSpace(last) { body.removeLast() } }
                        emitText(body)
                        line += src[body.endIndex..<i].lazy.filter { $0 == "\n" }.count
                        pos = j + 2
                        return finishTag(strip: endStrip, keep: false, isBlock: true)
                    }
                }
            }
            i += 1
        }
        throw JinjaError.syntax("missing {% endraw %}", line: line)
    }

    private static let twoCharOperators: Set<String> = ["//", "**", "==", "!=", "<=", ">="]
    private static let oneCharOperators: Set<Unicode.Scalar> = ["+", "-", "*", "/", "%", "~", "<", ">", "=", ".", ",", ":",
                                                                "|", "(", ")", "[", "]", "{", "}"]

    private mutating func lexExpressionToken(depth: inout Int) throws {
        let s = src[pos]
        if s == "_" || s.properties.isAlphabetic && s.isASCII {
            let start = pos
            while let c = at(pos), c == "_" || c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c)) { pos += 1 }
            emit(.name(String(String.UnicodeScalarView(src[start..<pos]))))
        } else if ("0"..."9").contains(s) {
            try lexNumber()
        } else if s == "'" || s == "\"" {
            try lexString(quote: s)
        } else {
            if let next = at(pos + 1) {
                var pair = String(s)
                pair.unicodeScalars.append(next)
                if Self.twoCharOperators.contains(pair) {
                    pos += 2
                    emit(.op(pair))
                    return
                }
            }
            guard Self.oneCharOperators.contains(s) else { throw JinjaError.syntax("unexpected character '\(s)'", line: line) }
            pos += 1
            if s == "(" || s == "[" || s == "{" { depth += 1 }
            if s == ")" || s == "]" || s == "}" { depth -= 1 }
            emit(.op(String(s)))
        }
    }

    private mutating func lexNumber() throws {
        let start = pos
        var isFloat = false
        func digits() { while let c = at(pos), ("0"..."9").contains(c) || c == "_" { pos += 1 } }
        digits()
        if at(pos) == ".", let next = at(pos + 1), ("0"..."9").contains(next) {
            isFloat = true
            pos += 1
            digits()
        }
        if let e = at(pos), e == "e" || e == "E" {
            var p = pos + 1
            if at(p) == "+" || at(p) == "-" { p += 1 }
            if let d = at(p), ("0"..."9").contains(d) {
                isFloat = true
                pos = p
                digits()
            }
        }
        let text = String(String.UnicodeScalarView(src[start..<pos])).replacingOccurrences(of: "_", with: "")
        if isFloat, let d = Double(text) {
            emit(.float(d))
        } else if let i = Int(text) {
            emit(.integer(i))
        } else {
            throw JinjaError.syntax("invalid number literal '\(text)'", line: line)
        }
    }

    /// A string literal with Python `unicode-escape` semantics (jinja2 decodes literals that way).
    private mutating func lexString(quote: Unicode.Scalar) throws {
        let startLine = line
        pos += 1
        var out = String.UnicodeScalarView()
        while true {
            guard let c = at(pos) else { throw JinjaError.syntax("unterminated string literal", line: startLine) }
            pos += 1
            if c == quote { break }
            if c == "\n" { line += 1 }
            guard c == "\\", let e = at(pos) else { out.append(c); continue }
            pos += 1
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "\\", "'", "\"": out.append(e)
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "v": out.append("\u{0B}")
            case "\n": line += 1
            case "x", "u", "U":
                let width = e == "x" ? 2 : e == "u" ? 4 : 8
                guard pos + width <= src.count,
                      let value = UInt32(String(String.UnicodeScalarView(src[pos..<(pos + width)])), radix: 16),
                      let scalar = Unicode.Scalar(value)
                else { throw JinjaError.syntax("invalid \\\(e) escape in string literal", line: line) }
                out.append(scalar)
                pos += width
            case "0"..."7":
                var value = e.value - 48
                var count = 1
                while count < 3, let d = at(pos), ("0"..."7").contains(d) { value = value * 8 + d.value - 48; pos += 1; count += 1 }
                out.append(Unicode.Scalar(value) ?? "?")
            default:
                out.append("\\")
                out.append(e)
            }
        }
        emit(.string(String(out)))
    }
}

extension String {
    /// `\r\n` and `\r` become `\n`, as jinja2's lexer normalises newlines.
    func replacingNewlines() -> String {
        guard unicodeScalars.contains("\r") else { return self }
        return replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }
}
