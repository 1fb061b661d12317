import Runtime

/// A built-in tool's arguments, read defensively: arguments from a local model fit the schema by
/// construction, but a remote model or an API caller may send anything, and a wrong type must be
/// a clear `invalidArguments` error, never a crash or a silently ignored key.
struct ToolArguments {
    let tool: String
    let object: JSONObject

    /// Checks that `value` is an object whose keys are all in `allowed` (the schemas say
    /// `additionalProperties: false`; a misspelt key would otherwise be dropped without a word).
    init(_ value: JSONValue, tool: String, allowed: [String]) throws(ToolError) {
        self.tool = tool
        guard let object = value.objectValue else {
            throw ToolError(.invalidArguments, "\(tool): arguments must be a JSON object, got \(value.compactText)")
        }
        for key in object.keys where !allowed.contains(key) {
            throw ToolError(.invalidArguments,
                            "\(tool): unknown argument '\(key)' (allowed: \(allowed.joined(separator: ", ")))")
        }
        self.object = object
    }

    /// A string argument; nil when absent or null.
    func string(_ key: String) throws(ToolError) -> String? {
        guard let value = object[key], value != .null else { return nil }
        guard let text = value.stringValue else {
            throw ToolError(.invalidArguments, "\(tool): '\(key)' must be a string, got \(value.compactText)")
        }
        return text
    }

    func requiredString(_ key: String) throws(ToolError) -> String {
        guard let text = try string(key) else {
            throw ToolError(.invalidArguments, "\(tool): missing required argument '\(key)'")
        }
        return text
    }

    /// An integer argument within `range`; nil when absent or null.
    func integer(_ key: String, in range: ClosedRange<Int>) throws(ToolError) -> Int? {
        guard let value = object[key], value != .null else { return nil }
        guard let number = value.intValue else {
            throw ToolError(.invalidArguments, "\(tool): '\(key)' must be an integer, got \(value.compactText)")
        }
        guard range.contains(number) else {
            throw ToolError(.invalidArguments,
                            "\(tool): '\(key)' must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
        }
        return number
    }
}

extension JSONValue {
    /// `{"key": value, …}` in the given order, for results whose member order the model reads.
    static func members(_ members: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(members)) }
}
