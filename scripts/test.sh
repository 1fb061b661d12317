#!/usr/bin/env bash
# The test suite, built optimised (model-level tests need release speed) with testing enabled.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/flags.sh
swift build -c release "${SWIFTLLM_FLAGS[@]}" --product swiftllm
swift test -c release -Xswiftc -enable-testing "${SWIFTLLM_FLAGS[@]}" "$@"
