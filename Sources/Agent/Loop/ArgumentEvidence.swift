import Foundation
import Runtime

/// Arguments the user's own words settle, written into a tool's schema before its call grammar is
/// compiled: when a message names some of a parameter's allowed values (its `enum`, the `enum` of
/// its items, or — for a plain string — the quoted options its description lists, at least two),
/// the call must set that parameter and may only use the named values. When a message spells out
/// every word of an optional boolean's or number's name, the call must set it: a boolean to
/// `true` (`include_human_impact` in "… including human impact"), or `false` after a negation
/// ("don't return full text"); a number to a value the model writes ("atmospheric pressure of
/// 1 atm" for `atm_pressure`). A small model leaves out
/// optional arguments the task asks for ("… in Celsius") and picks enum values the task did not
/// name; this leaves it no such choice. On BFCL (simple_python and multiple, 600 questions) the
/// rule narrows or requires 157 parameters; 10 of them against the expected answer (mostly lists
/// the question names only in part).
///
/// ```swift
/// let narrowed = ArgumentEvidence(texts: ["Temperature in Oslo in Celsius?"]).apply(weatherTool)
/// // "unit": {"type": "string", "enum": ["Celsius"]}, and "unit" is now required
/// ```
public struct ArgumentEvidence: Sendable {
    /// The texts as UTF-8, as given and lowercased, and as `ToolRouter.words`: prepared once for
    /// all the tools of a step.
    private let exact: [[UInt8]]
    private let lowered: [[UInt8]]
    private let words: [[String]]

    public init(texts: [String]) {
        exact = texts.map { Array($0.utf8) }
        lowered = texts.map { Array($0.lowercased().utf8) }
        words = texts.map { ToolRouter.words($0) }
    }

    /// `tool` with its top-level parameters narrowed by what the texts name.
    public func apply(_ tool: ToolDefinition) -> ToolDefinition {
        guard !exact.isEmpty, var parameters = tool.parameters.objectValue,
              let properties = parameters["properties"]?.objectValue else { return tool }
        var required = (parameters["required"]?.arrayValue ?? []).compactMap(\.stringValue)
        var narrowed = JSONObject()
        for (key, value) in properties {
            guard var schema = value.objectValue else { narrowed[key] = value; continue }
            if let (values, inItems) = Self.allowedValues(schema) {
                let named = values.filter(mentions)
                if !named.isEmpty {
                    let list = JSONValue.array(named.map(JSONValue.string))
                    if inItems, var items = schema["items"]?.objectValue {
                        items["enum"] = list
                        schema["items"] = .object(items)
                        // Each named value once (a list the task spells out is the whole list).
                        if named.count <= 5, items.keys.allSatisfy(Self.plainItemKeys.contains), schema["minItems"] == nil,
                           schema["maxItems"] == nil, schema["uniqueItems"] == nil {
                            schema["uniqueItems"] = true
                            schema["minItems"] = .int(named.count)
                        }
                    } else {
                        schema["enum"] = list
                    }
                    if !required.contains(key) { required.append(key) }
                }
            } else if !required.contains(key), let type = schema["type"]?.stringValue, let negated = spelledOut(key) {
                if type == "boolean" {
                    schema["const"] = .bool(!negated)
                    required.append(key)
                } else if type == "integer" || type == "number" {
                    required.append(key)
                }
            }
            narrowed[key] = .object(schema)
        }
        parameters["properties"] = .object(narrowed)
        if !required.isEmpty { parameters["required"] = .array(required.map(JSONValue.string)) }
        var result = tool
        result.parameters = .object(parameters)
        return result
    }

    /// Whether a text spells out every word of `key` (but `include`, `use`, …), matched by the
    /// first five letters, and if so whether a negation (`not`, `don't`, `without`, …) is among
    /// the three words before the first of them. Nil when a word is missing.
    func spelledOut(_ key: String) -> Bool? {
        let nameWords = ToolRouter.words(key).filter { !Self.genericNameWords.contains($0) }
        guard !nameWords.isEmpty else { return nil }
        for words in words {
            let positions = nameWords.map { name in words.firstIndex { $0.hasPrefix(String(name.prefix(5))) } }
            guard positions.allSatisfy({ $0 != nil }), let first = positions.compactMap({ $0 }).min() else { continue }
            return words[max(0, first - 3)..<first].contains(where: Self.negations.contains)
        }
        return nil
    }

    /// The string values a parameter allows and whether they are its items' (an array of enum
    /// strings); nil when it lists none.
    static func allowedValues(_ schema: JSONObject) -> (values: [String], inItems: Bool)? {
        if let values = schema["enum"]?.arrayValue {
            let strings = values.compactMap(\.stringValue)
            return strings.isEmpty ? nil : (strings, false)
        }
        if schema["type"]?.stringValue == "array", let values = schema["items"]?["enum"]?.arrayValue {
            let strings = values.compactMap(\.stringValue)
            return strings.isEmpty ? nil : (strings, true)
        }
        guard schema["type"]?.stringValue == "string",
              ["const", "pattern", "format", "minLength", "maxLength"].allSatisfy({ schema[$0] == nil }),
              let description = schema["description"]?.stringValue else { return nil }
        let options = quotedOptions(description)
        return options.count >= 2 ? (options, false) : nil
    }

    /// The distinct texts a description puts in quotes (`'Celsius' or 'Fahrenheit'`): a quote that
    /// opens after a non-word character and closes before one, up to 40 characters, so the
    /// apostrophes of "the user's and the company's" are not a quotation.
    static func quotedOptions(_ description: String) -> [String] {
        let bytes = Array(description.utf8)
        var options: [String] = []
        var i = 0
        while i < bytes.count {
            let quote = bytes[i]
            guard quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\""), i == 0 || !SpanTrie.isWord(bytes[i - 1]) else { i += 1; continue }
            var j = i + 1
            while j < bytes.count, bytes[j] != quote, j - i <= 40 { j += 1 }
            guard j < bytes.count, bytes[j] == quote, j > i + 1, j - i <= 41,
                  j + 1 == bytes.count || !SpanTrie.isWord(bytes[j + 1]) else { i += 1; continue }
            let option = String(decoding: bytes[(i + 1)..<j], as: UTF8.self)
            if !options.contains(option) { options.append(option) }
            i = j + 1
        }
        return options
    }

    /// Whether `value` occurs in one of the texts as whole words, ignoring case unless it is one
    /// or two characters (`"A"` is not the article `a`).
    func mentions(_ value: String) -> Bool {
        let exactCase = value.count <= 2
        let needle = Array((exactCase ? value : value.lowercased()).utf8)
        guard let first = needle.first, let last = needle.last else { return false }
        for text in exactCase ? exact : lowered where text.count >= needle.count {
            for start in 0...(text.count - needle.count) where text[start] == first {
                guard text[start..<(start + needle.count)].elementsEqual(needle) else { continue }
                let end = start + needle.count
                let opensWell = !SpanTrie.isWord(first) || start == 0 || !SpanTrie.isWord(text[start - 1])
                let closesWell = !SpanTrie.isWord(last) || end == text.count || !SpanTrie.isWord(text[end])
                if opensWell && closesWell { return true }
            }
        }
        return false
    }

    /// Keys an enum item schema may have for `uniqueItems` to be compiled (`SchemaGrammarCompiler`
    /// writes out the orders of a few distinct enum values).
    static let plainItemKeys: Set<String> = ["enum", "type", "description", "title", "default", "examples"]

    /// Words (as `ToolRouter.words` gives them) that negate what follows.
    static let negations: Set<String> = ["not", "no", "don", "doesn", "didn", "without", "never", "exclud", "except", "nor"]

    /// Name words that say nothing about the task (`include_`, `use_`, …; `is_` is already one of
    /// `ToolRouter`'s stop words).
    static let genericNameWords: Set<String> = ["include", "use", "get", "show", "return", "should", "flag", "enable"]
}
