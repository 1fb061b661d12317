import Foundation
import Testing
import TestSupport
@testable import Runtime

@Suite struct DebugTmpTests {
    @Test func show() throws {
        let names = (ProcessInfo.processInfo.environment["DBG_FILES"] ?? "").split(separator: ",")
        for n in names {
            let url = MaskBenchTests.dir.appendingPathComponent(String(n))
            let r = SchemaConformance.check(file: url, vocabulary: nil)
            print(n, r.compiled, r.error ?? "", r.wrong.prefix(2))
        }
    }
}
