import Foundation

/// An error compiling a JSON Schema: what is wrong or unsupported, and the JSON pointer of the
/// schema location (`#/properties/a/pattern`).
public struct JSONSchemaError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public let pointer: String
    public var description: String { "\(pointer): \(message)" }
}

/// Compiles a JSON Schema (draft 2020-12, plus the draft-04..07 spellings common in the wild:
/// `definitions`, `items` arrays with `additionalItems`, boolean `exclusiveMinimum`) into a
/// `Grammar` whose sentences are exactly the compact JSON texts of valid instances, properties in
/// schema order.
///
/// Supported: `type` (and arrays of types), `properties`, `required`, `additionalProperties`
/// (boolean or schema), `enum`, `const`, `anyOf`, `oneOf` (when its branches are provably
/// disjoint), `allOf` (by merging), `$ref` to `#...` JSON pointers with `$defs`/`definitions` and
/// recursion, `items`, `prefixItems`, `minItems`, `maxItems`, `minLength`, `maxLength`, `pattern`,
/// `format` (date, time, date-time, uuid, email, ipv4, ipv6, uri, hostname), integer and number
/// bounds (number bounds must be integers), integer `multipleOf`, and `minProperties` /
/// `maxProperties` when the declared properties already imply them. Annotations (`title`,
/// `description`, `default`, `examples`...) and keywords unknown to JSON Schema are ignored.
/// Any other keyword is an error naming it and its pointer, or with `lenient`, a warning.
///
/// ```swift
/// let schema = try JSONValue(parsing: #"{"type":"object","properties":{"n":{"type":"integer"}}}"#)
/// let result = try JSONSchemaCompiler.compile(schema)
/// var matcher = GrammarMatcher(result.grammar)
/// ```
public enum JSONSchemaCompiler {
    /// How much whitespace the grammar allows between tokens.
    public enum Whitespace: Sendable, Hashable {
        /// None: the compact form (`{"a":1}`), the cheapest to generate.
        case compact
        /// Up to `maxRun` blanks (space, tab, newline) at each place JSON allows them, bounded so a
        /// model cannot loop on whitespace.
        case flexible(maxRun: Int)
    }

    public struct Options: Sendable, Hashable {
        /// Turn unsupported keywords into warnings (the keyword is then not enforced).
        public var lenient = false
        public var whitespace = Whitespace.compact
        /// When not empty, every string without `enum`, `const`, `pattern`, `format` or length
        /// bounds must be a non-empty substring of one of these texts (a value copied from the
        /// question an agent step answers).
        public var copySources: [String] = []
        /// Let `integer` also match the other spellings JSON Schema counts as integers: a zero
        /// fraction (`2.0`, `-7.00`) and, where no bound or `multipleOf` applies, a non-negative
        /// exponent (`1e3`, `25.0E+2`), so verdicts on existing text agree with validators
        /// (`SchemaConformance` turns it on); not under a draft-03/04 `$schema`, where `2.0` is no
        /// integer. Off for generation: tools, and BFCL's checker, expect
        /// an integer argument written as plain digits. Still refused: integral values written
        /// with a fraction that an exponent cancels (`1.5e1`), and negative exponents (`100e-2`).
        public var integralSpellings = false
        /// Python literals instead of JSON's: `True`, `False`, `None` (strings, numbers, lists and
        /// dicts are spelled alike), for call syntaxes whose arguments are Python (LFM2).
        public var pythonLiterals = false
        /// Numbers a double can hold: at most 200 integer digits and a two-digit exponent (tool
        /// arguments are read back into doubles; `1e99999` would be infinity). Off for conformance.
        public var finiteNumbers = false
        public init(lenient: Bool = false, whitespace: Whitespace = .compact, copySources: [String] = [],
                    integralSpellings: Bool = false, pythonLiterals: Bool = false) {
            self.lenient = lenient
            self.whitespace = whitespace
            self.copySources = copySources
            self.integralSpellings = integralSpellings
            self.pythonLiterals = pythonLiterals
        }

        /// These options with `pythonLiterals` on.
        public var withPythonLiterals: Options {
            var copy = self
            copy.pythonLiterals = true
            return copy
        }
    }

    public struct Result: Sendable {
        public let grammar: Grammar
        /// Unsupported keywords skipped in lenient mode, as "pointer: message".
        public let warnings: [String]
    }

    public static func compile(_ schema: JSONValue, options: Options = Options()) throws(JSONSchemaError) -> Result {
        var compiler = SchemaGrammarCompiler(root: schema, options: options)
        let rootRule = compiler.builder.ruleID("root")
        let body = try compiler.compile(schema, pointer: "#")
        compiler.builder.define(rootRule, body)
        do {
            return Result(grammar: try compiler.builder.build(root: rootRule), warnings: compiler.warnings)
        } catch {
            throw JSONSchemaError(message: error.message, pointer: "#")
        }
    }

    /// Compiles a schema given as JSON text.
    public static func compile(text: String, options: Options = Options()) throws(JSONSchemaError) -> Result {
        let schema: JSONValue
        do {
            schema = try JSONValue(parsing: text)
        } catch {
            throw JSONSchemaError(message: "schema is not valid JSON: \(error)", pointer: "#")
        }
        return try compile(schema, options: options)
    }
}

/// Keyword tables shared by the compiler and the validator.
enum SchemaKeywords {
    /// Annotations and identifiers with no effect on which instances are valid.
    static let annotations: Set<String> = [
        "$schema", "$id", "id", "$comment", "$anchor", "$vocabulary", "title", "description", "default",
        "examples", "example", "deprecated", "readOnly", "writeOnly", "contentEncoding", "contentMediaType",
        "contentSchema", "$defs", "definitions",
    ]
    /// Standard keywords (any draft) that assert something.
    static let assertions: Set<String> = [
        "type", "enum", "const", "properties", "required", "additionalProperties", "patternProperties",
        "propertyNames", "minProperties", "maxProperties", "dependentRequired", "dependentSchemas",
        "dependencies", "unevaluatedProperties", "items", "prefixItems", "additionalItems", "contains",
        "minContains", "maxContains", "minItems", "maxItems", "uniqueItems", "unevaluatedItems",
        "minLength", "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "multipleOf", "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
        "$ref", "$dynamicRef", "$recursiveRef", "$dynamicAnchor", "$recursiveAnchor",
    ]
    static let allTypes: Set<String> = ["null", "boolean", "object", "array", "number", "integer", "string"]
}

/// JSON pointer helpers.
enum JSONPointer {
    static func escape(_ token: String) -> String {
        token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    static func unescape(_ token: String) -> String {
        var t = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        if t.contains("%"), let decoded = t.removingPercentEncoding { t = decoded }
        return t
    }

    /// Resolves a `#/a/b` fragment pointer in `root`.
    static func resolve(_ ref: String, in root: JSONValue) -> JSONValue? {
        guard ref.hasPrefix("#") else { return nil }
        let path = ref.dropFirst()
        if path.isEmpty { return root }
        guard path.hasPrefix("/") else { return nil }
        var node = root
        for raw in path.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let token = unescape(String(raw))
            switch node {
            case .object(let o):
                guard let next = o[token] else { return nil }
                node = next
            case .array(let a):
                guard let i = Int(token), a.indices.contains(i) else { return nil }
                node = a[i]
            default:
                return nil
            }
        }
        return node
    }
}
