import SwiftCompilerPlugin
import SwiftSyntaxMacros

@main
struct SwiftLLMMacrosPlugin: CompilerPlugin {
    let providingMacros: [Macro.Type] = [GenerableMacro.self, GuideMacro.self]
}
