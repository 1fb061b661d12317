import SwiftDiagnostics
import SwiftSyntax
import SwiftSyntaxBuilder
import SwiftSyntaxMacros

/// `@Generable`: writes `Generable`'s three members for a struct (its stored properties) or an
/// enum whose cases carry no values, in an extension.
public struct GenerableMacro: ExtensionMacro {
    public static func expansion(of node: AttributeSyntax, attachedTo declaration: some DeclGroupSyntax,
                                 providingExtensionsOf type: some TypeSyntaxProtocol, conformingTo protocols: [TypeSyntax],
                                 in context: some MacroExpansionContext) throws -> [ExtensionDeclSyntax] {
        let access = declaration.modifiers.contains { ["public", "package"].contains($0.name.text) } ? "public " : ""
        let description = argument("description", of: node) ?? "nil"
        let members: String
        if let structDecl = declaration.as(StructDeclSyntax.self) {
            guard let properties = storedProperties(of: structDecl, in: context) else { return [] }
            members = structMembers(properties, access: access, description: description)
        } else if let enumDecl = declaration.as(EnumDeclSyntax.self) {
            guard let cases = cases(of: enumDecl, in: context) else { return [] }
            members = enumMembers(cases, type: type.trimmedDescription, access: access, description: description)
        } else {
            context.diagnose(Diagnostic(node: node, message: GenerableDiagnostic.notStructOrEnum))
            return []
        }
        let body = members.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
        let decl: DeclSyntax = "extension \(type.trimmed): SwiftLLM.Generable {\n\(raw: body)\n}"
        guard let ext = decl.as(ExtensionDeclSyntax.self) else { return [] }
        return [ext]
    }

    struct Property {
        var name: String
        var type: String
        var description: String
        var guides: [String]
    }

    /// The argument labelled `label`, as source text.
    static func argument(_ label: String, of attribute: AttributeSyntax) -> String? {
        guard case .argumentList(let list)? = attribute.arguments else { return nil }
        return list.first { $0.label?.text == label }?.expression.trimmedDescription
    }

    /// The stored instance properties a value is built from; nil after a diagnostic.
    static func storedProperties(of decl: StructDeclSyntax, in context: some MacroExpansionContext) -> [Property]? {
        var properties: [Property] = []
        var failed = false
        for member in decl.memberBlock.members {
            guard let variable = member.decl.as(VariableDeclSyntax.self) else { continue }
            if variable.modifiers.contains(where: { ["static", "class", "lazy"].contains($0.name.text) }) { continue }
            let guide = variable.attributes.compactMap { $0.as(AttributeSyntax.self) }
                .first { $0.attributeName.trimmedDescription == "Guide" }
            for binding in variable.bindings {
                guard let identifier = binding.pattern.as(IdentifierPatternSyntax.self) else { continue }
                if let accessors = binding.accessorBlock, isComputed(accessors) { continue }
                // A constant with a value cannot be set by init(_:), so it is not generated.
                if variable.bindingSpecifier.tokenKind == .keyword(.let), binding.initializer != nil { continue }
                guard let type = binding.typeAnnotation?.type else {
                    context.diagnose(Diagnostic(node: binding, message: GenerableDiagnostic.missingType(identifier.identifier.text)))
                    failed = true
                    continue
                }
                var description = "nil"
                var guides: [String] = []
                if let guide, case .argumentList(let list)? = guide.arguments {
                    for argument in list {
                        if argument.label?.text == "description" {
                            description = argument.expression.trimmedDescription
                        } else {
                            guides.append(argument.expression.trimmedDescription)
                        }
                    }
                }
                let name = identifier.identifier.text
                properties.append(Property(name: name, type: type.trimmedDescription, description: description, guides: guides))
            }
        }
        return failed ? nil : properties
    }

    static func isComputed(_ accessors: AccessorBlockSyntax) -> Bool {
        switch accessors.accessors {
        case .getter: return true
        case .accessors(let list):
            return list.contains { ["get", "set", "_read", "_modify", "unsafeAddress"].contains($0.accessorSpecifier.text) }
        }
    }

    /// The name without backticks (the JSON name) and as written (the Swift name).
    static func unquoted(_ name: String) -> String {
        name.hasPrefix("`") && name.hasSuffix("`") && name.count > 1 ? String(name.dropFirst().dropLast()) : name
    }

    static func literal(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return "\"\(escaped)\""
    }

    static func structMembers(_ properties: [Property], access: String, description: String) -> String {
        var lines = ["\(access)static var generationSchema: SwiftLLM.GenerationSchema {",
                     "    SwiftLLM.GenerationSchema.object(description: \(description), properties: ["]
        for property in properties {
            let guides = property.guides.isEmpty ? "" : ", guides: [\(property.guides.joined(separator: ", "))]"
            lines.append("        SwiftLLM.GenerationSchema.Property(name: \(literal(unquoted(property.name))), description: \(property.description), type: (\(property.type)).self\(guides)),")
        }
        lines += ["    ])", "}", "\(access)init(_ content: SwiftLLM.GeneratedContent) throws {"]
        for property in properties {
            lines.append("    self.\(property.name) = try content.value((\(property.type)).self, forProperty: \(literal(unquoted(property.name))))")
        }
        let contents = properties.map { "(\(literal(unquoted($0.name))), self.\($0.name).generatedContent)" }
        lines += ["}", "\(access)var generatedContent: SwiftLLM.GeneratedContent {",
                  "    SwiftLLM.GeneratedContent(properties: [\(contents.joined(separator: ", "))])", "}"]
        return lines.joined(separator: "\n")
    }

    /// The case names of an enum whose cases carry no values; nil after a diagnostic.
    static func cases(of decl: EnumDeclSyntax, in context: some MacroExpansionContext) -> [String]? {
        var names: [String] = []
        for member in decl.memberBlock.members {
            guard let caseDecl = member.decl.as(EnumCaseDeclSyntax.self) else { continue }
            for element in caseDecl.elements {
                if element.parameterClause != nil {
                    context.diagnose(Diagnostic(node: element, message: GenerableDiagnostic.associatedValues(element.name.text)))
                    return nil
                }
                names.append(element.name.text)
            }
        }
        if names.isEmpty {
            context.diagnose(Diagnostic(node: decl.name, message: GenerableDiagnostic.noCases))
            return nil
        }
        return names
    }

    static func enumMembers(_ cases: [String], type: String, access: String, description: String) -> String {
        let list = cases.map { literal(unquoted($0)) }.joined(separator: ", ")
        var lines = ["\(access)static var generationSchema: SwiftLLM.GenerationSchema {",
                     "    SwiftLLM.GenerationSchema.enumeration(description: \(description), cases: [\(list)])",
                     "}",
                     "\(access)init(_ content: SwiftLLM.GeneratedContent) throws {",
                     "    switch try String(content) {"]
        for name in cases {
            lines.append("    case \(literal(unquoted(name))): self = .\(name)")
        }
        lines += ["    default: throw SwiftLLM.GenerationContentError(\"not a case of \(type): \" + content.jsonString)",
                  "    }", "}", "\(access)var generatedContent: SwiftLLM.GeneratedContent {", "    switch self {"]
        for name in cases {
            lines.append("    case .\(name): SwiftLLM.GeneratedContent(\(literal(unquoted(name))))")
        }
        lines += ["    }", "}"]
        return lines.joined(separator: "\n")
    }
}

enum GenerableDiagnostic: DiagnosticMessage {
    case notStructOrEnum
    case missingType(String)
    case associatedValues(String)
    case noCases

    var message: String {
        switch self {
        case .notStructOrEnum: "@Generable applies to a struct or an enum"
        case .missingType(let name): "@Generable needs the type of '\(name)' written out (var \(name): Type)"
        case .associatedValues(let name): "@Generable supports enum cases without associated values; '\(name)' has some"
        case .noCases: "@Generable needs an enum with at least one case"
        }
    }

    var diagnosticID: MessageID { MessageID(domain: "SwiftLLMMacros", id: "\(self)") }
    var severity: DiagnosticSeverity { .error }
}
