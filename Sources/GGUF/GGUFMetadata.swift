/// The key/value metadata of a GGUF file, in file order, with typed accessors whose errors name
/// the key and the type found.
public struct GGUFMetadata: Sendable, Equatable {
    public private(set) var entries: [(key: String, value: GGUFValue)] = []
    private var indexByKey: [String: Int] = [:]

    public init() {}

    /// Appends a key; returns false (and changes nothing) when the key is already present.
    @discardableResult
    public mutating func append(_ key: String, _ value: GGUFValue) -> Bool {
        guard indexByKey[key] == nil else { return false }
        indexByKey[key] = entries.count
        entries.append((key, value))
        return true
    }

    /// Replaces a key's value where it stands, or appends the key.
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if let index = indexByKey[key] {
            entries[index].value = value
        } else {
            append(key, value)
        }
    }

    public var count: Int { entries.count }
    public var keys: [String] { entries.map(\.key) }

    public subscript(key: String) -> GGUFValue? {
        indexByKey[key].map { entries[$0].value }
    }

    public func contains(_ key: String) -> Bool { indexByKey[key] != nil }

    /// `general.architecture`, if present and a string.
    public var architecture: String? {
        if case .string(let arch)? = self["general.architecture"] { return arch }
        return nil
    }

    /// The key `{architecture}.{suffix}`, e.g. `archKey("block_count")` → `llama.block_count`.
    public func archKey(_ suffix: String) throws(GGUFError) -> String {
        guard let arch = architecture else { throw GGUFError.missingKey("general.architecture") }
        return "\(arch).\(suffix)"
    }

    public static func == (lhs: GGUFMetadata, rhs: GGUFMetadata) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    // MARK: Typed accessors

    private func require(_ key: String) throws(GGUFError) -> GGUFValue {
        guard let value = self[key] else { throw GGUFError.missingKey(key) }
        return value
    }

    /// Any integer type whose value fits in `Int`.
    public func int(_ key: String) throws(GGUFError) -> Int {
        let value = try require(key)
        guard let int = value.intValue else {
            if value.type == .uint64 { throw GGUFError.valueOutOfRange(key: key, value: "\(value)") }
            throw GGUFError.typeMismatch(key: key, expected: "an integer", found: value.typeName)
        }
        return int
    }

    /// float32 or float64.
    public func float(_ key: String) throws(GGUFError) -> Float {
        let value = try require(key)
        guard let double = value.doubleValue else {
            throw GGUFError.typeMismatch(key: key, expected: "a float", found: value.typeName)
        }
        return Float(double)
    }

    public func bool(_ key: String) throws(GGUFError) -> Bool {
        let value = try require(key)
        guard case .bool(let b) = value else {
            throw GGUFError.typeMismatch(key: key, expected: "bool", found: value.typeName)
        }
        return b
    }

    public func string(_ key: String) throws(GGUFError) -> String {
        let value = try require(key)
        guard case .string(let s) = value else {
            throw GGUFError.typeMismatch(key: key, expected: "string", found: value.typeName)
        }
        return s
    }

    public func array(_ key: String) throws(GGUFError) -> GGUFArray {
        let value = try require(key)
        guard case .array(let a) = value else {
            throw GGUFError.typeMismatch(key: key, expected: "array", found: value.typeName)
        }
        return a
    }

    /// An array whose elements are all strings, kept compact: read elements with its subscript or
    /// `withUTF8(at:_:)` rather than building a `[String]` when the array is large.
    public func stringArray(_ key: String) throws(GGUFError) -> GGUFArray {
        let array = try array(key)
        guard array.isStringArray else {
            throw GGUFError.typeMismatch(key: key, expected: "array[string]", found: "array[\(array.elementType)]")
        }
        return array
    }

    public func strings(_ key: String) throws(GGUFError) -> [String] {
        try stringArray(key).compactMap { element in
            if case .string(let s) = element { s } else { nil }
        }
    }

    public func ints(_ key: String) throws(GGUFError) -> [Int] {
        let array = try array(key)
        var result: [Int] = []
        result.reserveCapacity(array.count)
        for element in array {
            guard let int = element.intValue else {
                throw GGUFError.typeMismatch(key: key, expected: "array of integers", found: "array[\(array.elementType)]")
            }
            result.append(int)
        }
        return result
    }

    public func floats(_ key: String) throws(GGUFError) -> [Float] {
        let array = try array(key)
        var result: [Float] = []
        result.reserveCapacity(array.count)
        for element in array {
            guard let double = element.doubleValue else {
                throw GGUFError.typeMismatch(key: key, expected: "array of floats", found: "array[\(array.elementType)]")
            }
            result.append(Float(double))
        }
        return result
    }

    /// Optional variants: nil when the key is absent, an error when present with the wrong type.
    public func intIfPresent(_ key: String) throws(GGUFError) -> Int? {
        contains(key) ? try int(key) : nil
    }

    public func floatIfPresent(_ key: String) throws(GGUFError) -> Float? {
        contains(key) ? try float(key) : nil
    }

    public func boolIfPresent(_ key: String) throws(GGUFError) -> Bool? {
        contains(key) ? try bool(key) : nil
    }

    public func stringIfPresent(_ key: String) throws(GGUFError) -> String? {
        contains(key) ? try string(key) : nil
    }
}
