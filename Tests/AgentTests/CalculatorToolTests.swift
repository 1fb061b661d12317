import Foundation
import Runtime
import Testing
import TestSupport

@testable import Agent

@Suite struct CalculatorToolTests {
    /// Runs the tool and returns the parsed result, or the ToolError it threw.
    private func calculate(_ expression: String) async -> Result<JSONValue, ToolError> {
        do {
            let text = try await CalculatorTool().call(arguments: ["expression": .string(expression)])
            guard let result = try? JSONValue(parsing: text)["result"] else { return .failure(ToolError(.failed, "no result in \(text)")) }
            return .success(result)
        } catch {
            return .failure(error)
        }
    }

    private func error(_ expression: String) async -> ToolError? {
        if case .failure(let error) = await calculate(expression) { return error }
        return nil
    }

    /// Expressions whose value Python computes independently (with `^` spelled `**`, and the
    /// calculator's functions mapped onto `math` and `decimal`).
    static let oracleExpressions = [
        "1 + 2 * 3", "(1 + 2) * 3", "2 ^ 10", "2 ** 0.5", "-2 ^ 2", "2 ^ -1", "2 ^ 3 ^ 2", "(-2) ^ 3",
        "-7 % 3", "7 % -3", "7.5 % 2", "-7.5 % -2", "10 / 4", "1e3 + 2.5e-2", "1E+2 * 3", ".5 + 5.",
        "sqrt(2)", "abs(-3.5)", "floor(-2.5)", "ceil(-2.5)", "sin(pi / 6)", "cos(pi)", "tan(1)", "ln(e)",
        "log(1000)", "log(8, 2)", "exp(1.5)", "min(3, -1, 2)", "max(3, -1, 2)", "pow(2, 0.5)",
        "round(2.567, 2)", "round(-1234.5678, -2)", "round(-2.7)", "3 - -2", "- - 3", "-(-(-(4)))",
        "1 - 2 - 3", "2 * 3 / 4 * 5", "100 / 7 % 3", "sqrt(16) + abs(-4) * 2 ^ 3", "0.1 + 0.2", "1 / 3",
        "2 ^ 64", "1e300 * 1e8", "exp(-1000)", "sin(1)^2 + cos(1)^2", "12345678 * 87654321",
        "(((1.5)))*((2))", "max(1, min(2, 3), 2.5) - 0.5", "3 % 1.25 ^ 2", "\t1 +  2 ",
    ]

    static let pythonOracle = """
        import json, math, sys
        from decimal import Decimal, ROUND_HALF_UP
        def rnd(x, n=0):
            return float(Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-int(n)), rounding=ROUND_HALF_UP))
        ns = {"sqrt": math.sqrt, "abs": abs, "floor": math.floor, "ceil": math.ceil, "sin": math.sin,
              "cos": math.cos, "tan": math.tan, "ln": math.log, "exp": math.exp, "min": min, "max": max,
              "pow": math.pow, "round": rnd, "pi": math.pi, "e": math.e,
              "log": lambda x, b=None: math.log10(x) if b is None else math.log(x) / math.log(b)}
        out = [float(eval(e.replace("^", "**"), {"__builtins__": {}}, ns)) for e in json.load(sys.stdin)]
        print(json.dumps(out))
        """

    @Test func agreesWithPython() async throws {
        let input = JSONValue.array(Self.oracleExpressions.map { .string($0) }).compactText
        let run = try Subprocess.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", Self.pythonOracle],
                                     stdin: Data(input.utf8))
        #expect(run.status == 0, "python3 failed: \(run.stderr)")
        let expected = try #require(try JSONValue(parsing: run.text).arrayValue)
        #expect(expected.count == Self.oracleExpressions.count)
        for (expression, oracle) in zip(Self.oracleExpressions, expected) {
            let want = try #require(oracle.doubleValue)
            guard case .success(let got) = await calculate(expression), let value = got.doubleValue else {
                Issue.record("'\(expression)' failed: \(await calculate(expression))")
                continue
            }
            let tolerance = max(abs(want) * 1e-13, 1e-15)
            #expect(abs(value - want) <= tolerance, "'\(expression)': \(value), Python says \(want)")
        }
    }

    @Test func integralResultsPrintAsIntegers() async throws {
        let tool = CalculatorTool()
        #expect(try await tool.call(arguments: ["expression": "6 * 7"]) == #"{"result":42}"#)
        #expect(try await tool.call(arguments: ["expression": "10 / 4"]) == #"{"result":2.5}"#)
        #expect(try await tool.call(arguments: ["expression": "1e3"]) == #"{"result":1000}"#)
        #expect(try await tool.call(arguments: ["expression": "-0 * 5"]) == #"{"result":0}"#)
        #expect(try await tool.call(arguments: ["expression": "2^53"]) == #"{"result":9007199254740992}"#)
        // Past 2^53 a Double no longer holds every integer, so the value stays a float.
        #expect(try await tool.call(arguments: ["expression": "2^60"]) == #"{"result":1.152921504606847e+18}"#)
    }

    @Test func handDerivedValues() async {
        // Halves round away from zero, unlike Python's round-half-to-even.
        #expect(await calculate("round(2.5)") == .success(3))
        #expect(await calculate("round(-2.5)") == .success(-3))
        #expect(await calculate("round(1234, -2)") == .success(1200))
        #expect(await calculate("PI - pi") == .success(0))
        #expect(await calculate("Sqrt(81) ** 2") == .success(81))
        #expect(await calculate("2^3^2") == .success(512))
        #expect(await calculate("-2^2") == .success(-4))
        #expect(await calculate("min(4)") == .success(4))
        #expect(await calculate("pow(0, 0)") == .success(1))
        #expect(await calculate("\t1\n+\r2 ") == .success(3))
    }

    @Test func errorsSayWhatAndWhere() async {
        let cases: [(String, String)] = [
            ("1 / 0", "division by zero at position 3"),
            ("5 % (2 - 2)", "division by zero at position 3"),
            ("0 ^ -1", "division by zero (0 to a negative power) at position 3"),
            ("sqrt(-1)", "result of sqrt(…) is undefined (not a real number) at position 1"),
            ("(-8) ^ (1/3)", "result of '^' is undefined (not a real number) at position 6"),
            ("10 ^ 400", "result of '^' is infinite (out of range) at position 4"),
            ("1e308 * 10", "result of '*' is infinite (out of range) at position 7"),
            ("1e400", "number '1e400' is out of range at position 1"),
            ("ln(0)", "result of ln(…) is infinite (out of range) at position 1"),
            ("2 +", "expression ends where a number was expected at position 4"),
            ("", "expression ends where a number was expected at position 1"),
            ("(1 + 2", "expected ')' to close the '(' at position 1, found the end at position 7"),
            ("1 + 2)", "unexpected ')' at position 6"),
            ("2pi", "a name cannot follow a number directly; write * to multiply at position 2"),
            ("foo(1)", "unknown name 'foo'"),
            ("sqrt 4", "'sqrt' is a function; write sqrt(…) at position 6"),
            ("sqrt(1, 2)", "sqrt takes 1 argument, got 2 at position 1"),
            ("pow(2)", "pow takes 2 arguments, got 1 at position 1"),
            ("max()", "expected a number, name or '(' but found ')' at position 5"),
            ("round(2.5, 0.5)", "round: digits must be a whole number from -15 to 15 at position 1"),
            ("1..2", "a number has a second '.' at position 3"),
            ("1 $ 2", "unexpected character '$' at position 3"),
            ("__import__('os')", "unexpected character ''' at position 12"),
            ("1 * * 2", "expected a number, name or '(' but found '*' at position 5"),
            ("3 ÷ 4", "unexpected character U+F7 at position 3"),
        ]
        for (expression, message) in cases {
            let failure = await error(expression)
            #expect(failure?.kind == .invalidArguments, "'\(expression)'")
            #expect(failure?.message.hasPrefix("calculator: " + message) == true, "'\(expression)': \(String(describing: failure))")
        }
    }

    @Test func nestingAndLengthAreBounded() async {
        let depth = ArithmeticEvaluator.maxDepth
        let deepest = String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth)
        #expect(await calculate(deepest) == .success(1))
        let tooDeep = "(" + deepest + ")"
        #expect(await error(tooDeep)?.message.contains("nests deeper than \(depth) levels") == true)
        // Each of these would recurse once per character in a naive parser.
        for hostile in [String(repeating: "(", count: 999), String(repeating: "-", count: 999) + "1",
                        String(repeating: "2^", count: 450) + "2", String(repeating: "sqrt(", count: 199) + "1"] {
            #expect(await error(hostile)?.message.contains("nests deeper") == true, "\(hostile.prefix(12))…")
        }
        let long = Array(repeating: "1", count: 501).joined(separator: "+")
        #expect(await error(long)?.message == "calculator: expression is longer than 1000 characters at position 1001")
        let longest = Array(repeating: "1", count: 500).joined(separator: "+") + " "
        #expect(await calculate(longest) == .success(500))
    }

    @Test func argumentsAreChecked() async {
        let tool = CalculatorTool()
        for bad: JSONValue in [[:], ["expression": 5], ["expression": "1", "extra": true], "1 + 1"] {
            do {
                let text = try await tool.call(arguments: bad)
                Issue.record("\(bad.compactText) was accepted: \(text)")
            } catch {
                #expect(error.kind == .invalidArguments, "\(bad.compactText)")
            }
        }
    }
}
