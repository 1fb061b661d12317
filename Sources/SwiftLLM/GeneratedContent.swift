import Runtime

/// A JSON value generated under a schema, and how `Generable` types are built from it.
///
/// ```swift
/// let name = try content.value(String.self, forProperty: "name")
/// let age = try content.value(Int?.self, forProperty: "age")   // nil when absent or null
/// ```
public struct GeneratedContent: Sendable, Equatable, CustomStringConvertible {
    let json: JSONValue

    init(json: JSONValue) {
        self.json = json
    }

    /// Parses JSON text.
    public init(json text: String) throws {
        do {
            json = try JSONValue(parsing: text)
        } catch {
            throw GenerationContentError("not JSON: \(error)")
        }
    }

    public init(_ string: String) { json = .string(string) }
    public init(_ value: Int) { json = .int(value) }
    public init(_ value: Double) { json = value.isFinite ? .double(value) : .null }
    public init(_ value: Bool) { json = .bool(value) }
    public init(elements: [GeneratedContent]) { json = .array(elements.map(\.json)) }
    /// An object with these members, in this order; members whose content is null are left out
    /// (an optional property that is nil is absent, as its schema expects).
    public init(properties: [(String, GeneratedContent)]) {
        json = .object(JSONObject(properties.filter { $0.1.json != .null }.map { ($0.0, $0.1.json) }))
    }

    /// JSON null.
    public static let null = GeneratedContent(json: .null)

    /// The content as compact JSON text.
    public var jsonString: String { json.compactText }
    public var description: String { jsonString }

    public var isNull: Bool { json == .null }
    /// The text, when the content is a JSON string.
    public var stringValue: String? { json.stringValue }
    /// The elements, when the content is a JSON array.
    public var elements: [GeneratedContent]? { json.arrayValue?.map(GeneratedContent.init(json:)) }
    /// The member names in order, when the content is a JSON object.
    public var propertyNames: [String]? { json.objectValue?.keys }

    /// The content converted to `type`.
    public func value<Value: Generable>(_ type: Value.Type = Value.self) throws -> Value {
        try Value(self)
    }

    /// The member `name` converted to `type`. A missing member reads as null, which only an
    /// optional type accepts.
    public func value<Value: Generable>(_ type: Value.Type = Value.self, forProperty name: String) throws -> Value {
        guard let object = json.objectValue else { throw GenerationContentError("expected an object with \"\(name)\", got \(jsonString.prefix(80))") }
        do {
            return try Value(GeneratedContent(json: object[name] ?? .null))
        } catch let error as GenerationContentError {
            throw GenerationContentError("\"\(name)\": \(error.message)")
        }
    }
}

/// Content that does not convert to the type asked for.
public struct GenerationContentError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
