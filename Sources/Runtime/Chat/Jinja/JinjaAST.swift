/// A parsed expression.
indirect enum JinjaExpr: Sendable {
    case constant(JinjaConstant)
    case name(String)
    case list([JinjaExpr])
    case tuple([JinjaExpr])
    case dict([JinjaPair])
    case attribute(JinjaExpr, String)
    case item(JinjaExpr, JinjaExpr)
    case slice(JinjaExpr, start: JinjaExpr?, stop: JinjaExpr?, step: JinjaExpr?)
    case call(JinjaExpr, JinjaCallArgs)
    case filter(JinjaExpr, name: String, JinjaCallArgs)
    case test(JinjaExpr, name: String, JinjaCallArgs, negated: Bool)
    case not(JinjaExpr)
    case negate(JinjaExpr)
    case plus(JinjaExpr)
    case binary(JinjaBinaryOp, JinjaExpr, JinjaExpr)
    case and(JinjaExpr, JinjaExpr)
    case or(JinjaExpr, JinjaExpr)
    case compare(JinjaExpr, [JinjaComparison])
    case conditional(then: JinjaExpr, condition: JinjaExpr, otherwise: JinjaExpr?)
}

enum JinjaConstant: Sendable {
    case none, bool(Bool), int(Int), double(Double), string(String)
}

struct JinjaPair: Sendable {
    let key: JinjaExpr
    let value: JinjaExpr
}

struct JinjaComparison: Sendable {
    let op: String  // ==, !=, <, <=, >, >=, in, notin
    let operand: JinjaExpr
}

enum JinjaBinaryOp: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", floorDivide = "//", modulo = "%"
    case power = "**", concat = "~"
}

struct JinjaCallArgs: Sendable {
    var positional: [JinjaExpr] = []
    var keywords: [(name: String, value: JinjaExpr)] = []
}

/// A parsed statement or piece of output.
indirect enum JinjaNode: Sendable {
    case text(String)
    case output(JinjaExpr, line: Int)
    case ifBlock(branches: [(condition: JinjaExpr, body: [JinjaNode])], otherwise: [JinjaNode])
    case forLoop(JinjaForLoop)
    case set(JinjaSetTarget, JinjaExpr, line: Int)
    case setBlock(JinjaSetTarget, filters: [JinjaFilterCall], body: [JinjaNode])
    case macro(JinjaMacro)
    case callBlock(call: JinjaExpr, caller: JinjaMacro, line: Int)
    case filterBlock([JinjaFilterCall], body: [JinjaNode], line: Int)
    case breakLoop
    case continueLoop
}

struct JinjaForLoop: Sendable {
    let targets: [String]
    let unpacks: Bool
    let iterable: JinjaExpr
    let condition: JinjaExpr?
    let body: [JinjaNode]
    let otherwise: [JinjaNode]
    let line: Int
}

enum JinjaSetTarget: Sendable {
    case names([String], unpacks: Bool)
    case attribute(String, String)
}

struct JinjaFilterCall: Sendable {
    let name: String
    let args: JinjaCallArgs
}

struct JinjaMacro: Sendable {
    let name: String
    let parameters: [(name: String, defaultValue: JinjaExpr?)]
    let body: [JinjaNode]
}
