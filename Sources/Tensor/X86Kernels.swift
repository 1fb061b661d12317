#if SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel

extension X86Dot {
    static func intrinsicsKernel(for type: GGMLType) -> VecDot? {
        switch type {
        default: nil
        }
    }
}
#endif
