import Foundation

/// Expression evaluation with Python semantics.
extension JinjaRenderer {
    func evaluate(_ args: JinjaCallArgs) throws -> JinjaArguments {
        JinjaArguments(positional: try args.positional.map { try evaluate($0) },
                       keywords: try args.keywords.map { ($0.name, try evaluate($0.value)) })
    }

    func evaluate(_ expr: JinjaExpr) throws -> JinjaValue {
        switch expr {
        case .constant(let c):
            switch c {
            case .none: return .none
            case .bool(let b): return .bool(b)
            case .int(let i): return .int(i)
            case .double(let d): return .double(d)
            case .string(let s): return .string(s)
            }
        case .name(let name):
            return lookup(name)
        case .list(let items):
            return .list(try items.map { try evaluate($0) })
        case .tuple(let items):
            return .tuple(try items.map { try evaluate($0) })
        case .dict(let pairs):
            var dict = JinjaDict()
            for pair in pairs { dict[try evaluate(pair.key)] = try evaluate(pair.value) }
            return .dict(dict)
        case .attribute(let base, let name):
            return try attribute(of: try evaluate(base), name)
        case .item(let base, let key):
            return try item(of: try evaluate(base), try evaluate(key))
        case .slice(let base, let start, let stop, let stepExpr):
            return try slice(try evaluate(base), start: try start.map { try evaluate($0) },
                             stop: try stop.map { try evaluate($0) }, step: try stepExpr.map { try evaluate($0) })
        case .call(let callee, let args):
            let function = try evaluate(callee)
            let arguments = try evaluate(args)
            switch function {
            case .function(let f): return try f.body(arguments, self)
            case .undefined(let name): throw JinjaError.undefined("'\(name)' is undefined")
            default: throw JinjaError.type("'\(function.typeName)' object is not callable")
            }
        case .filter(let base, let name, let args):
            return try applyFilter(name, try evaluate(base), try evaluate(args))
        case .test(let base, let name, let args, let negated):
            return .bool(try applyTest(name, try evaluate(base), try evaluate(args)) != negated)
        case .not(let e):
            return .bool(!(try evaluate(e).isTruthy))
        case .negate(let e):
            let v = try evaluate(e)
            switch v {
            case .int(let i) where i != Int.min: return .int(-i)
            case .bool(let b): return .int(b ? -1 : 0)
            case .double(let d): return .double(-d)
            default: throw operandError("unary -", v, nil)
            }
        case .plus(let e):
            let v = try evaluate(e)
            guard v.number != nil else { throw operandError("unary +", v, nil) }
            return v
        case .and(let l, let r):
            let left = try evaluate(l)
            return left.isTruthy ? try evaluate(r) : left
        case .or(let l, let r):
            let left = try evaluate(l)
            return left.isTruthy ? left : try evaluate(r)
        case .binary(let op, let l, let r):
            return try binary(op, try evaluate(l), try evaluate(r))
        case .compare(let first, let comparisons):
            var left = try evaluate(first)
            for comparison in comparisons {
                let right = try evaluate(comparison.operand)
                guard try compare(comparison.op, left, right) else { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .conditional(let then, let condition, let otherwise):
            if try evaluate(condition).isTruthy { return try evaluate(then) }
            return try otherwise.map { try evaluate($0) } ?? .undefined("conditional expression")
        }
    }

    func operandError(_ op: String, _ left: JinjaValue, _ right: JinjaValue?) -> JinjaError {
        if case .undefined(let name) = left { return JinjaError.undefined("'\(name)' is undefined") }
        if case .undefined(let name) = right { return JinjaError.undefined("'\(name)' is undefined") }
        let types = right.map { "'\(left.typeName)' and '\($0.typeName)'" } ?? "'\(left.typeName)'"
        return JinjaError.type("unsupported operand type(s) for \(op): \(types)")
    }

    func compare(_ op: String, _ left: JinjaValue, _ right: JinjaValue) throws -> Bool {
        switch op {
        case "==": return left.pythonEquals(right)
        case "!=": return !left.pythonEquals(right)
        case "<": return try ordered(left, right) { try $0.pythonLess($1) }
        case ">": return try ordered(left, right) { try $1.pythonLess($0) }
        case "<=": return try ordered(left, right) { try !$1.pythonLess($0) }
        case ">=": return try ordered(left, right) { try !$0.pythonLess($1) }
        case "in": return try contains(right, left)
        default: return try !contains(right, left)
        }
    }

    private func ordered(_ l: JinjaValue, _ r: JinjaValue, _ body: (JinjaValue, JinjaValue) throws -> Bool) throws -> Bool {
        if l.isUndefined || r.isUndefined { throw operandError("comparison", l, r) }
        return try body(l, r)
    }

    /// Python `needle in container`.
    func contains(_ container: JinjaValue, _ needle: JinjaValue) throws -> Bool {
        switch container.unmarked {
        case .string(let s):
            guard case .string(let n) = needle.unmarked else {
                throw JinjaError.type("'in <string>' requires string as left operand, not \(needle.typeName)")
            }
            return n.isEmpty || s.unicodeScalars.firstRange(of: n.unicodeScalars) != nil
        case .list(let a), .tuple(let a), .generator(let a): return a.contains { $0.pythonEquals(needle) }
        case .dict(let d): return d[needle] != nil
        case .undefined: return false
        case .namespace(let n): return n.attributes[needle] != nil
        default: throw JinjaError.type("argument of type '\(container.typeName)' is not iterable")
        }
    }

    func binary(_ op: JinjaBinaryOp, _ l: JinjaValue, _ r: JinjaValue) throws -> JinjaValue {
        switch (op, l, r) {
        case (.add, .markup(let a), .markup(let b)):
            return .markup(a + b)
        case (.add, .markup(let a), .string(let b)):
            return .markup(a + Self.htmlEscape(b))
        case (.add, .string(let a), .markup(let b)):
            return .markup(Self.htmlEscape(a) + b)
        default:
            break
        }
        let l = l.unmarked, r = r.unmarked
        if op == .concat {
            let text = l.pythonString + r.pythonString
            try checkSize(text.utf8.count)
            return .string(text)
        }
        switch (op, l, r) {
        case (.add, .string(let a), .string(let b)):
            try checkSize(a.utf8.count + b.utf8.count)
            return .string(a + b)
        case (.add, .list(let a), .list(let b)):
            try checkSize(a.count + b.count)
            return .list(a + b)
        case (.add, .tuple(let a), .tuple(let b)):
            return .tuple(a + b)
        case (.multiply, .string(let s), _), (.multiply, _, .string(let s)):
            guard let count = (l.integer != nil ? l.integer : r.integer), !(l.isString && r.isString) else {
                throw operandError("*", l, r)
            }
            try checkSize(s.utf8.count * max(0, min(count, limits.maxOutputBytes + 1)))
            return .string(String(repeating: s, count: max(0, count)))
        case (.multiply, .list(let a), _), (.multiply, _, .list(let a)):
            guard let count = l.integer ?? r.integer else { throw operandError("*", l, r) }
            try checkSize(a.count * max(0, min(count, limits.maxOutputBytes + 1)))
            return .list(Array([[JinjaValue]](repeating: a, count: max(0, count)).joined()))
        default:
            return try arithmetic(op, l, r)
        }
    }

    private func arithmetic(_ op: JinjaBinaryOp, _ l: JinjaValue, _ r: JinjaValue) throws -> JinjaValue {
        if let a = l.integer, let b = r.integer, !(l.isDouble || r.isDouble) {
            let overflow = JinjaError.limit("integer overflow in \(op.rawValue)")
            switch op {
            case .add:
                let (v, o) = a.addingReportingOverflow(b)
                if o { throw overflow }
                return .int(v)
            case .subtract:
                let (v, o) = a.subtractingReportingOverflow(b)
                if o { throw overflow }
                return .int(v)
            case .multiply:
                let (v, o) = a.multipliedReportingOverflow(by: b)
                if o { throw overflow }
                return .int(v)
            case .divide:
                if b == 0 { throw JinjaError.type("division by zero") }
                return .double(Double(a) / Double(b))
            case .floorDivide, .modulo:
                if b == 0 { throw JinjaError.type("integer division or modulo by zero") }
                if a == Int.min && b == -1 { throw overflow }
                var q = a / b
                if (a % b != 0) && ((a < 0) != (b < 0)) { q -= 1 }
                return op == .floorDivide ? .int(q) : .int(a - q * b)
            case .power:
                if b < 0 { return .double(Foundation.pow(Double(a), Double(b))) }
                // Square-and-multiply with overflow checks (Python has big ints; we stop at 64 bits).
                var result = 1, base = a, exponent = b
                while exponent > 0 {
                    if exponent & 1 == 1 {
                        let (v, o) = result.multipliedReportingOverflow(by: base)
                        if o { throw overflow }
                        result = v
                    }
                    exponent >>= 1
                    if exponent > 0 {
                        let (v, o) = base.multipliedReportingOverflow(by: base)
                        if o { throw overflow }
                        base = v
                    }
                }
                return .int(result)
            case .concat:
                break
            }
        }
        guard let a = l.number, let b = r.number else { throw operandError(op.rawValue, l, r) }
        switch op {
        case .add: return .double(a + b)
        case .subtract: return .double(a - b)
        case .multiply: return .double(a * b)
        case .divide:
            if b == 0 { throw JinjaError.type("float division by zero") }
            return .double(a / b)
        case .floorDivide:
            if b == 0 { throw JinjaError.type("float floor division by zero") }
            return .double((a / b).rounded(.down))
        case .modulo:
            if b == 0 { throw JinjaError.type("float modulo") }
            let m = a.truncatingRemainder(dividingBy: b)
            return .double(m != 0 && (m < 0) != (b < 0) ? m + b : m)
        case .power: return .double(Foundation.pow(a, b))
        case .concat: return .string(l.pythonString + r.pythonString)
        }
    }

    /// `value.name`: jinja2 tries the attribute first, then the item; private names are refused.
    func attribute(of value: JinjaValue, _ name: String) throws -> JinjaValue {
        if name.hasPrefix("_") {
            throw JinjaError.security("access to attribute '\(name)' of '\(value.typeName)' object is unsafe")
        }
        if let method = try boundMethod(value, name) { return method }
        switch value {
        case .undefined(let base): throw JinjaError.undefined("'\(base)' is undefined")
        case .dict(let d): return d[name] ?? .undefined("\(value.typeName) object has no attribute '\(name)'")
        case .namespace(let n): return n.attributes[name] ?? .undefined(name)
        case .loop(let l): return l.attribute(name) ?? .undefined("loop.\(name)")
        default: return .undefined("'\(value.typeName)' object has no attribute '\(name)'")
        }
    }

    /// `value[key]`: jinja2 tries the item first, then the attribute.
    func item(of value: JinjaValue, _ key: JinjaValue) throws -> JinjaValue {
        let value = value.unmarked
        switch (value, key) {
        case (.undefined(let base), _):
            throw JinjaError.undefined("'\(base)' is undefined")
        case (.dict(let d), _):
            if let found = d[key] { return found }
        case (.list(let a), _), (.tuple(let a), _):
            if let i = key.integer, !key.isDouble {
                let index = i < 0 ? a.count + i : i
                return a.indices.contains(index) ? a[index] : .undefined("list index out of range")
            }
        case (.string(let s), _):
            if let i = key.integer, !key.isDouble {
                let scalars = Array(s.unicodeScalars)
                let index = i < 0 ? scalars.count + i : i
                return scalars.indices.contains(index) ? .string(String(scalars[index])) : .undefined("string index out of range")
            }
        default:
            break
        }
        if case .string(let name) = key { return try attribute(of: value, name) }
        return .undefined("\(value.typeName) object has no element \(key.pythonRepr)")
    }

    func slice(_ original: JinjaValue, start: JinjaValue?, stop: JinjaValue?, step: JinjaValue?) throws -> JinjaValue {
        func bound(_ v: JinjaValue?) throws -> Int? {
            guard let v, !v.isNone else { return nil }
            guard let i = v.integer, !v.isDouble else { throw JinjaError.type("slice indices must be integers or None") }
            return i
        }
        let stride = try bound(step) ?? 1
        if stride == 0 { throw JinjaError.type("slice step cannot be zero") }
        func pick<T>(_ items: [T]) throws -> [T] {
            let n = items.count
            func clamp(_ i: Int?, _ fallback: Int) -> Int {
                guard var i else { return fallback }
                if i < 0 { i += n }
                return stride > 0 ? min(max(i, 0), n) : min(max(i, -1), n - 1)
            }
            var i = clamp(try bound(start), stride > 0 ? 0 : n - 1)
            let end = clamp(try bound(stop), stride > 0 ? n : -1)
            var out: [T] = []
            while stride > 0 ? i < end : i > end {
                out.append(items[i])
                i += stride
            }
            return out
        }
        switch original.unmarked {
        case .list(let a): return .list(try pick(a))
        case .tuple(let a): return .tuple(try pick(a))
        case .string(let s): return .string(String(String.UnicodeScalarView(try pick(Array(s.unicodeScalars)))))
        case .undefined(let name): throw JinjaError.undefined("'\(name)' is undefined")
        default: throw JinjaError.type("'\(original.typeName)' object is not subscriptable")
        }
    }
}

extension JinjaValue {
    var isString: Bool {
        switch self {
        case .string, .markup: true
        default: false
        }
    }
    var isDouble: Bool { if case .double = self { true } else { false } }
}
