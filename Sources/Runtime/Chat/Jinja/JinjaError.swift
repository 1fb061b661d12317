/// Why a template failed to compile or render. Every failure of an untrusted template lands here;
/// nothing in the interpreter traps.
public struct JinjaError: Error, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// The template text is not valid Jinja (or uses a tag we do not support, such as `include`).
        case syntax
        /// An undefined value was used where a real one is needed (`undefined.x`, `undefined + 1`).
        case undefined
        /// An operation on values of the wrong type (`'a' + 1`, iterating `none`).
        case type
        /// The template reached for something the sandbox forbids (`_private` attributes, mutating methods).
        case security
        /// A resource bound was exceeded (output size, loop steps, recursion, `range()` length).
        case limit
        /// The template called `raise_exception(message)`.
        case raised
    }

    public let kind: Kind
    public let message: String
    /// 1-based line in the template source, when known.
    public var line: Int?

    public init(_ kind: Kind, _ message: String, line: Int? = nil) {
        self.kind = kind
        self.message = message
        self.line = line
    }

    public var description: String {
        let place = line.map { " (template line \($0))" } ?? ""
        return "\(kind.rawValue) error\(place): \(message)"
    }

    static func syntax(_ message: String, line: Int) -> JinjaError { JinjaError(.syntax, message, line: line) }
    static func type(_ message: String) -> JinjaError { JinjaError(.type, message) }
    static func undefined(_ message: String) -> JinjaError { JinjaError(.undefined, message) }
    static func security(_ message: String) -> JinjaError { JinjaError(.security, message) }
    static func limit(_ message: String) -> JinjaError { JinjaError(.limit, message) }
}
