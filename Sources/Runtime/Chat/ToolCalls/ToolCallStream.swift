/// Reads a reply in a format's call syntax while it is generated, and says what can be sent
/// already: plain text before the calls, each call's name once it is complete, and its arguments
/// as they grow (the raw JSON text, so the pieces concatenate to the call's arguments).
///
/// Text that may still turn into the call prefix is held back until it is decided. Under the
/// tool grammar (`ToolCallGrammar`) the calls' syntax is guaranteed, so what is sent is what
/// `ToolCallFormat.parse` reads from the whole text at the end; without it, a reply cut short
/// (max tokens) may have sent the start of a call that never completes.
///
/// ```swift
/// var stream = ToolCallStream(format: format)
/// for piece in pieces { for delta in stream.append(piece) { send(delta) } }
/// for delta in stream.finish() { send(delta) }
/// ```
public struct ToolCallStream: Sendable {
    public enum Delta: Sendable, Equatable {
        /// Plain text before the calls.
        case content(String)
        /// Call `index` begins; its name is complete.
        case call(index: Int, name: String)
        /// More of call `index`'s arguments (raw JSON text).
        case arguments(index: Int, String)
    }

    public let format: ToolCallFormat
    /// The request's tools (OpenAI objects): the non-JSON syntaxes read values by their schemas.
    public var tools: [JSONValue] = []
    private var bytes: [UInt8] = []
    private var contentSent = 0
    private var callsSent = 0
    private var argumentsSent: [Int] = []

    public init(format: ToolCallFormat) { self.format = format }

    /// The text so far.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Adds generated text; returns what can be sent now.
    public mutating func append(_ piece: String) -> [Delta] {
        bytes += piece.utf8
        return deltas(final: false)
    }

    /// The end of the reply: held-back text that never became a call is sent.
    public mutating func finish() -> [Delta] { deltas(final: true) }

    private mutating func deltas(final: Bool) -> [Delta] {
        var out: [Delta] = []
        let (contentEnd, region) = split(final: final)
        if contentEnd > contentSent {
            out.append(.content(String(decoding: bytes[contentSent..<contentEnd], as: UTF8.self)))
            contentSent = contentEnd
        }
        guard let region else { return out }
        if format.writesNativeArguments {
            // Arguments not written as JSON: each call is sent whole once it is complete.
            let start = max(0, region - Array(format.prefix.trimmingWhitespace().utf8).count)
            let parsed = format.parse(String(decoding: bytes[start...], as: UTF8.self), tools: tools)
            for (i, call) in parsed.calls.enumerated() where i >= callsSent {
                out.append(.call(index: i, name: call.name))
                out.append(.arguments(index: i, call.arguments.compactText))
                callsSent = i + 1
            }
            return out
        }
        let calls = format.family == .mistralArgs ? Self.argsCalls(bytes, from: region) : Self.objectCalls(bytes, from: region)
        for (i, call) in calls.enumerated() {
            if i >= callsSent {
                out.append(.call(index: i, name: call.name))
                callsSent = i + 1
                argumentsSent.append(call.arguments.lowerBound)
            }
            let end = call.arguments.upperBound
            if let whole = call.decoded {
                // Arguments written as a JSON string (as OpenAI sends them): sent once, decoded.
                if argumentsSent[i] < end {
                    out.append(.arguments(index: i, whole))
                    argumentsSent[i] = end
                }
            } else if end > argumentsSent[i] {
                out.append(.arguments(index: i, String(decoding: bytes[argumentsSent[i]..<end], as: UTF8.self)))
                argumentsSent[i] = end
            }
        }
        return out
    }

    // MARK: where the calls begin

    /// How many bytes are plain text that can be sent, and where the calls begin (nil: not yet,
    /// or never).
    private func split(final: Bool) -> (contentEnd: Int, region: Int?) {
        switch format.family {
        case .llama3, .generic:
            let tag = Array((format.family == .llama3 ? "<|python_tag|>" : "").utf8)
            var j = 0
            while j < bytes.count, Self.isBlank(bytes[j]) { j += 1 }
            if j == bytes.count { return (final ? bytes.count : 0, nil) }
            if !tag.isEmpty, bytes.count - j >= tag.count, Array(bytes[j..<(j + tag.count)]) == tag { return (0, j + tag.count) }
            if bytes[j] == UInt8(ascii: "{") { return (0, j) }
            if !tag.isEmpty, !final, Array(tag.prefix(bytes.count - j)) == Array(bytes[j...]) { return (0, nil) }
            return (bytes.count, nil)
        default:
            let marker = Array(format.prefix.trimmingWhitespace().utf8)
            if let at = Self.find(marker, in: bytes) { return (at, at + marker.count) }
            if final { return (bytes.count, nil) }
            // Hold back a tail that may be the start of the marker.
            var keep = min(marker.count - 1, bytes.count)
            while keep > 0, Array(bytes.suffix(keep)) != Array(marker.prefix(keep)) { keep -= 1 }
            return (bytes.count - keep, nil)
        }
    }

    private static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    private static func find(_ needle: [UInt8], in hay: [UInt8], from start: Int = 0) -> Int? {
        guard !needle.isEmpty, hay.count - start >= needle.count else { return nil }
        for i in start...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }

    // MARK: the calls

    private struct Call {
        var name: String
        /// The arguments' bytes so far: from the value's first byte to its end or the text's end.
        var arguments: Range<Int>
        /// Arguments written as a JSON string: its decoded text (the arguments' JSON).
        var decoded: String?
    }

    private static let argumentKeys: Set<String> = ["arguments", "parameters"]

    /// Calls written as JSON objects `{"name": …, "arguments": {…}}` anywhere in the text from
    /// `start` (one after another, in an array, or wrapped as `{"tool_call": {…}}`). An object's
    /// call starts at its complete `name`; keys inside the arguments are not looked at.
    private static func objectCalls(_ bytes: [UInt8], from start: Int) -> [Call] {
        struct Frame {
            var isObject: Bool
            var key: String?
            var name: String?
            var callIndex: Int?
        }
        var calls: [Call] = []
        var stack: [Frame] = []
        var i = start
        var argumentsDepth: Int?   // stack depth of the arguments value being read, if any
        var argumentsCall = 0
        var expectingKey = false
        while i < bytes.count {
            let b = bytes[i]
            if isBlank(b) || b == UInt8(ascii: ",") || b == UInt8(ascii: ":") {
                if b == UInt8(ascii: ","), stack.last?.isObject == true { expectingKey = true }
                i += 1
                continue
            }
            if b == UInt8(ascii: "\"") {
                // A string: find its end (escapes skipped).
                var j = i + 1
                var closed = false
                while j < bytes.count {
                    if bytes[j] == UInt8(ascii: "\\") { j += 2; continue }
                    if bytes[j] == UInt8(ascii: "\"") { closed = true; break }
                    j += 1
                }
                guard closed else { break }
                if argumentsDepth == nil, let top = stack.indices.last, stack[top].isObject {
                    let text = (try? JSONValue(parsing: Array(bytes[i...j])))?.stringValue ?? ""
                    if expectingKey {
                        stack[top].key = text
                        expectingKey = false
                    } else if stack[top].key == "name", stack[top].name == nil {
                        stack[top].name = text
                    } else if let key = stack[top].key, argumentKeys.contains(key), let name = stack[top].name,
                              stack[top].callIndex == nil {
                        stack[top].callIndex = calls.count
                        calls.append(Call(name: name, arguments: i..<(j + 1), decoded: text))
                    }
                }
                i = j + 1
                continue
            }
            if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
                if argumentsDepth == nil, let top = stack.indices.last, stack[top].isObject,
                   let key = stack[top].key, argumentKeys.contains(key), let name = stack[top].name {
                    if stack[top].callIndex == nil {
                        stack[top].callIndex = calls.count
                        calls.append(Call(name: name, arguments: i..<bytes.count, decoded: nil))
                    }
                    argumentsDepth = stack.count
                    argumentsCall = stack[top].callIndex ?? 0
                }
                stack.append(Frame(isObject: b == UInt8(ascii: "{")))
                expectingKey = b == UInt8(ascii: "{")
                i += 1
                continue
            }
            if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                _ = stack.popLast()
                if let depth = argumentsDepth, stack.count == depth {
                    calls[argumentsCall].arguments = calls[argumentsCall].arguments.lowerBound..<(i + 1)
                    argumentsDepth = nil
                }
                expectingKey = false
                i += 1
                continue
            }
            if stack.isEmpty {
                // Text between calls (a format's suffix or the next prefix): not JSON, skip it.
                i += 1
                continue
            }
            // A number, true, false or null: skip to its end.
            while i < bytes.count, !isBlank(bytes[i]), ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]")].contains(bytes[i]) {
                i += 1
            }
        }
        return calls
    }

    /// Mistral's `name[ARGS]{…}` (or `name[CALL_ID]id[ARGS]{…}`) calls, each after a `[TOOL_CALLS]`.
    private static func argsCalls(_ bytes: [UInt8], from start: Int) -> [Call] {
        let marker = Array("[TOOL_CALLS]".utf8), args = Array("[ARGS]".utf8), id = Array("[CALL_ID]".utf8)
        var calls: [Call] = []
        var at = start
        while at < bytes.count {
            guard let split = find(args, in: bytes, from: at) else { break }
            let header = Array(bytes[at..<split])
            let name = String(decoding: header.prefix(find(id, in: header) ?? header.count), as: UTF8.self).trimmingWhitespace()
            let value = split + args.count
            guard let end = JSONScan.valueEnd(bytes, from: value) else {
                calls.append(Call(name: name, arguments: value..<bytes.count, decoded: nil))
                break
            }
            calls.append(Call(name: name, arguments: value..<end, decoded: nil))
            guard let next = find(marker, in: bytes, from: end) else { break }
            at = next + marker.count
        }
        return calls
    }
}
