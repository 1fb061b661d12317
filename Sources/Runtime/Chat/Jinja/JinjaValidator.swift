/// Compile-time checks jinja2 performs: every filter and test used must exist, except inside an `if`
/// (its condition and body) or a conditional expression, where jinja2 defers the error to the moment the
/// filter runs ("soft" frames; a `for`, macro or block inside them is strict again).
enum JinjaValidator {
    static func validate(_ nodes: [JinjaNode], soft: Bool = false) throws {
        for node in nodes { try validate(node, soft: soft) }
    }

    static func validate(_ node: JinjaNode, soft: Bool) throws {
        switch node {
        case .text, .breakLoop, .continueLoop: break
        case .output(let e, let line): try validate(e, line, soft)
        case .ifBlock(let branches, let otherwise):
            for branch in branches {
                try validate(branch.condition, 0, true)
                try validate(branch.body, soft: true)
            }
            try validate(otherwise, soft: true)
        case .forLoop(let loop):
            try validate(loop.iterable, loop.line, soft)
            if let condition = loop.condition { try validate(condition, loop.line, false) }
            try validate(loop.body)
            try validate(loop.otherwise)
        case .set(_, let e, let line): try validate(e, line, soft)
        case .setBlock(_, let filters, let body):
            try validate(filters, 0, soft)
            try validate(body)
        case .macro(let macro):
            for parameter in macro.parameters { if let d = parameter.defaultValue { try validate(d, 0, false) } }
            try validate(macro.body)
        case .callBlock(let call, let caller, let line):
            try validate(call, line, soft)
            try validate(caller.body)
        case .filterBlock(let filters, let body, let line):
            try validate(filters, line, soft)
            try validate(body)
        }
    }

    private static func validate(_ filters: [JinjaFilterCall], _ line: Int, _ soft: Bool) throws {
        for filter in filters {
            if !soft && !JinjaRenderer.filterNames.contains(filter.name) {
                throw JinjaError(.syntax, "no filter named '\(filter.name)'", line: line > 0 ? line : nil)
            }
            try validate(filter.args, line, soft)
        }
    }

    private static func validate(_ args: JinjaCallArgs, _ line: Int, _ soft: Bool) throws {
        for e in args.positional { try validate(e, line, soft) }
        for k in args.keywords { try validate(k.value, line, soft) }
    }

    private static func validate(_ expr: JinjaExpr, _ line: Int, _ soft: Bool) throws {
        switch expr {
        case .constant, .name: break
        case .list(let items), .tuple(let items): for e in items { try validate(e, line, soft) }
        case .dict(let pairs):
            for p in pairs {
                try validate(p.key, line, soft)
                try validate(p.value, line, soft)
            }
        case .attribute(let e, _), .not(let e), .negate(let e), .plus(let e): try validate(e, line, soft)
        case .item(let a, let b), .and(let a, let b), .or(let a, let b), .binary(_, let a, let b):
            try validate(a, line, soft)
            try validate(b, line, soft)
        case .slice(let e, let a, let b, let c):
            try validate(e, line, soft)
            for part in [a, b, c] { if let part { try validate(part, line, soft) } }
        case .call(let e, let args):
            try validate(e, line, soft)
            try validate(args, line, soft)
        case .filter(let e, let name, let args):
            try validate(e, line, soft)
            try validate([JinjaFilterCall(name: name, args: args)], line, soft)
        case .test(let e, let name, let args, _):
            if !soft && !JinjaRenderer.testNames.contains(name) {
                throw JinjaError(.syntax, "no test named '\(name)'", line: line > 0 ? line : nil)
            }
            try validate(e, line, soft)
            try validate(args, line, soft)
        case .compare(let e, let comparisons):
            try validate(e, line, soft)
            for c in comparisons { try validate(c.operand, line, soft) }
        case .conditional(let a, let b, let c):
            try validate(a, line, true)
            try validate(b, line, true)
            if let c { try validate(c, line, true) }
        }
    }
}
