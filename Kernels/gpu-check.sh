#!/usr/bin/env bash
# On a machine with a GPU (and its Vulkan driver): builds, runs the Vulkan tests on the preferred
# device, then `bench` on the CPU and on Vulkan (with a batch of 8 sequences) for both test models,
# and device time per shader (`--profile`), and prints one table.
# Usage: Kernels/gpu-check.sh [--device N]   (models from scripts/fetch-models.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
device=()
[[ "${1:-}" == "--device" ]] && device=(--device "$2")
source scripts/flags.sh
swift build -c release -Xswiftc -enable-testing "${SWIFTLLM_FLAGS[@]}" --product swiftllm >/dev/null
bin=.build/release/swiftllm
models="${SWIFTLLM_MODELS:-$HOME/.cache/swiftllm/models}"
echo "## devices"
"$bin" devices
echo "## tests"
bash scripts/test.sh --filter "VulkanKernelTests|VulkanModelTests|VulkanCLITests" 2>&1 | grep -E "^(✔|✘) (Suite|Test run)|vulkan |perplexity" || true
echo "## bench"
for model in SmolLM2-135M-Instruct.Q4_1.gguf gemma-3-270m-q4_k_m.gguf; do
  "$bin" bench -m "$models/$model" -p 512 -n 128 -r 3 | grep -E "^\| (model|---)" | head -2
  "$bin" bench -m "$models/$model" -p 512 -n 128 -r 3 | grep -E "^\| [a-z]" | grep -v "^| model"
  "$bin" bench -m "$models/$model" --backend vulkan "${device[@]}" -p 512 -n 128 --batch 8 -r 3 | grep -E "^\| [a-z]" | grep -v "^| model"
done
echo "## device time per shader (SmolLM2, pp512 and tg128 once each)"
"$bin" bench -m "$models/SmolLM2-135M-Instruct.Q4_1.gguf" --backend vulkan "${device[@]}" -p 512 -n 128 -r 1 --profile | sed -n '/^device time/,/^peak/p' | grep -v "^peak"
