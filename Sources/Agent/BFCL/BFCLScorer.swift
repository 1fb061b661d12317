import Runtime

/// BFCL's AST check for the simple, multiple and irrelevance categories, written from the rules
/// the leaderboard documents and applies:
///
/// - simple and multiple: exactly one call; its name is the ground truth's function (compared
///   exactly, dots included); every parameter the function's schema requires is present; every
///   given parameter is declared by the schema and named by the ground truth; each value has the
///   declared type (an integer is fine where a float is declared, a float is not where an integer
///   is, nothing converts from strings) and equals one of the allowed values; a parameter left
///   out must have `""` among its allowed values.
/// - irrelevance: passes when no call is made.
///
/// Values compare as BFCL compares them: strings after `standardize` (case, spaces and a few
/// punctuation marks do not count), numbers by value (`2` equals `2.0`), arrays element by element
/// in order, objects key by key against the allowed values for each key, recursively.
///
/// Deliberate differences from BFCL's Python checker, at edges its data barely reaches: types are
/// checked at every depth (BFCL checks one level into arrays), so an integer is accepted for a
/// float inside arrays too; strings are standardized at every depth; a value whose type differs
/// from the schema's but matches the ground truth's (BFCL's "variable" case, e.g. `true` for a
/// string in simple_python_307) fails, as no schema-constrained generator can produce it; `true`
/// never equals `1` (Python's `True == 1`).
///
/// ```swift
/// var result = BFCLScorer.score(question, calls: parsed.calls)
/// result.latencyMs = elapsed
/// summary.add(result)
/// ```
public enum BFCLScorer {
    /// Scores the calls a model made for one question.
    public static func score(_ question: BFCLQuestion, calls: [ToolCall]) -> BFCLResult {
        let valid = !calls.isEmpty && calls.allSatisfy { isValid($0, in: question) }
        func result(_ reason: String?) -> BFCLResult {
            BFCLResult(id: question.id, category: question.category, passed: reason == nil, reason: reason,
                       callCount: calls.count, validCall: valid)
        }
        guard question.category != .irrelevance else {
            return result(calls.isEmpty ? nil : "made \(calls.count) call(s) to \(calls.map { "'\($0.name)'" }.joined(separator: ", ")) when no function fits the question")
        }
        guard let expected = question.expected else { return result("no ground truth for '\(question.id)'") }
        guard let function = question.function(named: expected.name) else {
            return result("the ground truth names '\(expected.name)', which the question does not offer")
        }
        guard calls.count == 1 else {
            return result(calls.isEmpty ? "no call made" : "expected 1 call, got \(calls.count)")
        }
        return result(check(calls[0], against: expected, function: function))
    }

    /// Checks one call against the expected call to `function`: nil when it passes, otherwise
    /// why it fails (the first failure, in BFCL's order: name, required parameters, each given
    /// parameter in the call's order, omitted parameters).
    public static func check(_ call: ToolCall, against expected: BFCLExpectedCall, function: BFCLFunction) -> String? {
        guard call.name == expected.name else {
            return "wrong function name: expected '\(expected.name)', got '\(call.name)'"
        }
        guard let arguments = call.arguments.objectValue else {
            return "arguments are not a JSON object: \(call.arguments.compactText)"
        }
        for parameter in function.requiredParameters where arguments[parameter] == nil {
            return "missing required parameter '\(parameter)'"
        }
        let properties = function.parameters["properties"]?.objectValue ?? JSONObject()
        for (parameter, value) in arguments {
            guard let schema = properties[parameter] else { return "unknown parameter '\(parameter)'" }
            guard let allowed = expected.allowed[parameter] else {
                return "unexpected parameter '\(parameter)' (the ground truth does not use it)"
            }
            if let mismatch = typeMismatch(value, schema: schema, path: parameter) { return mismatch }
            let alternatives = allowed.arrayValue ?? [allowed]
            guard alternatives.contains(where: { matches(value, allowed: $0) }) else {
                return "value of '\(parameter)' not allowed: \(value.compactText); allowed: \(JSONValue.array(alternatives).compactText)"
            }
        }
        for (parameter, allowed) in expected.allowed where arguments[parameter] == nil && !canOmit(allowed) {
            return "missing parameter '\(parameter)': the ground truth requires one of \(allowed.compactText)"
        }
        return nil
    }

    /// Whether a call names one of the question's functions with arguments its JSON Schema accepts.
    static func isValid(_ call: ToolCall, in question: BFCLQuestion) -> Bool {
        guard let function = question.function(named: call.name) else { return false }
        return JSONSchemaValidator(root: function.tool.parameters).validate(call.arguments) == .valid
    }

    /// An allowed-values list with `""` marks a parameter (or dictionary key) that may be left out.
    static func canOmit(_ allowed: JSONValue) -> Bool {
        (allowed.arrayValue ?? [allowed]).contains("")
    }
}

/// The outcome for one question. The caller fills `latencyMs` and the token counts.
public struct BFCLResult: Sendable, Equatable {
    public var id: String
    public var category: BFCLCategory
    public var passed: Bool
    /// Why it failed; nil when it passed.
    public var reason: String?
    /// How many calls the model made.
    public var callCount: Int
    /// At least one call, and every call names an offered function with arguments its JSON Schema
    /// accepts (well-formed, whether or not the answer is right).
    public var validCall: Bool
    public var latencyMs: Double
    public var tokensIn: Int
    public var tokensOut: Int
    /// Forward passes after the prompt's (see `ProposedStep.decodeSteps`).
    public var decodeSteps = 0
    /// Seconds from the first generated token to the last (`ProposedStep.decodeSeconds`).
    public var decodeSeconds = 0.0

    public init(id: String, category: BFCLCategory, passed: Bool, reason: String?, callCount: Int, validCall: Bool,
                latencyMs: Double = 0, tokensIn: Int = 0, tokensOut: Int = 0) {
        self.id = id
        self.category = category
        self.passed = passed
        self.reason = reason
        self.callCount = callCount
        self.validCall = validCall
        self.latencyMs = latencyMs
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
    }

    /// One line of a per-question report: `{"id", "category", "passed", "reason"?, "calls", ...}`.
    public var jsonObject: JSONValue {
        var object = JSONObject([
            ("id", .string(id)), ("category", .string(category.rawValue)), ("passed", .bool(passed)),
        ])
        if let reason { object["reason"] = .string(reason) }
        object["calls"] = .int(callCount)
        object["valid_call"] = .bool(validCall)
        object["latency_ms"] = .double(latencyMs)
        object["tokens_in"] = .int(tokensIn)
        object["tokens_out"] = .int(tokensOut)
        object["decode_steps"] = .int(decodeSteps)
        return .object(object)
    }
}
