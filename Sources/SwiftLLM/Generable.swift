/// A type the model can generate: it has a JSON Schema, converts from the JSON generated under it
/// and back. The `@Generable` macro writes all three for structs and for enums without associated
/// values; `String`, `Int`, `Double`, `Float`, `Bool`, arrays and optionals of generable types
/// are generable already.
///
/// ```swift
/// @Generable(description: "A person")
/// struct Contact {
///     @Guide(description: "full name") var name: String
///     @Guide(.range(0...120)) var age: Int
///     var email: String?
/// }
/// let contact = try await session.respond(to: "Invent a person", generating: Contact.self).content
/// ```
public protocol Generable: Sendable {
    /// The JSON Schema values of this type are generated under.
    static var generationSchema: GenerationSchema { get }
    /// Builds a value from content generated under `generationSchema`.
    init(_ content: GeneratedContent) throws
    /// The value as JSON content (what a tool's arguments or a transcript show).
    var generatedContent: GeneratedContent { get }
}

/// Makes a struct, or an enum whose cases carry no values, `Generable`: its JSON Schema (stored
/// properties in order, optionals not required, nested generable types inline, `@Guide`
/// descriptions and constraints), `init(_:)` and `generatedContent`.
@attached(extension, conformances: Generable, names: named(init(_:)), named(generationSchema), named(generatedContent))
public macro Generable(description: String? = nil) = #externalMacro(module: "SwiftLLMMacros", type: "GenerableMacro")

/// Describes and constrains one stored property of a `@Generable` type:
/// `@Guide(description: "age in years", .range(0...120)) var age: Int`.
@attached(peer)
public macro Guide(description: String? = nil, _ guides: GenerationGuide...) = #externalMacro(module: "SwiftLLMMacros", type: "GuideMacro")
