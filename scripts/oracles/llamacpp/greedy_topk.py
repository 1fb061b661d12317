#!/usr/bin/env python3
"""llama.cpp's top-10 logits at every step of the reference greedy continuations.

The reference files in ../shared/reference/*.jsonl give llama.cpp's top-10 only at prompt
positions. This feeds each prompt plus its greedy continuation (teacher-forced) through
llama.cpp's library and records the top-10 logits at every greedy step, so that tests can tell
near-ties (where any other summation order may pick the other token) from clear choices.

Needs a llama.cpp build (libllama) of the reference's version, 0c1e570: see README.md here.
Usage: greedy_topk.py LLAMA_CPP_DIR MODEL REFERENCE_JSONL OUT_JSONL
"""
import json, sys
import numpy as np
import teacher_forced

llama, model, reference, out = sys.argv[1:5]
tool = teacher_forced.build(llama)
with open(out, "w") as sink:
    for index, line in enumerate(open(reference)):
        r = json.loads(line)
        logits = teacher_forced.logits(tool, model, r, flash=True)
        for position, top in enumerate(r["topk"]):
            for token, logit, _ in top:
                assert abs(logits[position, token] - logit) < 1e-4, (index, position, token)
        steps = []
        for step, token in enumerate(r["greedy"]):
            row = logits[len(r["tokens"]) - 1 + step]
            best = np.argsort(-row, kind="stable")[:10]
            assert best[0] == token, (index, step)
            steps.append([[int(t), round(float(row[t]), 6)] for t in best])
        sink.write(json.dumps({"prompt": index, "greedy": r["greedy"], "topk": steps}) + "\n")
print(f"wrote {out}")
