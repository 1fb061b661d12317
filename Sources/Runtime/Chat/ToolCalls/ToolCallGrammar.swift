/// Which tool calls a reply may (or must) contain, as OpenAI's `tool_choice`.
public enum ToolChoice: Sendable, Equatable, CustomStringConvertible {
    /// Text, or calls, as the model decides.
    case auto
    /// At least one call, nothing else.
    case required
    /// Text only.
    case none
    /// Exactly one call of this tool.
    case function(String)

    /// Parses `auto`, `required`, `none` or a tool name.
    public init(_ text: String) {
        switch text {
        case "auto": self = .auto
        case "required": self = .required
        case "none": self = .none
        default: self = .function(text)
        }
    }

    public var description: String {
        switch self {
        case .auto: "auto"
        case .required: "required"
        case .none: "none"
        case .function(let name): name
        }
    }
}

/// The grammar of a whole assistant reply under a tool choice, in a format's own call syntax, with
/// every call's arguments valid under its tool's JSON Schema:
/// - `required` / a named function: only calls (one, or up to `maxCalls` with `parallel`);
/// - `auto`: free text, and once the text spells the format's call prefix (`<tool_call>`,
///   `[TOOL_CALLS]`, …) the calls that must follow it — a lazy grammar. Formats whose calls have
///   no prefix (bare JSON: `generic`, `llama3`) decide at the first byte: `{` starts the calls;
/// - `none`: free text that never spells the call prefix (nil for prefix-less formats: nothing
///   to forbid).
///
/// ```swift
/// let grammar = try ToolCallGrammar.build(format: .init(family: .hermes), tools: tools, choice: .auto)
/// ```
public enum ToolCallGrammar {
    public static func build(format: ToolCallFormat, tools: [JSONValue], choice: ToolChoice, parallel: Bool = true,
                             maxCalls: Int = 8, options: JSONSchemaCompiler.Options = .init()) throws -> Grammar? {
        var functions = try ToolCallFormat.functions(tools)
        if case .function(let name) = choice {
            functions = functions.filter { $0.name == name }
            guard !functions.isEmpty else { throw ToolDefinitionError(message: "tool_choice names '\(name)', which is not among the tools") }
        }
        if choice != .none && functions.isEmpty {
            throw ToolDefinitionError(message: "tool_choice '\(choice)' needs at least one tool")
        }
        // Arguments are read back into values: every number must fit a double.
        var options = format.family == .pythonic ? options.withPythonLiterals : options
        options.finiteNumbers = true
        var state = Composer(options: options)
        let root = state.builder.ruleID("root")
        let many = parallel && !isSingle(choice) ? max(1, maxCalls) : 1
        let prefix = Array(format.prefix.utf8)
        switch choice {
        case .none:
            guard !prefix.isEmpty else { return nil }
            state.builder.define(root, state.textAvoiding(prefix, then: nil))
        case .required, .function:
            let calls = try state.calls(format, functions, max: many)
            state.builder.define(root, .sequence([.literal(prefix), calls]))
        case .auto:
            let calls = try state.calls(format, functions, max: many)
            if prefix.isEmpty {
                let text = GrammarExpr.sequence([.bytes(ByteSet(UInt8(ascii: "{")).inverted()),
                                                 .repeated(.bytes(.all), min: 0, max: nil)])
                state.builder.define(root, .choice([.empty, calls, text]))
            } else {
                state.builder.define(root, state.textAvoiding(prefix, then: calls))
            }
        }
        return try state.builder.build(root: root)
    }

    private static func isSingle(_ choice: ToolChoice) -> Bool {
        if case .function = choice { return true }
        return false
    }
}

/// One grammar built from several tools' schemas: each tool's schema compiles with its own `$ref`
/// root into the shared builder.
struct Composer {
    let options: JSONSchemaCompiler.Options
    var builder = GrammarBuilder()
    var sharedRules: [String: Int] = [:]

    init(options: JSONSchemaCompiler.Options) { self.options = options }

    mutating func schema(_ schema: JSONValue, pointer: String) throws(JSONSchemaError) -> GrammarExpr {
        try compiling(schema) { compiler throws(JSONSchemaError) in try compiler.compile(schema, pointer: pointer) }
    }

    /// Runs `body` on a compiler rooted at `root` that builds into this grammar's rules.
    mutating func compiling(_ root: JSONValue,
                            _ body: (inout SchemaGrammarCompiler) throws(JSONSchemaError) -> GrammarExpr) throws(JSONSchemaError) -> GrammarExpr {
        var compiler = SchemaGrammarCompiler(root: root, options: options)
        compiler.builder = builder
        compiler.sharedRules = sharedRules
        let expr = try body(&compiler)
        builder = compiler.builder
        sharedRules = compiler.sharedRules
        return expr
    }

    /// The calls after the format's prefix (the prefix itself is written by the caller).
    mutating func calls(_ format: ToolCallFormat, _ functions: [ToolCallFormat.Function], max many: Int) throws -> GrammarExpr {
        if format.writesNativeArguments { return try nativeCalls(format, functions, max: many) }
        var objects: [GrammarExpr] = []
        for (i, function) in functions.enumerated() {
            if format.family == .mistralArgs {
                let arguments = try schema(function.parameters, pointer: "#/tools/\(i)/parameters")
                objects.append(.sequence([.literal(function.name + "[ARGS]"), arguments]))
            } else {
                objects.append(try schema(format.callObjectSchema(function), pointer: "#/tools/\(i)"))
            }
        }
        let one = GrammarExpr.choice(objects)
        let more = many - 1
        func list(_ separator: String) -> GrammarExpr {
            .sequence([one, .repeated(.sequence([.literal(separator), one]), min: 0, max: more)])
        }
        switch format.family {
        case .hermes, .qwen, .gemma:
            let block = GrammarExpr.sequence([one, .literal(format.suffix)])
            return .sequence([block, .repeated(.sequence([.literal("\n" + format.prefix), block]), min: 0, max: more)])
        case .llama3:
            return list("; ")
        case .mistral:
            return .sequence([.literal("["), list(","), .literal("]")])
        case .smollm2:
            // As its instruction data writes the list: `[` newline, calls one per line, newline `]`.
            let newline = GrammarExpr.repeated(.literal("\n"), min: 0, max: 1)
            let separated = GrammarExpr.sequence([one, .repeated(.sequence([.literal(","), newline, one]), min: 0, max: more)])
            return .sequence([.literal("["), newline, separated, newline, .literal("]" + format.suffix)])
        case .mistralArgs:
            return list(format.prefix)
        case .qwenXML, .pythonic, .gemma4:
            return one   // handled by nativeCalls
        case .generic:
            let single = GrammarExpr.sequence([.literal(#"{"tool_call":"#), one, .literal("}")])
            guard more > 0 else { return single }
            return .choice([single, .sequence([.literal(#"{"tool_calls":["#), list(","), .literal("]}")])])
        }
    }

    /// Free text that never contains `marker`; when `then` is given, spelling the marker leads
    /// into `then` instead. A matcher of `marker` (the KMP automaton): rule i is "i bytes of the
    /// marker just seen".
    mutating func textAvoiding(_ marker: [UInt8], then: GrammarExpr?) -> GrammarExpr {
        let m = marker.count
        let states = (0..<m).map { builder.freshRule("text-\($0)") }
        // failure[i]: length of the longest proper border of marker[0..<i].
        var failure = [Int](repeating: 0, count: m + 1)
        var k = 0
        for i in 1..<max(m, 1) {
            while k > 0 && marker[i] != marker[k] { k = failure[k] }
            if marker[i] == marker[k] { k += 1 }
            failure[i + 1] = k
        }
        func next(_ state: Int, _ byte: UInt8) -> Int {
            var s = state
            while s > 0 && marker[s] != byte { s = failure[s] }
            return marker[s] == byte ? s + 1 : 0
        }
        for (i, rule) in states.enumerated() {
            var targets: [Int: ByteSet] = [:]
            for b in 0...255 {
                let j = next(i, UInt8(b))
                targets[j, default: ByteSet()].insert(UInt8(b))
            }
            var alternatives: [GrammarExpr] = [.empty]
            for (j, bytes) in targets.sorted(by: { $0.key < $1.key }) {
                if j == m {
                    if let then { alternatives.append(.sequence([.bytes(bytes), then])) }
                } else {
                    alternatives.append(.sequence([.bytes(bytes), .rule(states[j])]))
                }
            }
            builder.define(rule, .choice(alternatives))
        }
        return .rule(states[0])
    }
}
