/// jinja2's built-in tests (`is defined`, `is string`, …) with its Python type rules: `true is number`
/// holds (bool is an int), `undefined is iterable` holds (it iterates as empty).
extension JinjaRenderer {
    static let testNames: Set<String> = [
        "defined", "undefined", "none", "boolean", "false", "true", "integer", "float", "number", "string",
        "mapping", "iterable", "sequence", "callable", "sameas", "escaped", "lower", "upper", "even", "odd",
        "divisibleby", "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan",
        ">", "ge", ">=", "in", "filter", "test",
    ]

    func applyTest(_ name: String, _ original: JinjaValue, _ args: JinjaArguments) throws -> Bool {
        let value = original.unmarked
        let argument = args.positional.first ?? .undefined("test argument")
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": return value.isNone
        case "boolean": if case .bool = value { return true } else { return false }
        case "false": if case .bool(false) = value { return true } else { return false }
        case "true": if case .bool(true) = value { return true } else { return false }
        case "integer": if case .int = value { return true } else { return false }
        case "float": return value.isDouble
        case "number": return value.number != nil
        case "string": return value.isString
        case "mapping": if case .dict = value { return true } else { return false }
        case "iterable":
            switch value {
            case .undefined, .string, .list, .tuple, .dict: return true
            default: return false
            }
        case "sequence":
            switch value {
            case .undefined, .string, .list, .tuple, .dict: return true
            default: return false
            }
        case "callable": if case .function = value { return true } else { return false }
        case "sameas":
            switch (value, argument) {
            case (.none, .none): return true
            case (.bool(let a), .bool(let b)): return a == b
            case (.namespace(let a), .namespace(let b)): return a === b
            default: return false
            }
        case "escaped": if case .markup = original { return true } else { return false }
        case "lower": return value.pythonString.lowercased() == value.pythonString
        case "upper": return value.pythonString.uppercased() == value.pythonString
        case "even", "odd", "divisibleby":
            guard let i = value.integer else { throw operandError("%", value, nil) }
            if name == "even" { return i % 2 == 0 }
            if name == "odd" { return i % 2 != 0 }
            guard let d = argument.integer, d != 0 else { throw JinjaError.type("divisibleby needs a non-zero integer") }
            return i % d == 0
        case "eq", "equalto", "==": return try compare("==", value, argument)
        case "ne", "!=": return try compare("!=", value, argument)
        case "lt", "lessthan", "<": return try compare("<", value, argument)
        case "le", "<=": return try compare("<=", value, argument)
        case "gt", "greaterthan", ">": return try compare(">", value, argument)
        case "ge", ">=": return try compare(">=", value, argument)
        case "in": return try contains(argument, value)
        case "filter": return Self.filterNames.contains(value.pythonString)
        case "test": return Self.testNames.contains(value.pythonString)
        default: throw JinjaError(.syntax, "no test named '\(name)'", line: currentLine)
        }
    }
}
