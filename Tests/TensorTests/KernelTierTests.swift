import Foundation
import Testing
import TestSupport
@testable import Tensor

/// The kernel tier a build reports, and the advice a build that misses its CPU's best tier gets.
@Suite struct KernelTierTests {
    /// The flags `KernelTier` names for this CPU's best tier are the ones `scripts/flags.sh` (which
    /// reads /proc/cpuinfo with grep, independently of the Swift parser) passes to the build.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/cpuinfo"), "needs /proc/cpuinfo"))
    func bestTierFlagsAreWhatFlagsShPasses() throws {
        let script = TestPaths.repoRoot.appendingPathComponent("scripts/flags.sh").path
        let result = try Subprocess.run(URL(fileURLWithPath: "/bin/bash"),
                                        ["-c", "unset SWIFTLLM_PORTABLE; source '\(script)'; echo \"${SWIFTLLM_FLAGS[*]}\""])
        #expect(result.status == 0, "\(result.stderr)")
        let expected = result.text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(KernelTier.flags(for: KernelTier.bestForThisCPU) == expected)
    }

    @Test func adviceNamesTheFlagsOfTheBetterTier() throws {
        let sse2 = try #require(KernelTier.advice(active: .sse2, best: .avx2))
        #expect(sse2.contains("-Xswiftc -target-cpu -Xswiftc native -Xswiftc -DSWIFTLLM_AVX2"), "\(sse2)")
        #expect(sse2.contains("sse2") && sse2.contains("avx2"))
        let avx2 = try #require(KernelTier.advice(active: .avx2, best: .avx512))
        #expect(avx2.contains("-DSWIFTLLM_X86_SIMD"), "\(avx2)")
        #expect(KernelTier.advice(active: .avx2, best: .avx2) == nil)
        #expect(KernelTier.advice(active: .avx512, best: .avx2) == nil)
        #expect(KernelTier.advice(active: .portable, best: .sse2) == nil, "SSE2 needs no flags")
    }

    /// An x86-64 build without speed flags runs the SSE2 tier, not the plain loops.
    @Test func activeTierMatchesTheBuild() {
        #if arch(x86_64) && !SWIFTLLM_AVX2 && !SWIFTLLM_X86_SIMD
        #expect(KernelTier.active == .sse2)
        #elseif SWIFTLLM_AVX2 && !SWIFTLLM_X86_SIMD
        #expect(KernelTier.active == .avx2)
        #endif
        #expect(KernelTier.advice == KernelTier.advice(active: KernelTier.active, best: KernelTier.bestForThisCPU))
    }
}
