#!/usr/bin/env bash
# Release build of the swiftllm CLI with the speed flags: .build/release/swiftllm
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/flags.sh
swift build -c release "${SWIFTLLM_FLAGS[@]}" "$@"
