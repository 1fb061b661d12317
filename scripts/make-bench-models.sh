#!/usr/bin/env bash
# The benchmark set at realistic sizes: random-weight GGUF models with the shapes (and real
# vocabularies) of Qwen2.5-0.5B, Qwen2.5-1.5B and Llama-3.2-1B, F16, quantized by
# `swiftllm quantize` (byte-identical to llama-quantize) to Q4_K_M, Q5_K_M, Q6_K, Q8_0 and Q4_0.
# Cached in $SWIFTLLM_BENCH_MODELS (default ~/.cache/swiftllm/bench); about 14 GB; not in CI.
#
#   scripts/make-bench-models.sh [shape ...]      # default: all three
set -euo pipefail
cd "$(dirname "$0")/.."
out=${SWIFTLLM_BENCH_MODELS:-$HOME/.cache/swiftllm/bench}
mkdir -p "$out"
[ -x .build/release/swiftllm ] || swift build -c release
shapes=("$@")
[ ${#shapes[@]} -gt 0 ] || shapes=(qwen2.5-0.5b qwen2.5-1.5b llama3.2-1b)
for shape in "${shapes[@]}"; do
  f16="$out/$shape-f16.gguf"
  [ -s "$f16" ] || python3 scripts/testing/make_bench_model.py "$shape" "$f16"
  for type in Q4_K_M Q5_K_M Q6_K Q8_0 Q4_0; do
    target="$out/$shape-$(echo "$type" | tr 'A-Z' 'a-z').gguf"
    [ -s "$target" ] || .build/release/swiftllm quantize "$f16" "$target" "$type"
  done
done
ls -la "$out"
