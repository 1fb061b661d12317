import Synchronization

/// Keeps constrained generations with the same grammar warm, per vocabulary: compiled grammars by
/// their text, and the matchers of finished constraints (their parser-state table, loop analysis
/// and mask cache) by grammar, so the next `GrammarTokenConstraint` on that grammar starts where
/// the last one left off instead of rediscovering every state.
///
/// An agent calling the same tool schema many times gets the pooling by asking the vocabulary's
/// pool for the grammar (the same text returns the same `CompiledGrammar`, and constraints made
/// on it draw the pooled matchers):
///
/// ```swift
/// let schema = try vocabulary.constraints.grammar(jsonSchema: toolSchemaText)
/// options.constraint = GrammarConstraint(grammar: schema.grammar, vocabulary: vocabulary)
/// ```
///
/// A constraint hands its matcher back when it is released (only if no copy of the matcher
/// still shares its state table). Bounded: the `maxGrammars` most recently used grammars, at
/// most `maxIdleMatchers` idle matchers each, and a matcher's mask cache is dropped when it has
/// more than `maxPooledMasks` masks (a mask is 6 KiB at 49k tokens, 32 KiB at 262k).
public final class ConstraintPool: Sendable {
    public let maxGrammars = 8
    public let maxIdleMatchers = 2
    public let maxPooledMasks = 256

    /// A compiled JSON Schema and the keywords skipped in lenient mode.
    public struct Schema: Sendable {
        public let grammar: CompiledGrammar
        public let warnings: [String]
    }

    private enum Source: Hashable {
        case jsonSchema(String, JSONSchemaCompiler.Options)
        case gbnf(String)
    }

    private struct State {
        var compiled: [Source: Schema] = [:]
        /// Idle matchers per grammar; the entry keeps the grammar alive, so its identity is not reused.
        var idle: [ObjectIdentifier: (grammar: CompiledGrammar, matchers: [PooledMatcher])] = [:]
        /// Grammar identities, least recently used first.
        var order: [ObjectIdentifier] = []
        var sourceOrder: [Source] = []
    }

    private let state = Mutex(State())

    init() {}

    /// The compiled grammar of a JSON Schema text, compiled once per (text, options).
    public func grammar(jsonSchema text: String, options: JSONSchemaCompiler.Options = .init()) throws(JSONSchemaError) -> Schema {
        let source = Source.jsonSchema(text, options)
        if let known = cached(source) { return known }
        let result = try JSONSchemaCompiler.compile(text: text, options: options)
        return remember(source, Schema(grammar: CompiledGrammar(result.grammar), warnings: result.warnings))
    }

    /// The compiled grammar of a GBNF text, compiled once per text.
    public func grammar(gbnf text: String) throws(GrammarError) -> CompiledGrammar {
        let source = Source.gbnf(text)
        if let known = cached(source) { return known.grammar }
        return remember(source, Schema(grammar: CompiledGrammar(try Grammar(gbnf: text)), warnings: [])).grammar
    }

    private func cached(_ source: Source) -> Schema? {
        state.withLock { $0.compiled[source] }
    }

    private func remember(_ source: Source, _ schema: Schema) -> Schema {
        state.withLock { s in
            if let known = s.compiled[source] { return known }
            s.compiled[source] = schema
            s.sourceOrder.append(source)
            if s.sourceOrder.count > maxGrammars { s.compiled[s.sourceOrder.removeFirst()] = nil }
            return schema
        }
    }

    /// An idle matcher for `grammar`, if one was handed back.
    func take(_ grammar: CompiledGrammar) -> PooledMatcher? {
        let id = ObjectIdentifier(grammar)
        return state.withLock { $0.idle[id]?.matchers.popLast() }
    }

    /// Hands back a matcher (reset to its grammar's start) for the next constraint on its grammar.
    func give(_ matcher: PooledMatcher) {
        if matcher.masks.count > maxPooledMasks { matcher.masks.removeAll() }
        let grammar = matcher.matcher.compiled
        let id = ObjectIdentifier(grammar)
        state.withLock { s in
            s.order.removeAll { $0 == id }
            s.order.append(id)
            var entry = s.idle[id] ?? (grammar, [])
            if entry.matchers.count < maxIdleMatchers { entry.matchers.append(matcher) }
            s.idle[id] = entry
            if s.order.count > maxGrammars { s.idle[s.order.removeFirst()] = nil }
        }
    }
}

/// A finished constraint's matcher (at its start state) and mask cache, moving between threads
/// through the pool. Unchecked Sendable: the pool hands it to one constraint at a time, and a
/// constraint only gives it back when no copy of the matcher shares its arena
/// (`GrammarMatcher.ownsArenaAlone`), so nothing else can touch it.
final class PooledMatcher: @unchecked Sendable {
    var matcher: GrammarMatcher
    var masks: [GrammarState: TokenMask]

    init(matcher: GrammarMatcher, masks: [GrammarState: TokenMask]) {
        self.matcher = matcher
        self.masks = masks
    }
}
