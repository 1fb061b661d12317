import Runtime

extension CallConfidence {
    /// Per-call confidence from the tokens of a reply whose calls are `calls` (in order): finds
    /// each call's name string in the reply's bytes, sums the grammar log-probabilities of the
    /// tokens that wrote it (up to its closing quote, where the name is decided), and summarises
    /// the tokens from there to the next call's name as its arguments.
    static func measure(tokens: [GeneratedToken], calls: [ToolCall], family: ToolCallFormat.Family) -> [CallConfidence] {
        var bytes: [UInt8] = []
        var starts: [Int] = []   // starts[i]: offset of token i's first byte
        for token in tokens {
            starts.append(bytes.count)
            bytes += token.bytes
        }
        // Where each call's name is written: [start, end) of the name bytes, end past its closing delimiter.
        var spans: [Range<Int>] = []
        var from = 0
        for call in calls {
            let name = Array(call.name.utf8)
            let range: Range<Int>?
            switch family {
            case .mistralArgs:
                range = find(name + Array("[ARGS]".utf8), in: bytes, from: from).map { $0.lowerBound..<($0.lowerBound + name.count + 1) }
            case .qwenXML, .pythonic, .gemma4:
                // The name between its opening and closing marks (`<function=` `>`, `(`, `call:` `{`).
                let open = Array((family == .qwenXML ? "<function=" : family == .gemma4 ? "call:" : "").utf8)
                let close = Array((family == .qwenXML ? ">" : family == .gemma4 ? "{" : "(").utf8)
                range = find(open + name + close, in: bytes, from: from).map {
                    ($0.lowerBound + open.count)..<($0.lowerBound + open.count + name.count + close.count)
                }
            default:
                range = findNameValue(name, in: bytes, from: from)
            }
            guard let range else { return [] }
            spans.append(range)
            from = range.upperBound
        }
        var result: [CallConfidence] = []
        for (i, span) in spans.enumerated() {
            let argumentsEnd = i + 1 < spans.count ? spans[i + 1].lowerBound : bytes.count
            var name: Float = 0
            var minimum: Float = 0
            var sum: Float = 0
            var choices = 0
            for (t, token) in tokens.enumerated() where !token.bytes.isEmpty {
                let tokenRange = starts[t]..<(starts[t] + token.bytes.count)
                if tokenRange.overlaps(span) {
                    name += token.grammarLogprob
                } else if tokenRange.lowerBound >= span.upperBound && tokenRange.lowerBound < argumentsEnd {
                    minimum = min(minimum, token.grammarLogprob)
                    if token.allowedCount > 1 {
                        sum += token.grammarLogprob
                        choices += 1
                    }
                }
            }
            result.append(CallConfidence(nameLogprob: name, minArgumentLogprob: minimum,
                                         meanArgumentLogprob: choices > 0 ? sum / Float(choices) : 0, argumentChoices: choices))
        }
        return result
    }

    /// The bytes of `"name"`'s string value `name` after `"name":` (blanks allowed), with its closing quote.
    private static func findNameValue(_ name: [UInt8], in bytes: [UInt8], from: Int) -> Range<Int>? {
        let key = Array(#""name""#.utf8)
        var start = from
        while let keyRange = find(key, in: bytes, from: start) {
            var i = keyRange.upperBound
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x09 { i += 1 }
            if i < bytes.count, bytes[i] == UInt8(ascii: ":") {
                i += 1
                while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x09 { i += 1 }
                if i < bytes.count, bytes[i] == UInt8(ascii: "\""), i + 1 + name.count < bytes.count,
                   Array(bytes[(i + 1)..<(i + 1 + name.count)]) == name, bytes[i + 1 + name.count] == UInt8(ascii: "\"") {
                    return (i + 1)..<(i + 2 + name.count)
                }
            }
            start = keyRange.upperBound
        }
        return nil
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8], from: Int) -> Range<Int>? {
        guard !needle.isEmpty, bytes.count >= needle.count, from <= bytes.count - needle.count else { return nil }
        for i in from...(bytes.count - needle.count) where bytes[i] == needle[0] {
            if bytes[i..<(i + needle.count)].elementsEqual(needle) { return i..<(i + needle.count) }
        }
        return nil
    }
}
