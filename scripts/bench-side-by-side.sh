#!/usr/bin/env bash
# Whole-model speed, swiftllm and llama.cpp's llama-bench side by side on this machine, same
# models, same thread count, alternating round by round so both see the same machine state; then
# a table of medians over the rounds and their ratios. Not part of CI.
#
#   LLAMA_BENCH=/path/to/llama-bench scripts/bench-side-by-side.sh [threads] [rounds] [model ...]
#
# Models default to the two fetched ones plus the benchmark set of scripts/make-bench-models.sh
# where present (SWIFTLLM_BENCH_SET=0 leaves the set out). pp512 and tg128, 1 repetition per round
# (SWIFTLLM_BENCH_REPS to change). Raw JSON lines go to $SWIFTLLM_BENCH_OUT (default
# /tmp/bench-side-by-side.jsonl).
#
# llama-bench comes from llama.cpp's sources, e.g. the copy vendored in the llama-cpp-python
# sdist (`pip download llama-cpp-python==0.3.36 --no-deps --no-binary llama-cpp-python`, then
# `cmake -B build -DGGML_NATIVE=ON -DLLAMA_CURL=OFF && cmake --build build --target llama-bench`).
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-2}
rounds=${2:-3}
shift $(( $# > 2 ? 2 : $# ))
reps=${SWIFTLLM_BENCH_REPS:-1}
out=${SWIFTLLM_BENCH_OUT:-/tmp/bench-side-by-side.jsonl}
models_dir=${SWIFTLLM_MODELS:-$HOME/.cache/swiftllm/models}
bench_dir=${SWIFTLLM_BENCH_MODELS:-$HOME/.cache/swiftllm/bench}
: "${LLAMA_BENCH:?set LLAMA_BENCH to the llama-bench binary}"
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  models=("$models_dir/SmolLM2-135M-Instruct.Q4_1.gguf" "$models_dir/gemma-3-270m-q4_k_m.gguf")
  if [ "${SWIFTLLM_BENCH_SET:-1}" != 0 ]; then
    for f in "$bench_dir"/*.gguf; do
      case "$f" in *-f16.gguf|*'*'*) ;; *) models+=("$f") ;; esac
    done
  fi
fi
machine="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, threads $threads, $(date -u +%F)"
echo "machine: $machine"
: > "$out"
for round in $(seq 1 "$rounds"); do
  for model in "${models[@]}"; do
    name=$(basename "$model" .gguf)
    echo "== round $round: $name" >&2
    .build/release/swiftllm bench -m "$model" -p 512 -n 128 -r "$reps" --threads "$threads" --json |
      python3 -c 'import json,sys; [print(json.dumps({**json.loads(l),"engine":"swiftllm","model":sys.argv[1],"round":int(sys.argv[2])})) for l in sys.stdin if l.strip()]' "$name" "$round" >> "$out"
    "$LLAMA_BENCH" -m "$model" -p 512 -n 128 -r "$reps" -t "$threads" -o jsonl 2>/dev/null |
      python3 -c 'import json,sys; [print(json.dumps({**json.loads(l),"engine":"llama.cpp","model":sys.argv[1],"round":int(sys.argv[2])})) for l in sys.stdin if l.strip()]' "$name" "$round" >> "$out"
  done
done
python3 scripts/testing/bench_table.py "$out" "$machine"
