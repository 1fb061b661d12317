# Sourced by the build and test scripts: the speed flags for this machine's CPU.
# -target-cpu native turns on AVX2/AVX-512 code generation; SWIFTLLM_X86_SIMD enables the
# intrinsics kernels, which need it. Set SWIFTLLM_PORTABLE=1 to build the portable code only.
SWIFTLLM_FLAGS=()
if [[ "${SWIFTLLM_PORTABLE:-0}" != 1 && "$(uname -m)" == x86_64 ]] && grep -qw avx2 /proc/cpuinfo; then
  SWIFTLLM_FLAGS=(-Xswiftc -target-cpu -Xswiftc native -Xswiftc -DSWIFTLLM_X86_SIMD)
fi
