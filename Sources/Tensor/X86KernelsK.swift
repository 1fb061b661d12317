#if SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel

/// AVX2 / AVX-512 dot products for Q4_K and Q6_K super-blocks with Q8_K activations.
extension X86Dot {
    static func q4_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        PortableDot.q4_K(w, a, n)
    }

    static func q6_K(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        PortableDot.q6_K(w, a, n)
    }
}
#endif
