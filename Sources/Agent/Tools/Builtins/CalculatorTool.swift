import Runtime

/// `calculator`: evaluates an arithmetic expression with `ArithmeticEvaluator` (no code runs).
/// Small models are poor at arithmetic; this gives them exact answers for the common cases.
///
/// ```swift
/// try await CalculatorTool().call(arguments: ["expression": "2 * (3 + 4)"])   // {"result":14}
/// ```
public struct CalculatorTool: Tool {
    public let definition = ToolDefinition(
        name: "calculator",
        description: "Evaluates an arithmetic expression and returns {\"result\": number}. "
            + "Supports + - * / % (remainder) and ^ or ** (power), parentheses, unary minus, "
            + "the functions sqrt, abs, round(x[, digits]), floor, ceil, sin, cos, tan (radians), "
            + "log(x[, base]) (base 10 by default), ln, exp, min, max, pow(x, y), and the constants pi and e.",
        parameters: [
            "type": "object",
            "properties": [
                "expression": [
                    "type": "string",
                    "description": "The expression, e.g. \"(3 + 4) * 2^10 / sqrt(2)\".",
                    // Only what an expression can hold: a model that meant to close the string
                    // cannot run on inside it with braces or words of prose punctuation. (The length
                    // limit is the evaluator's: a maxLength here makes every mask count characters.)
                    "pattern": "^[0-9a-z.,+*/%^() -]+$",
                ],
            ],
            "required": ["expression"],
            "additionalProperties": false,
        ])

    public init() {}

    public func call(arguments: JSONValue) async throws(ToolError) -> String {
        let args = try ToolArguments(arguments, tool: definition.name, allowed: ["expression"])
        let expression = try args.requiredString("expression")
        let value: Double
        do {
            value = try ArithmeticEvaluator.evaluate(expression)
        } catch {
            throw ToolError(.invalidArguments, "calculator: \(error)")
        }
        return JSONValue.members([("result", Self.number(value))]).compactText
    }

    /// Integer-valued results print as integers (`4`, not `4.0`) when a Double holds them
    /// exactly (|x| ≤ 2^53); larger or fractional values keep the shortest round-trip form.
    static func number(_ value: Double) -> JSONValue {
        if value.rounded() == value, value.magnitude <= 9_007_199_254_740_992, let exact = Int(exactly: value) {
            return .int(exact)
        }
        return .double(value)
    }
}
