#!/usr/bin/env bash
# The test suite, built optimised (model-level tests need release speed) with testing enabled.
# With arguments (e.g. --filter X) they go to one `swift test` run. Without, three runs: the agent
# suites (and the SwiftLLM API tests, which cancel generations and agent runs) wait on subprocesses,
# timers and tools, and Swift Testing runs suites in parallel on the
# cooperative threads (one per core), which the model-level suites keep busy for minutes at a time
# on a 2-core machine; the sampled-calls suites (SmolLM2's, and the tiny models' native syntaxes)
# and the speculative-calls suite (SmolLM2 over 24 BFCL questions, three ways)
# are themselves model-heavy and hold both cooperative threads for a minute, which starves the
# agent suites' timers, so they run last, apart from them.
# The first `swift test` builds the tests, the swiftllm executable the CLI tests run and Quickstart;
# the other two run what it built (`--skip-build`: a second build step costs ~40 s even when
# nothing changed).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/flags.sh
test=(swift test -c release -Xswiftc -enable-testing "${SWIFTLLM_FLAGS[@]}")
if (($#)); then
  "${test[@]}" "$@"
else
  "${test[@]}" --skip "AgentTests\.|SwiftLLMTests\."
  "${test[@]}" --skip-build --filter "AgentTests\.|SwiftLLMTests\." --skip "ConstrainedCallValidityTests|NativeCallFormatTests|SpeculativeCallTests"
  "${test[@]}" --skip-build --filter "ConstrainedCallValidityTests|NativeCallFormatTests|SpeculativeCallTests"
fi
