#!/usr/bin/env python3
"""How far llama.cpp's two CPU attention paths are from each other on the reference prompts.

The reference was made with flash attention on. This runs the same build with it off, on the
same prompts and greedy tokens (teacher-forced, one decode step at a time), and reports what
the fidelity tests measure of us: the mean and max difference of the top-10 logits relative to
the top-1, and the greedy steps where the other path picks another token, with llama.cpp's
top-1 minus top-2 margin there. It calibrates the tolerances in RealModelFidelityTests.

Usage: attention_paths.py LLAMA_CPP_DIR MODEL REFERENCE_JSONL
"""
import json, sys
import numpy as np
import teacher_forced

llama, model, reference = sys.argv[1:4]
tool = teacher_forced.build(llama)
gaps, flips, greedy_prefix = [], [], []
for index, line in enumerate(open(reference)):
    r = json.loads(line)
    on, off = teacher_forced.logits(tool, model, r, flash=True), teacher_forced.logits(tool, model, r, flash=False)
    prefix = None
    for step, token in enumerate(r["greedy"]):
        position = len(r["tokens"]) - 1 + step
        top = np.argsort(-on[position], kind="stable")[:10]
        gaps.extend(np.abs((off[position, top] - off[position, top[0]]) - (on[position, top] - on[position, top[0]])).tolist())
        if int(off[position].argmax()) != token:
            flips.append((round(float(on[position, top[0]] - on[position, top[1]]), 4), index, step))
            prefix = step if prefix is None else prefix
    greedy_prefix.append(len(r["greedy"]) if prefix is None else prefix)
print(f"top-10 relative logit difference at greedy steps: mean {np.mean(gaps):.4f}, max {max(gaps):.3f}")
print(f"steps where the other path picks another token (margin, prompt, step): {sorted(flips, reverse=True)}")
print(f"greedy tokens it reproduces before the first such step, per prompt: {greedy_prefix}")
