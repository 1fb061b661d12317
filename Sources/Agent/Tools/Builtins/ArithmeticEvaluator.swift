import Foundation

/// Why an arithmetic expression could not be evaluated; `position` is 1-based, in characters
/// (Unicode scalars) of the expression, so a model can see where it went wrong.
struct ArithmeticError: Error, Equatable, CustomStringConvertible {
    let message: String
    let position: Int

    var description: String { "\(message) at position \(position)" }
}

/// A safe arithmetic evaluator: a recursive-descent parser that computes as it parses, over
/// `Double`. It never executes code, looks up nothing but its own tables, and bounds both input
/// length and nesting depth, so hostile input ("((((…", "2^2^2^…", "------1") costs at most a few
/// dozen stack frames.
///
/// Precedence, loosest first (as in Python, so `-2^2` is -4 and `2^3^2` is 512):
/// ```
/// sum     := product (('+' | '-') product)*
/// product := unary (('*' | '/' | '%') unary)*
/// unary   := ('-' | '+') unary | power
/// power   := primary (('^' | '**') unary)?
/// primary := number | constant | function '(' sum (',' sum)* ')' | '(' sum ')'
/// ```
struct ArithmeticEvaluator {
    static let maxLength = 1000
    static let maxDepth = 64

    /// Evaluates `expression`; every failure (syntax, unknown name, division by zero, a
    /// non-finite result) is an `ArithmeticError` with the position it concerns.
    static func evaluate(_ expression: String) throws(ArithmeticError) -> Double {
        let scalars = Array(expression.unicodeScalars)
        guard scalars.count <= maxLength else {
            throw ArithmeticError(message: "expression is longer than \(maxLength) characters", position: maxLength + 1)
        }
        var evaluator = ArithmeticEvaluator(tokens: try ArithmeticLexer.tokens(scalars))
        let value = try evaluator.sum(depth: 0)
        let rest = evaluator.current
        guard rest.kind == .end else {
            throw ArithmeticError(message: "unexpected \(rest.kind.text)", position: rest.position)
        }
        return value
    }

    private let tokens: [ArithmeticToken]
    private var index = 0

    private init(tokens: [ArithmeticToken]) { self.tokens = tokens }

    // The lexer always ends the list with `.end`, and `advance` never moves past it.
    private var current: ArithmeticToken { tokens[min(index, tokens.count - 1)] }

    private mutating func advance() { if index < tokens.count - 1 { index += 1 } }

    private func checkDepth(_ depth: Int) throws(ArithmeticError) {
        guard depth <= Self.maxDepth else {
            throw ArithmeticError(message: "expression nests deeper than \(Self.maxDepth) levels", position: current.position)
        }
    }

    private mutating func sum(depth: Int) throws(ArithmeticError) -> Double {
        var value = try product(depth: depth)
        while case .symbol(let op) = current.kind, op == "+" || op == "-" {
            let position = current.position
            advance()
            let rhs = try product(depth: depth)
            value = try finite(op == "+" ? value + rhs : value - rhs, "'\(op)'", position)
        }
        return value
    }

    private mutating func product(depth: Int) throws(ArithmeticError) -> Double {
        var value = try unary(depth: depth)
        while case .symbol(let op) = current.kind, op == "*" || op == "/" || op == "%" {
            let position = current.position
            advance()
            let rhs = try unary(depth: depth)
            switch op {
            case "*":
                value = try finite(value * rhs, "'*'", position)
            default:
                guard rhs != 0 else { throw ArithmeticError(message: "division by zero", position: position) }
                value = try finite(op == "/" ? value / rhs : Self.flooredRemainder(value, rhs), "'\(op)'", position)
            }
        }
        return value
    }

    private mutating func unary(depth: Int) throws(ArithmeticError) -> Double {
        try checkDepth(depth)
        if case .symbol(let op) = current.kind, op == "-" || op == "+" {
            advance()
            let operand = try unary(depth: depth + 1)
            return op == "-" ? -operand : operand
        }
        return try power(depth: depth)
    }

    private mutating func power(depth: Int) throws(ArithmeticError) -> Double {
        let base = try primary(depth: depth)
        guard case .symbol(let op) = current.kind, op == "^" || op == "**" else { return base }
        let position = current.position
        advance()
        let exponent = try unary(depth: depth + 1)
        if base == 0 && exponent < 0 { throw ArithmeticError(message: "division by zero (0 to a negative power)", position: position) }
        return try finite(Foundation.pow(base, exponent), "'^'", position)
    }

    private mutating func primary(depth: Int) throws(ArithmeticError) -> Double {
        let token = current
        switch token.kind {
        case .number(let value):
            advance()
            return value
        case .symbol("("):
            advance()
            let value = try sum(depth: depth + 1)
            try expect(")", opening: token.position)
            return value
        case .name(let name):
            advance()
            return try named(name, at: token.position, depth: depth)
        case .end:
            throw ArithmeticError(message: "expression ends where a number was expected", position: token.position)
        default:
            throw ArithmeticError(message: "expected a number, name or '(' but found \(token.kind.text)", position: token.position)
        }
    }

    private mutating func named(_ name: String, at position: Int, depth: Int) throws(ArithmeticError) -> Double {
        if let constant = ArithmeticFunctions.constants[name] {
            return constant
        }
        guard let function = ArithmeticFunctions.table[name] else {
            throw ArithmeticError(message: "unknown name '\(name)' (known: \(ArithmeticFunctions.knownNames))", position: position)
        }
        guard case .symbol("(") = current.kind else {
            throw ArithmeticError(message: "'\(name)' is a function; write \(name)(…)", position: current.position)
        }
        let opening = current.position
        advance()
        var arguments = [try sum(depth: depth + 1)]
        while case .symbol(",") = current.kind {
            advance()
            arguments.append(try sum(depth: depth + 1))
        }
        try expect(")", opening: opening)
        guard function.arity.contains(arguments.count) else {
            throw ArithmeticError(message: "\(name) takes \(function.arityText), got \(arguments.count)", position: position)
        }
        let value = try function.apply(arguments, name, position)
        return try finite(value, "\(name)(…)", position)
    }

    private mutating func expect(_ symbol: String, opening: Int) throws(ArithmeticError) {
        guard case .symbol(symbol) = current.kind else {
            let found = current.kind == .end ? "the end" : current.kind.text
            throw ArithmeticError(message: "expected '\(symbol)' to close the '(' at position \(opening), found \(found)",
                                  position: current.position)
        }
        advance()
    }

    private func finite(_ value: Double, _ operation: String, _ position: Int) throws(ArithmeticError) -> Double {
        if value.isNaN {
            throw ArithmeticError(message: "result of \(operation) is undefined (not a real number)", position: position)
        }
        if value.isInfinite {
            throw ArithmeticError(message: "result of \(operation) is infinite (out of range)", position: position)
        }
        return value
    }

    /// Python's `%`: the result takes the divisor's sign (`-7 % 3 == 2`), which is what people
    /// who write "a mod b" usually mean, unlike C's `fmod`.
    static func flooredRemainder(_ a: Double, _ b: Double) -> Double {
        var r = fmod(a, b)
        if r != 0 && (r < 0) != (b < 0) { r += b }
        return r
    }
}

/// The functions and constants an expression may name (lower case; names are case-insensitive).
enum ArithmeticFunctions {
    struct Function: Sendable {
        let arity: ClosedRange<Int>
        let apply: @Sendable ([Double], String, Int) throws(ArithmeticError) -> Double

        var arityText: String {
            if arity.lowerBound == arity.upperBound { return arity.lowerBound == 1 ? "1 argument" : "\(arity.lowerBound) arguments" }
            if arity.upperBound == Int.max { return "at least \(arity.lowerBound) argument\(arity.lowerBound == 1 ? "" : "s")" }
            return "\(arity.lowerBound) to \(arity.upperBound) arguments"
        }

        static func unary(_ f: @escaping @Sendable (Double) -> Double) -> Function {
            Function(arity: 1...1) { args, _, _ in f(args[0]) }
        }
    }

    static let constants: [String: Double] = ["pi": Double.pi, "e": M_E]

    static let table: [String: Function] = [
        "sqrt": .unary { $0.squareRoot() },
        "abs": .unary { Swift.abs($0) },
        "floor": .unary { $0.rounded(.down) },
        "ceil": .unary { $0.rounded(.up) },
        "sin": .unary { Foundation.sin($0) },
        "cos": .unary { Foundation.cos($0) },
        "tan": .unary { Foundation.tan($0) },
        "ln": .unary { Foundation.log($0) },
        "exp": .unary { Foundation.exp($0) },
        "round": Function(arity: 1...2) { args, name, position throws(ArithmeticError) in
            try round(args, name, position)
        },
        // log(x) is base 10 as on a pocket calculator; ln(x) is the natural logarithm.
        "log": Function(arity: 1...2) { args, _, _ in
            args.count == 1 ? Foundation.log10(args[0]) : Foundation.log(args[0]) / Foundation.log(args[1])
        },
        "pow": Function(arity: 2...2) { args, _, _ in Foundation.pow(args[0], args[1]) },
        "min": Function(arity: 1...Int.max) { args, _, _ in args.min() ?? .nan },
        "max": Function(arity: 1...Int.max) { args, _, _ in args.max() ?? .nan },
    ]

    static let knownNames = (table.keys.sorted().map { "\($0)()" } + constants.keys.sorted()).joined(separator: ", ")

    /// round(x) or round(x, digits): halves round away from zero (2.5 → 3), as people expect from
    /// a calculator, not to even as Python's `round` does.
    private static func round(_ args: [Double], _ name: String, _ position: Int) throws(ArithmeticError) -> Double {
        guard args.count == 2 else { return args[0].rounded(.toNearestOrAwayFromZero) }
        guard args[1].rounded() == args[1], Swift.abs(args[1]) <= 15 else {
            throw ArithmeticError(message: "\(name): digits must be a whole number from -15 to 15", position: position)
        }
        // Divide by 100 rather than multiply by 0.01 for negative digits: 0.01 is inexact in
        // binary, 100 is exact, so round(1234, -2) comes out as exactly 1200.
        let scale = Foundation.pow(10, args[1].magnitude)
        if args[1] < 0 { return (args[0] / scale).rounded(.toNearestOrAwayFromZero) * scale }
        return (args[0] * scale).rounded(.toNearestOrAwayFromZero) / scale
    }
}
