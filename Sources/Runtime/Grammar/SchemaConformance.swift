import Foundation

/// MaskBench-style conformance for the JSON Schema compiler: for a schema with valid and invalid
/// instances, every valid instance must be accepted (token by token, ending complete) and every
/// invalid one rejected. Used by the tests and by `swiftllm grammar check`.
public enum SchemaConformance {
    public struct Report: Sendable {
        public var file: String
        public var compiled = false
        public var validOK = 0, validTotal = 0, invalidOK = 0, invalidTotal = 0
        public var maskMicros: [Double] = []
        public var error: String? = nil
        /// Instances answered wrongly, as compact JSON (for diagnosis).
        public var wrong: [String] = []
        /// Masks slower than `Options.slowMaskMicros`: their time and the instance text before the
        /// step (for diagnosis).
        public var slowMasks: [(micros: Double, before: String)] = []

        public var meanMaskMicros: Double { maskMicros.isEmpty ? 0 : maskMicros.reduce(0, +) / Double(maskMicros.count) }
        public var p99MaskMicros: Double {
            guard !maskMicros.isEmpty else { return 0 }
            let sorted = maskMicros.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
        }

        /// The report as one JSON object (the `grammar check --json` line).
        public var json: JSONValue {
            .object(JSONObject([
                ("file", .string(file)), ("compiled", .bool(compiled)),
                ("valid_ok", .int(validOK)), ("valid_total", .int(validTotal)),
                ("invalid_ok", .int(invalidOK)), ("invalid_total", .int(invalidTotal)),
                ("masks", .int(maskMicros.count)),
                ("mean_mask_us", .double((meanMaskMicros * 10).rounded() / 10)),
                ("p99_mask_us", .double((p99MaskMicros * 10).rounded() / 10)),
                ("error", error.map { .string($0) } ?? .null),
            ]))
        }
    }

    public struct Options: Sendable {
        /// Integral spellings on (`2.0` is an integer), as validators count them.
        public var compiler = JSONSchemaCompiler.Options(integralSpellings: true)
        /// Compute (and time) the full token mask every `maskEvery` steps; 0 = never.
        public var maskEvery = 1
        /// Record masks slower than this in `Report.slowMasks`; nil = none.
        public var slowMaskMicros: Double? = nil
        public init(compiler: JSONSchemaCompiler.Options = .init(integralSpellings: true), maskEvery: Int = 1,
                    slowMaskMicros: Double? = nil) {
            self.compiler = compiler
            self.maskEvery = maskEvery
            self.slowMaskMicros = slowMaskMicros
        }
    }

    /// Checks one MaskBench file (`{"schema", "tests": [{"data", "valid"}]}`). With a vocabulary
    /// each instance is split into tokens and walked token by token; without, byte by byte.
    public static func check(file url: URL, vocabulary: TokenVocabulary?, options: Options = Options()) -> Report {
        var report = Report(file: url.lastPathComponent)
        let document: JSONValue
        do {
            document = try JSONValue(parsing: Array(try Data(contentsOf: url)))
        } catch {
            report.error = "cannot read: \(error)"
            return report
        }
        guard let schema = document["schema"], let tests = document["tests"]?.arrayValue else {
            report.error = "not a MaskBench file (needs \"schema\" and \"tests\")"
            return report
        }
        let compiled: CompiledGrammar
        do {
            compiled = CompiledGrammar(try JSONSchemaCompiler.compile(schema, options: options.compiler).grammar)
        } catch {
            report.error = error.description
            return report
        }
        report.compiled = true
        // One constraint per schema, reset between instances, as a caller generating many
        // instances of one schema would use it.
        let constraint = vocabulary.map { GrammarTokenConstraint(compiled: compiled, vocabulary: $0) }
        for test in tests {
            guard let data = test["data"], let valid = test["valid"]?.boolValue else { continue }
            let text = canonicalOrder(data, schema: schema, root: schema).compactText
            let accepted: Bool
            if let constraint {
                constraint.reset()
                let first = report.maskMicros.count
                let bytes = Array(text.utf8)
                var offsets: [Int] = []
                accepted = walkTokens(bytes, constraint: constraint, maskEvery: options.maskEvery,
                                      timings: &report.maskMicros, offsets: &offsets)
                if let slow = options.slowMaskMicros {
                    for (micros, offset) in zip(report.maskMicros[first...], offsets) where micros > slow {
                        report.slowMasks.append((micros, String(decoding: bytes[..<offset], as: UTF8.self)))
                    }
                }
            } else {
                var matcher = GrammarMatcher(compiled: compiled)
                accepted = matcher.accept(Array(text.utf8)) && matcher.isComplete
            }
            if valid {
                report.validTotal += 1
                if accepted { report.validOK += 1 } else { report.wrong.append("rejected valid: \(text)") }
            } else {
                report.invalidTotal += 1
                if !accepted { report.invalidOK += 1 } else { report.wrong.append("accepted invalid: \(text)") }
            }
        }
        return report
    }

    /// Walks `bytes` as tokens; at each step checks the token against the full mask (when timed)
    /// and the single-token check, which must agree. Each timed mask appends its time to
    /// `timings` and the byte offset of its step to `offsets`.
    static func walkTokens(_ bytes: [UInt8], constraint: GrammarTokenConstraint, maskEvery: Int,
                           timings: inout [Double], offsets: inout [Int]) -> Bool {
        let vocabulary = constraint.vocabulary
        guard let tokens = vocabulary.greedyTokens(bytes) else { return false }
        let clock = ContinuousClock()
        var offset = 0
        for (step, token) in tokens.enumerated() {
            if maskEvery > 0, step % maskEvery == 0 {
                var mask = TokenMask(count: 0)
                let elapsed = clock.measure { mask = constraint.mask() }
                timings.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
                offsets.append(offset)
                if mask.contains(token) != constraint.allows(token) { return false }
            }
            if !constraint.accept(token) { return false }
            offset += vocabulary.tokens[token].count
        }
        return vocabulary.eosTokens.first.map { constraint.allows($0) } ?? constraint.isComplete
    }

    /// Every report pooled: files, compiled, instances answered right and wrong, and the mask
    /// times of all compiled files together (mean, p50, p99, p99.9, max in µs) — the figures
    /// `grammar check` and `bench grammar --maskbench` print.
    public static func summary(_ reports: [Report]) -> JSONValue {
        let compiled = reports.filter(\.compiled)
        let all = compiled.flatMap(\.maskMicros).sorted()
        let wrong = compiled.reduce(0) { $0 + ($1.validTotal - $1.validOK) + ($1.invalidTotal - $1.invalidOK) }
        let mean = all.isEmpty ? 0 : all.reduce(0, +) / Double(all.count)
        func quantile(_ q: Double) -> Double { all.isEmpty ? 0 : all[min(all.count - 1, Int(Double(all.count) * q))] }
        func rounded(_ x: Double) -> JSONValue { .double((x * 10).rounded() / 10) }
        return .object(JSONObject([
            ("files", .int(reports.count)), ("compiled", .int(compiled.count)),
            ("valid_ok", .int(compiled.reduce(0) { $0 + $1.validOK })), ("valid_total", .int(compiled.reduce(0) { $0 + $1.validTotal })),
            ("invalid_ok", .int(compiled.reduce(0) { $0 + $1.invalidOK })),
            ("invalid_total", .int(compiled.reduce(0) { $0 + $1.invalidTotal })),
            ("wrong", .int(wrong)), ("masks", .int(all.count)),
            ("mean_mask_us", rounded(mean)), ("p50_mask_us", rounded(quantile(0.5))), ("p99_mask_us", rounded(quantile(0.99))),
            ("p999_mask_us", rounded(quantile(0.999))), ("max_mask_us", rounded(all.last ?? 0)),
        ]))
    }

    /// The split a MaskBench file belongs to: its name before `---` (`Github_easy---o1.json`), or
    /// before the first `_` (`JME_3.json`).
    public static func split(ofFile name: String) -> String {
        if let range = name.range(of: "---") { return String(name[..<range.lowerBound]) }
        return String(name.prefix { $0 != "_" && $0 != "." })
    }

    /// The instance with object members in the order the compiled grammar writes them: the
    /// schema's `properties` order (following `$ref`, `allOf` and the first matching `anyOf` /
    /// `oneOf` branch), then required names not in `properties`, then names a presence condition
    /// mentions (`Presence.split`) in its order, then other members as given.
    public static func canonicalOrder(_ value: JSONValue, schema: JSONValue, root: JSONValue, depth: Int = 0) -> JSONValue {
        guard depth < 64 else { return value }
        var order: [String] = []
        var subschemas: [String: JSONValue] = [:]
        var itemSchemas: [JSONValue] = []
        var restItems: JSONValue? = nil
        var additional: JSONValue? = nil
        var dependencyNames: [String] = []
        var presenceNames: [String] = []
        let validator = JSONSchemaValidator(root: root)
        func collect(_ s: JSONValue, _ level: Int) {
            guard level < 32, case .object(var o) = s else { return }
            // Conditions on which members are present: the grammar requires the present names
            // in the order the condition mentions them (`presenceVariants`).
            if let (condition, rest) = Presence.split(o) {
                presenceNames += condition.names
                o = rest
            }
            for (k, v) in o["properties"]?.objectValue ?? JSONObject() where subschemas[k] == nil {
                order.append(k)
                subschemas[k] = v
            }
            // A `const`/`enum` object or array equal to the instance is written in its own order.
            for candidate in (o["enum"]?.arrayValue ?? []) + (o["const"].map { [$0] } ?? []) where JSONSchemaValidator.equal(candidate, value) {
                if case .object(let c) = candidate {
                    for (k, v) in c where subschemas[k] == nil {
                        order.append(k)
                        subschemas[k] = .object(JSONObject([("const", v)]))
                    }
                } else if let elements = candidate.arrayValue, itemSchemas.isEmpty {
                    itemSchemas = elements.map { .object(JSONObject([("const", $0)])) }
                }
            }
            if let ref = o["$ref"]?.stringValue, let target = JSONPointer.resolve(ref, in: root) { collect(target, level + 1) }
            for k in (o["required"]?.arrayValue ?? []).compactMap(\.stringValue) where !order.contains(k) {
                order.append(k)
            }
            // A dependency the instance triggers: its required names, then the trigger, after
            // every `required` of the schema and its `allOf` branches (the order
            // `dependencyVariants` writes them in, on the merged schema).
            for key in ["dependentRequired", "dependencies"] {
                for (trigger, needs) in o[key]?.objectValue ?? JSONObject() where value[trigger] != nil {
                    dependencyNames += (needs.arrayValue ?? []).compactMap(\.stringValue) + [trigger]
                }
            }
            if let a = o["additionalProperties"], additional == nil { additional = a }
            if let p = o["prefixItems"]?.arrayValue ?? o["items"]?.arrayValue, itemSchemas.isEmpty { itemSchemas = p }
            if let i = o["items"], i.arrayValue == nil, restItems == nil { restItems = i }
            for b in o["allOf"]?.arrayValue ?? [] { collect(b, level + 1) }
            for key in ["anyOf", "oneOf"] {
                if let b = o[key]?.arrayValue?.first(where: { validator.validate(value, against: $0) == .valid }) {
                    collect(b, level + 1)
                }
            }
        }
        collect(schema, 0)
        for k in presenceNames where !order.contains(k) && value[k] != nil { order.append(k) }
        for k in dependencyNames where !order.contains(k) { order.append(k) }
        switch value {
        case .object(let o):
            var out = JSONObject()
            for k in order { if let v = o[k] { out[k] = canonicalOrder(v, schema: subschemas[k] ?? additional ?? .bool(true), root: root, depth: depth + 1) } }
            for (k, v) in o where out[k] == nil {
                out[k] = canonicalOrder(v, schema: additional ?? .bool(true), root: root, depth: depth + 1)
            }
            return .object(out)
        case .array(let a):
            return .array(a.enumerated().map { i, v in
                canonicalOrder(v, schema: i < itemSchemas.count ? itemSchemas[i] : restItems ?? .bool(true), root: root, depth: depth + 1)
            })
        default:
            return value
        }
    }
}
