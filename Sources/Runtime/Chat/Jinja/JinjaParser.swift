/// Recursive-descent parser for the template statements (jinja2's grammar, minus inheritance and
/// includes, which would reach outside the template).
struct JinjaParser {
    var tokens: [JinjaToken]
    var index = 0
    /// Nesting of expressions and blocks, bounded so a hostile template cannot overflow the stack.
    var depth = 0
    static let maxDepth = 100

    init(tokens: [JinjaToken]) {
        self.tokens = tokens
    }

    static func parse(_ source: String) throws -> [JinjaNode] {
        var parser = JinjaParser(tokens: try JinjaLexer.tokenize(source))
        let (nodes, end) = try parser.parseBody(until: [])
        if let end { throw JinjaError.syntax("unexpected '\(end)' tag", line: parser.current.line) }
        return nodes
    }

    var current: JinjaToken { tokens[index] }

    mutating func advance() -> JinjaToken {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    func fail(_ message: String) -> JinjaError { JinjaError.syntax(message, line: current.line) }

    func isName(_ name: String) -> Bool { current.kind == .name(name) }
    func isOp(_ op: String) -> Bool { current.kind == .op(op) }

    mutating func skipName(_ name: String) -> Bool {
        guard isName(name) else { return false }
        _ = advance()
        return true
    }

    mutating func skipOp(_ op: String) -> Bool {
        guard isOp(op) else { return false }
        _ = advance()
        return true
    }

    mutating func expectOp(_ op: String) throws {
        guard skipOp(op) else { throw fail("expected '\(op)', found \(describe(current))") }
    }

    mutating func expectName() throws -> String {
        guard case .name(let name) = current.kind else { throw fail("expected a name, found \(describe(current))") }
        _ = advance()
        return name
    }

    mutating func expectBlockEnd() throws {
        guard current.kind == .blockEnd else { throw fail("expected end of statement block, found \(describe(current))") }
        _ = advance()
    }

    func describe(_ token: JinjaToken) -> String {
        switch token.kind {
        case .text: "text"
        case .variableBegin: "'{{'"
        case .variableEnd: "'}}'"
        case .blockBegin: "'{%'"
        case .blockEnd: "'%}'"
        case .name(let n): "'\(n)'"
        case .string(let s): "string '\(s)'"
        case .integer(let i): "\(i)"
        case .float(let d): "\(d)"
        case .op(let o): "'\(o)'"
        case .end: "end of template"
        }
    }

    mutating func enter() throws {
        depth += 1
        if depth > Self.maxDepth { throw JinjaError(.limit, "template nesting deeper than \(Self.maxDepth)", line: current.line) }
    }

    /// Parses nodes until a block tag named in `until` (whose name is consumed and returned) or the end.
    mutating func parseBody(until: Set<String>) throws -> ([JinjaNode], String?) {
        try enter()
        defer { depth -= 1 }
        var nodes: [JinjaNode] = []
        while true {
            let token = advance()
            switch token.kind {
            case .end:
                if !until.isEmpty {
                    throw JinjaError.syntax("missing end tag, expected one of: \(until.sorted().joined(separator: ", "))", line: token.line)
                }
                return (nodes, nil)
            case .text(let text):
                nodes.append(.text(text))
            case .variableBegin:
                let expr = try parseTuple()
                guard current.kind == .variableEnd else { throw fail("expected '}}', found \(describe(current))") }
                _ = advance()
                nodes.append(.output(expr, line: token.line))
            case .blockBegin:
                guard case .name(let tag) = current.kind else { throw fail("expected a statement name") }
                if until.contains(tag) {
                    _ = advance()
                    return (nodes, tag)
                }
                nodes += try parseStatement()
            default:
                throw JinjaError.syntax("unexpected \(describe(token))", line: token.line)
            }
        }
    }

    mutating func parseStatement() throws -> [JinjaNode] {
        let line = current.line
        let tag = try expectName()
        switch tag {
        case "if": return [try parseIf()]
        case "for": return [try parseFor(line: line)]
        case "set": return [try parseSet(line: line)]
        case "macro": return [try parseMacro()]
        case "call": return [try parseCallBlock(line: line)]
        case "filter":
            let filters = try parseFilterChain()
            try expectBlockEnd()
            let (body, _) = try parseBody(until: ["endfilter"])
            try expectBlockEnd()
            return [.filterBlock(filters, body: body, line: line)]
        case "generation":
            try expectBlockEnd()
            let (body, _) = try parseBody(until: ["endgeneration"])
            try expectBlockEnd()
            return body
        case "break", "continue":
            try expectBlockEnd()
            return [tag == "break" ? .breakLoop : .continueLoop]
        case "include", "import", "from", "extends", "block":
            throw JinjaError.syntax("'\(tag)' is not available: templates cannot load other templates", line: line)
        default:
            throw JinjaError.syntax("unknown tag '\(tag)'", line: line)
        }
    }

    mutating func parseIf() throws -> JinjaNode {
        var branches: [(condition: JinjaExpr, body: [JinjaNode])] = []
        var condition = try parseTuple()
        while true {
            try expectBlockEnd()
            let (body, end) = try parseBody(until: ["elif", "else", "endif"])
            branches.append((condition, body))
            switch end {
            case "elif":
                condition = try parseTuple()
            case "else":
                try expectBlockEnd()
                let (otherwise, _) = try parseBody(until: ["endif"])
                try expectBlockEnd()
                return .ifBlock(branches: branches, otherwise: otherwise)
            default:
                try expectBlockEnd()
                return .ifBlock(branches: branches, otherwise: [])
            }
        }
    }

    mutating func parseTargetNames() throws -> ([String], Bool) {
        var names = [try expectName()]
        var unpacks = false
        while skipOp(",") {
            unpacks = true
            guard case .name = current.kind, !isName("in") else { break }
            names.append(try expectName())
        }
        return (names, unpacks)
    }

    mutating func parseFor(line: Int) throws -> JinjaNode {
        let parenthesized = skipOp("(")
        let (targets, unpacks) = try parseTargetNames()
        if parenthesized { try expectOp(")") }
        guard skipName("in") else { throw fail("expected 'in' in for loop") }
        let iterable = try parseTuple(allowConditional: false)
        let condition = skipName("if") ? try parseExpression() : nil
        if skipName("recursive") { throw fail("recursive for loops are not supported") }
        try expectBlockEnd()
        let (body, end) = try parseBody(until: ["else", "endfor"])
        var otherwise: [JinjaNode] = []
        if end == "else" {
            try expectBlockEnd()
            (otherwise, _) = try parseBody(until: ["endfor"])
        }
        try expectBlockEnd()
        return .forLoop(JinjaForLoop(targets: targets, unpacks: unpacks || parenthesized && targets.count > 1,
                                     iterable: iterable, condition: condition, body: body, otherwise: otherwise, line: line))
    }

    mutating func parseSet(line: Int) throws -> JinjaNode {
        let first = try expectName()
        let target: JinjaSetTarget
        if skipOp(".") {
            target = .attribute(first, try expectName())
        } else if isOp(",") {
            index -= 1
            let (names, _) = try parseTargetNames()
            target = .names(names, unpacks: true)
        } else {
            target = .names([first], unpacks: false)
        }
        if skipOp("=") {
            let value = try parseTuple()
            try expectBlockEnd()
            return .set(target, value, line: line)
        }
        let filters = skipOp("|") ? try parseFilterChain() : []
        try expectBlockEnd()
        let (body, _) = try parseBody(until: ["endset"])
        try expectBlockEnd()
        return .setBlock(target, filters: filters, body: body)
    }

    mutating func parseFilterChain() throws -> [JinjaFilterCall] {
        var filters: [JinjaFilterCall] = []
        repeat {
            let name = try parseDottedName()
            let args = isOp("(") ? try parseCallArgs() : JinjaCallArgs()
            filters.append(JinjaFilterCall(name: name, args: args))
        } while skipOp("|")
        return filters
    }

    mutating func parseMacroSignature(name: String) throws -> [(name: String, defaultValue: JinjaExpr?)] {
        var parameters: [(name: String, defaultValue: JinjaExpr?)] = []
        try expectOp("(")
        while !skipOp(")") {
            if !parameters.isEmpty { try expectOp(",") }
            if skipOp(")") { break }
            let param = try expectName()
            let value = skipOp("=") ? try parseExpression() : nil
            if value == nil, parameters.last?.defaultValue != nil {
                throw fail("non-default argument '\(param)' follows default argument in macro '\(name)'")
            }
            parameters.append((param, value))
        }
        return parameters
    }

    mutating func parseMacro() throws -> JinjaNode {
        let name = try expectName()
        let parameters = try parseMacroSignature(name: name)
        try expectBlockEnd()
        let (body, _) = try parseBody(until: ["endmacro"])
        _ = skipName(name)
        try expectBlockEnd()
        return .macro(JinjaMacro(name: name, parameters: parameters, body: body))
    }

    mutating func parseCallBlock(line: Int) throws -> JinjaNode {
        let parameters = isOp("(") ? try parseMacroSignature(name: "caller") : []
        let call = try parseExpression()
        guard case .call = call else { throw fail("expected a call after 'call'") }
        try expectBlockEnd()
        let (body, _) = try parseBody(until: ["endcall"])
        try expectBlockEnd()
        return .callBlock(call: call, caller: JinjaMacro(name: "caller", parameters: parameters, body: body), line: line)
    }
}
