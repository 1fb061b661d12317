#!/usr/bin/env bash
# Loopback load on `swiftllm serve --parallel 8` (and on llama.cpp's llama-server -np 8 when
# LLAMA_SERVER points to its binary): 1, 4 and 8 clients sending chat requests of 128 completion
# tokens at temperature 0.8 for SECONDS each (default 30). Prints one table.
# usage: scripts/load.sh [MODEL] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
model="${1:-$HOME/.cache/swiftllm/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
seconds="${2:-30}"
results=$(mktemp)
trap 'rm -f "$results"; [[ -n "${server:-}" ]] && kill "$server" 2>/dev/null || true' EXIT

run_load() {   # NAME BASE_URL
  for clients in 1 4 8; do
    echo "$1 $(python3 scripts/testing/load.py "$2" "$clients" "$seconds")" >> "$results"
  done
}

wait_up() {   # PORT
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$1/health" > /dev/null && return 0
    sleep 0.5
  done
  echo "server on port $1 did not come up" >&2
  return 1
}

.build/release/swiftllm serve -m "$model" --port 8471 --parallel 8 --ctx 2048 2> /dev/null &
server=$!
wait_up 8471
run_load swiftllm http://127.0.0.1:8471/v1
kill -INT "$server"; wait "$server" || true; server=

if [[ -n "${LLAMA_SERVER:-}" ]]; then
  "$LLAMA_SERVER" -m "$model" --port 8472 -np 8 -c 16384 > /dev/null 2>&1 &
  server=$!
  wait_up 8472
  run_load llama-server http://127.0.0.1:8472/v1
  kill "$server"; wait "$server" || true; server=
fi

python3 - "$results" <<'PY'
import json, sys
rows = [line.split(" ", 1) for line in open(sys.argv[1]) if line.strip()]
print(f"{'server':<13}{'clients':>8}{'requests':>9}{'errors':>8}{'tok/s':>9}{'p50 s':>8}{'p99 s':>8}")
for name, text in rows:
    r = json.loads(text)
    print(f"{name:<13}{r['clients']:>8}{r['requests']:>9}{sum(r['errors'].values()):>8}{r['tok_per_s']:>9}{r['p50_s'] or '-':>8}{r['p99_s'] or '-':>8}")
PY
