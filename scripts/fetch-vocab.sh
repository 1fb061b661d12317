#!/usr/bin/env bash
# Fetch the tokenizer test vocabularies and chat templates of the newer model families from
# llama.cpp's sources, as shipped in the llama-cpp-python 0.3.36 sdist on PyPI:
#   models/ggml-vocab-{gemma-4,qwen35}.gguf with llama.cpp's own cases (.inp/.out)
#   models/templates/{Qwen3.5-4B,HuggingFaceTB-SmolLM3-3B,mistralai-Ministral-3-14B-Reasoning-2512}.jinja
# Usage: scripts/fetch-vocab.sh [DIR]   (default: $SWIFTLLM_VOCAB or ~/.cache/swiftllm/vocab)
# Work already done (files with the right sha256) is skipped.
set -euo pipefail

dest="${1:-${SWIFTLLM_VOCAB:-$HOME/.cache/swiftllm/vocab}}"
mkdir -p "$dest"
declare -A sha=(
  [ggml-vocab-gemma-4.gguf]=58b1ba0b57f3b4d7c468ba4ffd91ad85190346a3d7ad7e71d1cabaae8a14bb65
  [ggml-vocab-qwen35.gguf]=63ed952ff338996cf0bdf24a7b10015124273f75c6dc9bb427356aa3f67ec62c
)
files=(ggml-vocab-gemma-4.gguf ggml-vocab-gemma-4.gguf.inp ggml-vocab-gemma-4.gguf.out
       ggml-vocab-qwen35.gguf ggml-vocab-qwen35.gguf.inp ggml-vocab-qwen35.gguf.out
       templates/Qwen3.5-4B.jinja templates/HuggingFaceTB-SmolLM3-3B.jinja
       templates/mistralai-Ministral-3-14B-Reasoning-2512.jinja)

complete=1
for f in "${files[@]}"; do [[ -f "$dest/$f" ]] || complete=0; done
for f in "${!sha[@]}"; do
  [[ -f "$dest/$f" && "$(sha256sum "$dest/$f" | cut -d' ' -f1)" == "${sha[$f]}" ]] || complete=0
done
if [[ $complete == 1 ]]; then echo "ok: $dest (already there)"; exit 0; fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m pip download --no-deps --no-binary llama-cpp-python --quiet --disable-pip-version-check -d "$work" "llama-cpp-python==0.3.36"
archive="$(ls "$work"/llama_cpp_python-0.3.36.tar.gz)"
members=()
for f in "${files[@]}"; do members+=("llama_cpp_python-0.3.36/vendor/llama.cpp/models/$f"); done
tar -xzf "$archive" -C "$work" "${members[@]}"
mkdir -p "$dest/templates"
for f in "${files[@]}"; do cp "$work/llama_cpp_python-0.3.36/vendor/llama.cpp/models/$f" "$dest/$f"; done
for f in "${!sha[@]}"; do
  got="$(sha256sum "$dest/$f" | cut -d' ' -f1)"
  if [[ "$got" != "${sha[$f]}" ]]; then echo "error: $dest/$f has sha256 $got, expected ${sha[$f]}" >&2; exit 1; fi
done
echo "ok: $dest"
