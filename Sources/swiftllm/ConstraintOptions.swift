import ArgumentParser
import Foundation
import Runtime

/// `run`'s flags that constrain the output to a grammar.
struct ConstraintOptions: ParsableArguments {
    @Option(name: .customLong("json-schema"), help: "Constrain the output to JSON valid under this JSON Schema file.")
    var jsonSchema: String?

    @Option(help: "Constrain the output to this GBNF grammar file (root rule `root`).")
    var grammar: String?

    @Flag(help: "Constrain the output to any JSON value.")
    var json = false

    @Flag(help: "With --json-schema: skip unsupported schema keywords (listed on stderr) instead of failing.")
    var lenient = false

    func validate() throws {
        let given = [jsonSchema != nil, grammar != nil, json].filter { $0 }.count
        if given > 1 { throw ValidationError("give at most one of --json-schema, --grammar and --json") }
    }

    /// The compiled grammar, or nil when no constraint was asked for.
    func grammarValue() throws -> Grammar? {
        if let grammar {
            do {
                return try Grammar(gbnf: try Self.read(grammar))
            } catch let error as GrammarError {
                throw CLIError("\(grammar): \(error)")
            }
        }
        let schemaText: String
        if let jsonSchema {
            schemaText = try Self.read(jsonSchema)
        } else if json {
            schemaText = "{}"
        } else {
            return nil
        }
        do {
            let result = try JSONSchemaCompiler.compile(text: schemaText, options: .init(lenient: lenient))
            for warning in result.warnings {
                FileHandle.standardError.write(Data("warning: unsupported schema keyword skipped: \(warning)\n".utf8))
            }
            return result.grammar
        } catch {
            throw CLIError("\(jsonSchema ?? "--json"): \(error)")
        }
    }

    static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
        return String(decoding: data, as: UTF8.self)
    }
}
