/// Bounds that keep an untrusted template from exhausting time, memory or the stack.
public struct JinjaLimits: Sendable, Equatable {
    /// Total characters of text produced, including text captured by `set` blocks, filters and macros.
    public var maxOutputBytes: Int
    /// Statements executed plus loop iterations plus macro calls.
    public var maxSteps: Int
    /// Nested macro calls (recursion).
    public var maxCallDepth: Int
    /// Longest list `range()` may create (jinja2's sandbox uses the same bound).
    public var maxRange: Int

    public init(maxOutputBytes: Int = 16 << 20, maxSteps: Int = 1_000_000, maxCallDepth: Int = 64, maxRange: Int = 100_000) {
        self.maxOutputBytes = maxOutputBytes
        self.maxSteps = maxSteps
        self.maxCallDepth = maxCallDepth
        self.maxRange = maxRange
    }
}

/// Executes a parsed template. One renderer serves one `render` call; it owns the variable scopes.
final class JinjaRenderer {
    enum Flow { case normal, breakLoop, continueLoop }

    let limits: JinjaLimits
    /// Frame 0 holds globals, the render context and top-level `set`s; loops and macros push frames.
    var scopes: [[String: JinjaValue]]
    var steps = 0
    var outputBytes = 0
    var callDepth = 0
    var currentLine = 0

    init(context: [String: JinjaValue], limits: JinjaLimits) {
        self.limits = limits
        scopes = [context]
    }

    func step() throws {
        steps += 1
        if steps > limits.maxSteps { throw JinjaError.limit("template ran more than \(limits.maxSteps) steps") }
    }

    /// Counts produced text against the output bound before it is kept anywhere.
    func account(_ count: Int) throws {
        outputBytes += count
        if outputBytes > limits.maxOutputBytes {
            throw JinjaError.limit("template output exceeds \(limits.maxOutputBytes) bytes")
        }
    }

    /// Rejects a string that an operation is about to build if it alone breaks the output bound.
    func checkSize(_ count: Int) throws {
        if count > limits.maxOutputBytes {
            throw JinjaError.limit("a string of \(count) bytes exceeds the \(limits.maxOutputBytes)-byte bound")
        }
    }

    func lookup(_ name: String) -> JinjaValue {
        for frame in scopes.reversed() {
            if let value = frame[name] { return value }
        }
        return .undefined(name)
    }

    func assign(_ name: String, _ value: JinjaValue) {
        scopes[scopes.count - 1][name] = value
    }

    func render(_ nodes: [JinjaNode]) throws -> String {
        var out = ""
        _ = try execute(nodes, into: &out)
        return out
    }

    func execute(_ nodes: [JinjaNode], into out: inout String) throws -> Flow {
        for node in nodes {
            try step()
            let flow = try execute(node, into: &out)
            if flow != .normal { return flow }
        }
        return .normal
    }

    private func emit(_ text: String, into out: inout String) throws {
        try account(text.utf8.count)
        out += text
    }

    private func execute(_ node: JinjaNode, into out: inout String) throws -> Flow {
        switch node {
        case .text(let text):
            try emit(text, into: &out)
        case .output(let expr, let line):
            currentLine = line
            try emit(try evaluate(expr).pythonString, into: &out)
        case .ifBlock(let branches, let otherwise):
            for branch in branches where try evaluate(branch.condition).isTruthy {
                return try execute(branch.body, into: &out)
            }
            return try execute(otherwise, into: &out)
        case .forLoop(let loop):
            currentLine = loop.line
            try executeFor(loop, into: &out)
        case .set(let target, let expr, let line):
            currentLine = line
            try assign(target, try evaluate(expr))
        case .setBlock(let target, let filters, let body):
            var value = JinjaValue.string(try render(body))
            for filter in filters { value = try applyFilter(filter.name, value, try evaluate(filter.args)) }
            try assign(target, value)
        case .macro(let macro):
            assign(macro.name, .function(makeMacro(macro, caller: nil)))
        case .callBlock(let call, let caller, let line):
            currentLine = line
            guard case .call(let callee, let args) = call else { return .normal }
            let function = try evaluate(callee)
            guard case .function(let f) = function else { throw JinjaError.type("'\(function.typeName)' object is not callable") }
            var arguments = try evaluate(args)
            arguments.keywords.append(("caller", .function(makeMacro(caller, caller: nil))))
            try emit(try f.body(arguments, self).pythonString, into: &out)
        case .filterBlock(let filters, let body, let line):
            var value = JinjaValue.string(try render(body))
            currentLine = line
            for filter in filters { value = try applyFilter(filter.name, value, try evaluate(filter.args)) }
            try emit(value.pythonString, into: &out)
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        }
        return .normal
    }

    private func assign(_ target: JinjaSetTarget, _ value: JinjaValue) throws {
        switch target {
        case .names(let names, let unpacks):
            if !unpacks {
                assign(names[0], value)
                return
            }
            let items = try value.iterated()
            guard items.count == names.count else {
                throw JinjaError.type("cannot unpack \(items.count) values into \(names.count) names")
            }
            for (name, item) in zip(names, items) { assign(name, item) }
        case .attribute(let object, let attribute):
            guard case .namespace(let namespace) = lookup(object) else {
                throw JinjaError.type("cannot assign attribute on non-namespace object '\(object)'")
            }
            if attribute.hasPrefix("_") { throw JinjaError.security("access to attribute '\(attribute)' is unsafe") }
            namespace.attributes[attribute] = value
        }
    }

    private func executeFor(_ loop: JinjaForLoop, into out: inout String) throws {
        var items = try evaluate(loop.iterable).iterated()
        scopes.append([:])
        defer { scopes.removeLast() }
        if let condition = loop.condition {
            items = try items.filter { item in
                try bindLoopTargets(loop, item)
                return try evaluate(condition).isTruthy
            }
        }
        if items.isEmpty {
            _ = try execute(loop.otherwise, into: &out)
            return
        }
        let state = JinjaLoop(items: items)
        for (i, item) in items.enumerated() {
            try step()
            try bindLoopTargets(loop, item)
            state.index0 = i
            assign("loop", .loop(state))
            if try execute(loop.body, into: &out) == .breakLoop { break }
        }
    }

    private func bindLoopTargets(_ loop: JinjaForLoop, _ item: JinjaValue) throws {
        if !loop.unpacks {
            assign(loop.targets[0], item)
            return
        }
        let parts = try item.iterated()
        guard parts.count == loop.targets.count else {
            throw JinjaError.type("cannot unpack \(parts.count) values into \(loop.targets.count) loop variables")
        }
        for (name, part) in zip(loop.targets, parts) { assign(name, part) }
    }

    /// A macro closes over the frames above the root at its definition; the root frame stays live.
    private func makeMacro(_ macro: JinjaMacro, caller: JinjaValue?) -> JinjaFunction {
        let captured = Array(scopes.dropFirst())
        return JinjaFunction(macro.name) { args, renderer in
            try renderer.callMacro(macro, captured: captured, args: args)
        }
    }

    private func callMacro(_ macro: JinjaMacro, captured: [[String: JinjaValue]], args: JinjaArguments) throws -> JinjaValue {
        try step()
        callDepth += 1
        defer { callDepth -= 1 }
        if callDepth > limits.maxCallDepth {
            throw JinjaError.limit("macro calls nested deeper than \(limits.maxCallDepth) (recursion in '\(macro.name)')")
        }
        let saved = scopes
        defer {
            let root = scopes[0]
            scopes = saved
            scopes[0] = root
        }
        scopes = [scopes[0]] + captured + [[:]]
        var extra: [JinjaValue] = []
        for (i, value) in args.positional.enumerated() {
            if i < macro.parameters.count { assign(macro.parameters[i].name, value) } else { extra.append(value) }
        }
        var kwargs = JinjaDict()
        for (name, value) in args.keywords {
            if name == "caller" {
                assign(name, value)
            } else if macro.parameters.contains(where: { $0.name == name }) {
                assign(name, value)
            } else {
                kwargs[name] = value
            }
        }
        for parameter in macro.parameters where scopes[scopes.count - 1][parameter.name] == nil {
            assign(parameter.name, try parameter.defaultValue.map { try evaluate($0) } ?? .undefined(parameter.name))
        }
        assign("varargs", .tuple(extra))
        assign("kwargs", .dict(kwargs))
        return .string(try render(macro.body))
    }
}
