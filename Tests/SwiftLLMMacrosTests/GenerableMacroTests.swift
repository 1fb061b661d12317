import SwiftSyntaxMacros
import SwiftSyntaxMacrosTestSupport
import SwiftLLMMacros
import XCTest

/// What `@Generable` and `@Guide` expand to, and what they refuse. The expected text is the
/// expansion these tests pin; the generated code is compiled and run against SwiftSyntax's own
/// parser here and against the model in `SwiftLLMTests.GenerableTests`.
final class GenerableMacroTests: XCTestCase {
    let macros: [String: Macro.Type] = ["Generable": GenerableMacro.self, "Guide": GuideMacro.self]

    func testStructWithGuidesOptionalsAndArrays() {
        assertMacroExpansion(
            """
            @Generable(description: "A person")
            public struct Contact {
                @Guide(description: "full name") var name: String
                @Guide(.range(0...120)) var age: Int
                var email: String?
                @Guide(description: "tags", .count(1...3), .pattern("[a-z]+")) var tags: [String]
                let kind = "contact"
                static var count = 0
                var summary: String { name }
            }
            """,
            expandedSource: """
            public struct Contact {
                var name: String
                var age: Int
                var email: String?
                var tags: [String]
                let kind = "contact"
                static var count = 0
                var summary: String { name }
            }

            extension Contact: SwiftLLM.Generable {
                public static var generationSchema: SwiftLLM.GenerationSchema {
                    SwiftLLM.GenerationSchema.object(description: "A person", properties: [
                        SwiftLLM.GenerationSchema.Property(name: "name", description: "full name", type: (String).self),
                        SwiftLLM.GenerationSchema.Property(name: "age", description: nil, type: (Int).self, guides: [.range(0 ... 120)]),
                        SwiftLLM.GenerationSchema.Property(name: "email", description: nil, type: (String?).self),
                        SwiftLLM.GenerationSchema.Property(name: "tags", description: "tags", type: ([String]).self, guides: [.count(1 ... 3), .pattern("[a-z]+")]),
                    ])
                }
                public init(_ content: SwiftLLM.GeneratedContent) throws {
                    self.name = try content.value((String).self, forProperty: "name")
                    self.age = try content.value((Int).self, forProperty: "age")
                    self.email = try content.value((String?).self, forProperty: "email")
                    self.tags = try content.value(([String]).self, forProperty: "tags")
                }
                public var generatedContent: SwiftLLM.GeneratedContent {
                    SwiftLLM.GeneratedContent(properties: [("name", self.name.generatedContent), ("age", self.age.generatedContent), ("email", self.email.generatedContent), ("tags", self.tags.generatedContent)])
                }
            }
            """,
            macros: macros)
    }

    func testEnumCasesBecomeStrings() {
        assertMacroExpansion(
            """
            @Generable
            enum Mood {
                case happy, sad
                case `default`
            }
            """,
            expandedSource: """
            enum Mood {
                case happy, sad
                case `default`
            }

            extension Mood: SwiftLLM.Generable {
                static var generationSchema: SwiftLLM.GenerationSchema {
                    SwiftLLM.GenerationSchema.enumeration(description: nil, cases: ["happy", "sad", "default"])
                }
                init(_ content: SwiftLLM.GeneratedContent) throws {
                    switch try String(content) {
                    case "happy":
                        self = .happy
                    case "sad":
                        self = .sad
                    case "default":
                        self = .`default`
                    default:
                        throw SwiftLLM.GenerationContentError("not a case of Mood: " + content.jsonString)
                    }
                }
                var generatedContent: SwiftLLM.GeneratedContent {
                    switch self {
                    case .happy:
                        SwiftLLM.GeneratedContent("happy")
                    case .sad:
                        SwiftLLM.GeneratedContent("sad")
                    case .`default`:
                        SwiftLLM.GeneratedContent("default")
                    }
                }
            }
            """,
            macros: macros)
    }

    func testRefusals() {
        assertMacroExpansion(
            "@Generable\nenum Shape {\n    case circle(radius: Double)\n}",
            expandedSource: "enum Shape {\n    case circle(radius: Double)\n}",
            diagnostics: [DiagnosticSpec(message: "@Generable supports enum cases without associated values; 'circle' has some",
                                         line: 3, column: 10)],
            macros: macros)
        assertMacroExpansion(
            "@Generable\nstruct Point {\n    var x = 1.0\n}",
            expandedSource: "struct Point {\n    var x = 1.0\n}",
            diagnostics: [DiagnosticSpec(message: "@Generable needs the type of 'x' written out (var x: Type)", line: 3, column: 9)],
            macros: macros)
        assertMacroExpansion(
            "@Generable\nclass Box {\n}",
            expandedSource: "class Box {\n}",
            diagnostics: [DiagnosticSpec(message: "@Generable applies to a struct or an enum", line: 1, column: 1)],
            macros: macros)
    }
}
