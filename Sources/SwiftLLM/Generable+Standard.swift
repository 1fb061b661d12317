import Runtime

extension String: Generable {
    public static var generationSchema: GenerationSchema { .primitive("string") }
    public init(_ content: GeneratedContent) throws {
        guard let text = content.json.stringValue else { throw GenerationContentError("expected a string, got \(content.jsonString.prefix(80))") }
        self = text
    }
    public var generatedContent: GeneratedContent { GeneratedContent(self) }
}

extension Int: Generable {
    public static var generationSchema: GenerationSchema { .primitive("integer") }
    public init(_ content: GeneratedContent) throws {
        switch content.json {
        case .int(let value): self = value
        case .double(let value) where value == value.rounded() && abs(value) < 9.2e18: self = Int(value)
        default: throw GenerationContentError("expected an integer, got \(content.jsonString.prefix(80))")
        }
    }
    public var generatedContent: GeneratedContent { GeneratedContent(self) }
}

extension Double: Generable {
    public static var generationSchema: GenerationSchema { .primitive("number") }
    public init(_ content: GeneratedContent) throws {
        guard let value = content.json.doubleValue else { throw GenerationContentError("expected a number, got \(content.jsonString.prefix(80))") }
        self = value
    }
    public var generatedContent: GeneratedContent { GeneratedContent(self) }
}

extension Float: Generable {
    public static var generationSchema: GenerationSchema { .primitive("number") }
    public init(_ content: GeneratedContent) throws { self = Float(try Double(content)) }
    public var generatedContent: GeneratedContent { GeneratedContent(Double(self)) }
}

extension Bool: Generable {
    public static var generationSchema: GenerationSchema { .primitive("boolean") }
    public init(_ content: GeneratedContent) throws {
        guard let value = content.json.boolValue else { throw GenerationContentError("expected true or false, got \(content.jsonString.prefix(80))") }
        self = value
    }
    public var generatedContent: GeneratedContent { GeneratedContent(self) }
}

extension Array: Generable where Element: Generable {
    public static var generationSchema: GenerationSchema { .array(of: Element.generationSchema) }
    public init(_ content: GeneratedContent) throws {
        guard let elements = content.elements else { throw GenerationContentError("expected an array, got \(content.jsonString.prefix(80))") }
        self = try elements.enumerated().map { index, element in
            do {
                return try Element(element)
            } catch let error as GenerationContentError {
                throw GenerationContentError("[\(index)]: \(error.message)")
            }
        }
    }
    public var generatedContent: GeneratedContent { GeneratedContent(elements: map(\.generatedContent)) }
}

/// An optional member may be left out; absent and null both read as nil.
extension Optional: Generable where Wrapped: Generable {
    public static var generationSchema: GenerationSchema { Wrapped.generationSchema.optional }
    public init(_ content: GeneratedContent) throws {
        self = content.isNull ? nil : try Wrapped(content)
    }
    public var generatedContent: GeneratedContent { map(\.generatedContent) ?? .null }
}

extension GeneratedContent: Generable {
    /// Any JSON value.
    public static var generationSchema: GenerationSchema { GenerationSchema(json: .object(JSONObject())) }
    public init(_ content: GeneratedContent) throws { self = content }
    public var generatedContent: GeneratedContent { self }
}
