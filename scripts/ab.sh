#!/usr/bin/env bash
# A/B of two swiftllm builds on a noisy machine: alternates them for ROUNDS rounds of one
# `swiftllm bench` command and prints, per test, both medians and the median of the per-round
# ratios B/A (rounds run minutes apart drift together, so paired ratios are steadier than either
# side's figures). Build both checkouts with the same flags first, e.g.
#   git clone -q . /tmp/base && (cd /tmp/base && git checkout OLD && source scripts/flags.sh &&
#     swift build -c release -Xswiftc -enable-testing "${SWIFTLLM_FLAGS[@]}" --product swiftllm)
# Usage: scripts/ab.sh DIR_A DIR_B ROUNDS [bench arguments…]
#   scripts/ab.sh /tmp/base . 6 -p 0 -n 0 --batch 1,8 -r 5
set -euo pipefail
(($# >= 3)) || { echo "usage: $0 DIR_A DIR_B ROUNDS [bench arguments…]" >&2; exit 2; }
a=$1 b=$2 rounds=$3
shift 3
for dir in "$a" "$b"; do
  [[ -x $dir/.build/release/swiftllm ]] || { echo "no $dir/.build/release/swiftllm: build it first" >&2; exit 1; }
done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((round = 1; round <= rounds; round++)); do
  for side in A B; do
    dir=$a
    [[ $side == B ]] && dir=$b
    "$dir/.build/release/swiftllm" bench "$@" --json | sed "s/^/$round $side /" >> "$out"
  done
done
python3 - "$out" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    round_, side, text = line.split(" ", 2)
    try:
        row = json.loads(text)
    except json.JSONDecodeError:
        continue
    test = row.get("test")
    speed = row.get("avg_ts") or row.get("tokens_per_second")
    if test is None or speed is None:
        continue
    runs.setdefault(test, {}).setdefault(int(round_), {})[side] = float(speed)
print("| test | A median | B median | B/A median of rounds | rounds B > A |")
print("| --- | ---: | ---: | ---: | ---: |")
for test, rounds in runs.items():
    paired = [r for r in rounds.values() if "A" in r and "B" in r]
    if not paired:
        continue
    a = statistics.median(r["A"] for r in paired)
    b = statistics.median(r["B"] for r in paired)
    ratio = statistics.median(r["B"] / r["A"] for r in paired)
    wins = sum(r["B"] > r["A"] for r in paired)
    print(f"| {test} | {a:.1f} | {b:.1f} | {ratio:.3f} | {wins} of {len(paired)} |")
PY
