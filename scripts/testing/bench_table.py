#!/usr/bin/env python3
"""The side-by-side table from scripts/bench-side-by-side.sh's JSON lines: per model and test,
the median over rounds of each engine's tokens/s, their ratio, and for tg the weight read rate
against the streaming read bandwidth swiftllm measured in the same run.

    python3 scripts/testing/bench_table.py RESULTS.jsonl [machine line]
"""
import json
import statistics
import sys
from collections import defaultdict


def main() -> None:
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    speed = defaultdict(list)
    reads = defaultdict(list)
    for r in rows:
        if r["engine"] == "swiftllm":
            test = r["test"]
            rate = r["tokens_per_second"]
            if r.get("weight_gb_per_s") and r.get("read_bw_gb_per_s"):
                reads[(r["model"], test)].append(r["weight_gb_per_s"] / r["read_bw_gb_per_s"])
        else:
            test = f"pp{r['n_prompt']}" if r["n_prompt"] else f"tg{r['n_gen']}"
            rate = r["avg_ts"]
        speed[(r["model"], test, r["engine"])].append(rate)
    if len(sys.argv) > 2:
        print(f"machine: {sys.argv[2]}; medians of {max(r['round'] for r in rows)} alternating rounds\n")
    print("| model | test | llama.cpp (tok/s) | swiftllm (tok/s) | ratio | swiftllm weight read / bandwidth |")
    print("|---|---|---:|---:|---:|---:|")
    for model in dict.fromkeys(r["model"] for r in rows):
        for test in ("pp512", "tg128"):
            ours, theirs = speed.get((model, test, "swiftllm")), speed.get((model, test, "llama.cpp"))
            if not ours or not theirs:
                continue
            a, b = statistics.median(theirs), statistics.median(ours)
            read = reads.get((model, test))
            share = f"{statistics.median(read):.2f}" if read else "-"
            print(f"| {model} | {test} | {a:.1f} | {b:.1f} | {b / a:.2f} | {share} |")


if __name__ == "__main__":
    main()
