import Foundation
import Testing
import TestSupport
@testable import Runtime

@Suite struct DebugTmpTests {
    @Test func slowest() throws {
        guard ProcessInfo.processInfo.environment["DBG_SLOW"] != nil else { return }
        var times: [(Double, String)] = []
        let clock = ContinuousClock()
        for prefix in ["Github_easy", "Glaiveai2K"] {
            for url in try MaskBenchTests.files(prefix: prefix) {
                let d = clock.measure { _ = SchemaConformance.check(file: url, vocabulary: nil) }
                times.append((Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1000, url.lastPathComponent))
            }
        }
        times.sort { $0.0 > $1.0 }
        print("total ms", times.reduce(0) { $0 + $1.0 })
        for t in times.prefix(15) { print(t) }
    }
}

@Suite struct DebugTmp2Tests {
    @Test func repeatFiles() throws {
        guard let names = ProcessInfo.processInfo.environment["DBG_REPEAT"] else { return }
        for _ in 0..<5 {
            for n in names.split(separator: ",") {
                _ = SchemaConformance.check(file: MaskBenchTests.dir.appendingPathComponent(String(n)), vocabulary: nil)
            }
        }
    }
}
