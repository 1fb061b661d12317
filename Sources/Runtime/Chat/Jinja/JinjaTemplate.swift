import Foundation

/// A compiled Jinja template, rendered in a sandbox: it sees only the values passed to `render` and a
/// few pure globals (`range`, `namespace`, `dict`, `joiner`, `raise_exception`, `strftime_now`); it cannot reach
/// files, the environment or host objects, and every loop, recursion and string it builds is bounded by
/// `JinjaLimits`.
///
/// ```swift
/// let template = try JinjaTemplate(source: "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}")
/// let text = try template.render(["messages": [["role": "user", "content": "Hi"]]])
/// ```
public struct JinjaTemplate: Sendable {
    let nodes: [JinjaNode]

    /// Parses `source` with Hugging Face's settings (`trim_blocks`, `lstrip_blocks`). Unknown tags,
    /// filters and tests are rejected here, as jinja2 rejects them at compile time.
    public init(source: String) throws(JinjaError) {
        do {
            nodes = try JinjaParser.parse(source)
            try JinjaValidator.validate(nodes)
        } catch let error as JinjaError {
            throw error
        } catch {
            throw JinjaError(.syntax, "\(error)")
        }
    }

    /// Renders with `context` as the template's variables. `now` is the instant `strftime_now` formats
    /// (in `timeZone`).
    public func render(_ context: [String: JSONValue], limits: JinjaLimits = JinjaLimits(),
                       now: Date = Date(), timeZone: TimeZone = .current) throws(JinjaError) -> String {
        var variables = Self.globals(now: now, timeZone: timeZone)
        for (name, value) in context { variables[name] = JinjaValue(value) }
        let renderer = JinjaRenderer(context: variables, limits: limits)
        do {
            return try renderer.render(nodes)
        } catch var error as JinjaError {
            if error.line == nil && renderer.currentLine > 0 { error.line = renderer.currentLine }
            throw error
        } catch {
            throw JinjaError(.type, "\(error)", line: renderer.currentLine)
        }
    }

    static func globals(now: Date, timeZone: TimeZone) -> [String: JinjaValue] {
        func function(_ name: String, _ body: @escaping (JinjaArguments, JinjaRenderer) throws -> JinjaValue) -> JinjaValue {
            .function(JinjaFunction(name, body: body))
        }
        return [
            "range": function("range") { args, renderer in
                let numbers = args.positional.map(\.integer)
                guard !numbers.isEmpty, numbers.count <= 3, numbers.allSatisfy({ $0 != nil }) else {
                    throw JinjaError.type("range expects 1 to 3 integer arguments")
                }
                let values = numbers.compactMap { $0 }
                let (start, stop, step) = values.count == 1 ? (0, values[0], 1) : (values[0], values[1], values.count == 3 ? values[2] : 1)
                if step == 0 { throw JinjaError.type("range() arg 3 must not be zero") }
                let count = step > 0 ? max(0, (stop - start + step - 1) / step) : max(0, (start - stop - step - 1) / -step)
                if count > renderer.limits.maxRange {
                    throw JinjaError.limit("range too big: \(count) items, at most \(renderer.limits.maxRange)")
                }
                return .list((0..<count).map { .int(start + $0 * step) })
            },
            "namespace": function("namespace") { args, _ in
                let namespace = JinjaNamespace()
                for value in args.positional {
                    guard case .dict(let d) = value else { throw JinjaError.type("namespace() takes keyword arguments or a dict") }
                    for pair in d.pairs { namespace.attributes[pair.key] = pair.value }
                }
                for (name, value) in args.keywords { namespace.attributes[name] = value }
                return .namespace(namespace)
            },
            "dict": function("dict") { args, _ in
                var d = JinjaDict()
                for value in args.positional {
                    guard case .dict(let other) = value else { throw JinjaError.type("dict() takes keyword arguments or a dict") }
                    for pair in other.pairs { d[pair.key] = pair.value }
                }
                for (name, value) in args.keywords { d[name] = value }
                return .dict(d)
            },
            "joiner": function("joiner") { args, _ in
                let separator = args.value(0, "sep")?.pythonString ?? ", "
                let state = JinjaNamespace()
                return .function(JinjaFunction("joiner") { _, _ in
                    if state.attributes["used"] == nil {
                        state.attributes["used"] = .bool(true)
                        return .string("")
                    }
                    return .string(separator)
                })
            },
            "raise_exception": function("raise_exception") { args, _ in
                throw JinjaError(.raised, args.value(0, "message")?.pythonString ?? "raise_exception called")
            },
            "strftime_now": function("strftime_now") { args, _ in
                .string(try Strftime.format(args.value(0, "format")?.pythonString ?? "", date: now, timeZone: timeZone))
            },
        ]
    }
}

