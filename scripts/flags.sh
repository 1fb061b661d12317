# Sourced by the build and test scripts: the speed flags for this machine's CPU.
# -target-cpu native turns on AVX2/AVX-512 code generation; SWIFTLLM_X86_SIMD enables the
# intrinsics kernels, which need it and use AVX-512 F/BW/VL and VNNI (vpdpbusd): without all of
# them, on a CPU with AVX2, FMA and F16C, SWIFTLLM_AVX2 builds the AVX2 tier instead. Set SWIFTLLM_PORTABLE=1 to build
# without flags, for baseline x86-64 (the SSE2 tier: what a package that depends on swiftllm gets by default).
SWIFTLLM_FLAGS=()
swiftllm_has_simd_features() {
  local feature
  for feature in avx2 avx512f avx512bw avx512vl avx512_vnni; do
    grep -qw "$feature" /proc/cpuinfo || return 1
  done
}
if [[ "${SWIFTLLM_PORTABLE:-0}" != 1 && "$(uname -m)" == x86_64 ]]; then
  if swiftllm_has_simd_features; then
    SWIFTLLM_FLAGS=(-Xswiftc -target-cpu -Xswiftc native -Xswiftc -DSWIFTLLM_X86_SIMD)
  elif grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo && grep -qw f16c /proc/cpuinfo; then
    # No AVX-512: the AVX2 tier (Sources/Tensor/AVX2Dot*.swift, the avx512 tier's float steps)
    # for the hot types, the portable kernels auto-vectorised to AVX2 for the rest.
    SWIFTLLM_FLAGS=(-Xswiftc -target-cpu -Xswiftc native -Xswiftc -DSWIFTLLM_AVX2)
  fi
fi
