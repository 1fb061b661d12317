/// Placeholder replaced below.
public struct ToolCallFormat: Sendable {
    static func detect(templateSource: String) -> ToolCallFormat { ToolCallFormat() }
}
