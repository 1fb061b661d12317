#if SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel
import Testing
import TestSupport
@testable import Tensor

/// Integer identities the x86 legacy kernels rely on to skip work per block.
@Suite struct X86KernelTests {
    /// `packedNibbles` + `reduce8(highShift: 4)` sums the same integers as `nibbles` + `reduce8`,
    /// and both the scalar Σ q·a, over random nibbles mixed with extreme activations (±127, 0).
    @Test func packedNibblesSumLikeExpandedNibbles() {
        var rng = SeededRandom(seed: 11)
        for _ in 0..<2_000 {
            var weights = [UInt8](repeating: 0, count: 8 * 16)
            var activations = [Int8](repeating: 0, count: 8 * 32)
            for i in weights.indices { weights[i] = UInt8(truncatingIfNeeded: rng.next()) }
            for i in activations.indices {
                let r = rng.next()
                activations[i] = r % 5 == 0 ? [127, -127, 0][Int(r / 5 % 3)] : Int8(truncatingIfNeeded: Int(r % 255) - 127)
            }
            let (expanded, packed) = weights.withUnsafeBytes { w in
                activations.withUnsafeBytes { a in
                    func dots(_ expand: (UnsafeRawPointer) -> __m256i) -> [__m256i] {
                        (0..<8).map { X86Dot.dotBytes(expand(w.baseAddress! + 16 * $0), a.baseAddress! + 32 * $0) }
                    }
                    let e = dots(X86Dot.nibbles), p = dots(X86Dot.packedNibbles)
                    return (X86Dot.reduce8(e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7]),
                            X86Dot.reduce8(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], highShift: 4))
                }
            }
            var want = SIMD8<Int32>()
            for b in 0..<8 {
                for j in 0..<16 {
                    let byte = Int32(weights[16 * b + j])
                    want[b] += (byte & 0x0F) * Int32(activations[32 * b + j]) + (byte >> 4) * Int32(activations[32 * b + 16 + j])
                }
            }
            let wide = unsafeBitCast(expanded, to: SIMD8<Int32>.self), got = unsafeBitCast(packed, to: SIMD8<Int32>.self)
            if want != got || want != wide {
                Issue.record("sums \(got) (packed), \(wide) (expanded) instead of \(want)")
                return
            }
        }
    }
}
#endif
