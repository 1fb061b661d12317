#if SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel

/// AVX-512 dot product of BF16 weights with F32 activations.
///
/// A bf16 is the high half of an F32, so widening to 32 bits and shifting left by 16 is the exact
/// conversion (`vdpbf16ps` would need the activations rounded to bf16, which costs accuracy).
/// The portable version's `SIMD16<UInt32>(truncatingIfNeeded:)` is not vectorised by LLVM.
extension X86Dot {
    static func bf16(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        @inline(__always) func weights(_ i: Int) -> __m512 {
            let h = _mm512_cvtepu16_epi32(load256(w + 2 * i))
            return unsafeBitCast(_mm512_slli_epi32(h, 16), to: __m512.self)
        }
        @inline(__always) func activations(_ i: Int) -> __m512 {
            a.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
        }
        // Two accumulators, so the FMA latency does not limit the loop.
        var acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps()
        var i = 0
        while i + 32 <= n {
            acc0 = _mm512_fmadd_ps(weights(i), activations(i), acc0)
            acc1 = _mm512_fmadd_ps(weights(i + 16), activations(i + 16), acc1)
            i += 32
        }
        if i + 16 <= n {
            acc0 = _mm512_fmadd_ps(weights(i), activations(i), acc0)
            i += 16
        }
        var sum = _mm512_add_ps(acc0, acc1).sum()
        while i < n {
            let bits = UInt32(w.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16
            sum += Float(bitPattern: bits) * a.loadUnaligned(fromByteOffset: 4 * i, as: Float.self)
            i += 1
        }
        return sum
    }
}
#endif
