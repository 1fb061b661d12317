/// Entry point of the x86 SIMD kernels: the intrinsics kernel for a type when this build has one
/// (compiled with `-DSWIFTLLM_X86_SIMD` and `-target-cpu native`), nil otherwise.
enum X86Dot {
    static func kernel(for type: GGMLType) -> VecDot? {
        #if SWIFTLLM_X86_SIMD
        return intrinsicsKernel(for: type)
        #else
        return nil
        #endif
    }
}
