/// Expressions, with jinja2's precedence: conditional < or < and < not < comparison < `+ -` < `~`
/// < `* / // %` < `**` < unary `- +` < primary with postfix (`.x`, `[i]`, `(…)`) and `|filter`, `is test`.
extension JinjaParser {
    /// An expression, or several separated by commas (a tuple), as allowed in `{{ }}`, `set` and `for`.
    mutating func parseTuple(allowConditional: Bool = true) throws -> JinjaExpr {
        let first = allowConditional ? try parseExpression() : try parseOr()
        guard isOp(",") else { return first }
        var items = [first]
        while skipOp(",") {
            if current.kind == .blockEnd || current.kind == .variableEnd || isOp(")") || isName("if") { break }
            items.append(allowConditional ? try parseExpression() : try parseOr())
        }
        return .tuple(items)
    }

    mutating func parseExpression() throws -> JinjaExpr {
        try enter()
        defer { depth -= 1 }
        var expr = try parseOr()
        while skipName("if") {
            let condition = try parseOr()
            let otherwise = skipName("else") ? try parseExpression() : nil
            expr = .conditional(then: expr, condition: condition, otherwise: otherwise)
        }
        return expr
    }

    mutating func parseOr() throws -> JinjaExpr {
        var left = try parseAnd()
        while skipName("or") { left = .or(left, try parseAnd()) }
        return left
    }

    mutating func parseAnd() throws -> JinjaExpr {
        var left = try parseNot()
        while skipName("and") { left = .and(left, try parseNot()) }
        return left
    }

    mutating func parseNot() throws -> JinjaExpr {
        if skipName("not") {
            try enter()
            defer { depth -= 1 }
            return .not(try parseNot())
        }
        return try parseCompare()
    }

    mutating func parseCompare() throws -> JinjaExpr {
        let left = try parseAdditive()
        var comparisons: [JinjaComparison] = []
        while true {
            if case .op(let op) = current.kind, ["==", "!=", "<", "<=", ">", ">="].contains(op) {
                _ = advance()
                comparisons.append(JinjaComparison(op: op, operand: try parseAdditive()))
            } else if skipName("in") {
                comparisons.append(JinjaComparison(op: "in", operand: try parseAdditive()))
            } else if isName("not"), index + 1 < tokens.count, tokens[index + 1].kind == .name("in") {
                index += 2
                comparisons.append(JinjaComparison(op: "notin", operand: try parseAdditive()))
            } else {
                break
            }
        }
        return comparisons.isEmpty ? left : .compare(left, comparisons)
    }

    mutating func parseAdditive() throws -> JinjaExpr {
        var left = try parseConcat()
        while true {
            if skipOp("+") {
                left = .binary(.add, left, try parseConcat())
            } else if skipOp("-") {
                left = .binary(.subtract, left, try parseConcat())
            } else {
                return left
            }
        }
    }

    mutating func parseConcat() throws -> JinjaExpr {
        var left = try parseMultiplicative()
        while skipOp("~") { left = .binary(.concat, left, try parseMultiplicative()) }
        return left
    }

    mutating func parseMultiplicative() throws -> JinjaExpr {
        var left = try parsePower()
        while case .op(let op) = current.kind, let binary = ["*": JinjaBinaryOp.multiply, "/": .divide, "//": .floorDivide, "%": .modulo][op] {
            _ = advance()
            left = .binary(binary, left, try parsePower())
        }
        return left
    }

    mutating func parsePower() throws -> JinjaExpr {
        var left = try parseUnary(withFilters: true)
        while skipOp("**") { left = .binary(.power, left, try parseUnary(withFilters: true)) }
        return left
    }

    mutating func parseUnary(withFilters: Bool) throws -> JinjaExpr {
        try enter()
        defer { depth -= 1 }
        var expr: JinjaExpr
        if skipOp("-") {
            expr = .negate(try parseUnary(withFilters: false))
        } else if skipOp("+") {
            expr = .plus(try parseUnary(withFilters: false))
        } else {
            expr = try parsePostfix(try parsePrimary())
        }
        guard withFilters else { return expr }
        while true {
            if skipOp("|") {
                let name = try parseDottedName()
                let args = isOp("(") ? try parseCallArgs() : JinjaCallArgs()
                expr = .filter(expr, name: name, args)
            } else if skipName("is") {
                expr = try parseTest(expr)
            } else if isOp("(") {
                expr = .call(expr, try parseCallArgs())
            } else {
                return expr
            }
        }
    }

    mutating func parseDottedName() throws -> String {
        var name = try expectName()
        while skipOp(".") { name += "." + (try expectName()) }
        return name
    }

    mutating func parseTest(_ subject: JinjaExpr) throws -> JinjaExpr {
        let negated = skipName("not")
        let name = try parseDottedName()
        var args = JinjaCallArgs()
        if isOp("(") {
            args = try parseCallArgs()
        } else {
            switch current.kind {
            case .name(let n) where !["else", "or", "and"].contains(n):
                if n == "is" { throw fail("you cannot chain multiple tests with is") }
                args.positional = [try parsePostfix(try parsePrimary())]
            case .string, .integer, .float, .op("["), .op("{"):
                args.positional = [try parsePostfix(try parsePrimary())]
            default:
                break
            }
        }
        return .test(subject, name: name, args, negated: negated)
    }

    mutating func parsePrimary() throws -> JinjaExpr {
        let token = advance()
        switch token.kind {
        case .name(let name):
            switch name {
            case "true", "True": return .constant(.bool(true))
            case "false", "False": return .constant(.bool(false))
            case "none", "None": return .constant(.none)
            default: return .name(name)
            }
        case .string(var text):
            while case .string(let more) = current.kind {
                text += more
                _ = advance()
            }
            return .constant(.string(text))
        case .integer(let i): return .constant(.int(i))
        case .float(let d): return .constant(.double(d))
        case .op("("):
            if skipOp(")") { return .tuple([]) }
            let expr = try parseTuple()
            try expectOp(")")
            return expr
        case .op("["):
            var items: [JinjaExpr] = []
            while !skipOp("]") {
                if !items.isEmpty { try expectOp(",") }
                if skipOp("]") { break }
                items.append(try parseExpression())
            }
            return .list(items)
        case .op("{"):
            var pairs: [JinjaPair] = []
            while !skipOp("}") {
                if !pairs.isEmpty { try expectOp(",") }
                if skipOp("}") { break }
                let key = try parseExpression()
                try expectOp(":")
                pairs.append(JinjaPair(key: key, value: try parseExpression()))
            }
            return .dict(pairs)
        default:
            throw JinjaError.syntax("unexpected \(describe(token))", line: token.line)
        }
    }

    mutating func parsePostfix(_ base: JinjaExpr) throws -> JinjaExpr {
        var expr = base
        while true {
            if skipOp(".") {
                switch advance().kind {
                case .name(let name): expr = .attribute(expr, name)
                case .integer(let i): expr = .item(expr, .constant(.int(i)))
                default: throw fail("expected an attribute name after '.'")
                }
            } else if skipOp("[") {
                expr = try parseSubscript(expr)
            } else if isOp("(") {
                expr = .call(expr, try parseCallArgs())
            } else {
                return expr
            }
        }
    }

    mutating func parseSubscript(_ base: JinjaExpr) throws -> JinjaExpr {
        var parts: [JinjaExpr?] = [nil]
        var isSlice = false
        while !skipOp("]") {
            if skipOp(":") {
                isSlice = true
                parts.append(nil)
                if parts.count > 3 { throw fail("too many ':' in slice") }
            } else {
                guard parts[parts.count - 1] == nil else { throw fail("expected ']' or ':' in subscript") }
                parts[parts.count - 1] = try parseExpression()
            }
        }
        if !isSlice {
            guard let key = parts[0] else { throw fail("empty subscript") }
            return .item(base, key)
        }
        while parts.count < 3 { parts.append(nil) }
        return .slice(base, start: parts[0], stop: parts[1], step: parts[2])
    }

    mutating func parseCallArgs() throws -> JinjaCallArgs {
        try expectOp("(")
        var args = JinjaCallArgs()
        var first = true
        while !skipOp(")") {
            if !first { try expectOp(",") }
            first = false
            if skipOp(")") { break }
            if case .name(let name) = current.kind, index + 1 < tokens.count, tokens[index + 1].kind == .op("=") {
                index += 2
                args.keywords.append((name, try parseExpression()))
            } else {
                if !args.keywords.isEmpty { throw fail("positional argument after keyword argument") }
                args.positional.append(try parseExpression())
            }
        }
        return args
    }
}
