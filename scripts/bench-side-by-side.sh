#!/usr/bin/env bash
# Whole-model speed, swiftllm and llama.cpp's llama-bench side by side on this machine, same
# models, same thread count, alternating so both see the same machine state. Not part of CI.
#
#   LLAMA_BENCH=/path/to/llama-bench scripts/bench-side-by-side.sh [threads] [repetitions]
#
# llama-bench comes from llama.cpp's sources, e.g. the copy vendored in the llama-cpp-python
# sdist (`pip download llama-cpp-python --no-deps --no-binary llama-cpp-python`, then
# `cmake -B build -DGGML_NATIVE=ON && cmake --build build --target llama-bench`).
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-2}
reps=${2:-5}
models=${SWIFTLLM_MODELS:-$HOME/.cache/swiftllm/models}
: "${LLAMA_BENCH:?set LLAMA_BENCH to the llama-bench binary}"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, threads $threads, $(date -u +%F)"
for model in SmolLM2-135M-Instruct.Q4_1.gguf gemma-3-270m-q4_k_m.gguf; do
  for round in 1 2; do
    echo "== $model, round $round"
    .build/release/swiftllm bench -m "$models/$model" -p 512 -n 128 -r "$reps" --threads "$threads"
    "$LLAMA_BENCH" -m "$models/$model" -p 512 -n 128 -r "$reps" -t "$threads"
  done
done
