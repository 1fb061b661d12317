#!/usr/bin/env python3
"""llama.cpp's top-10 logits at every step of the reference greedy continuations.

The reference files in ../shared/reference/*.jsonl give llama.cpp's top-10 only at prompt
positions. This feeds each prompt plus its greedy continuation (teacher-forced) through
llama.cpp's library and records the top-10 logits at every greedy step, so that tests can tell
near-ties (where any other summation order may pick the other token) from clear choices.

Needs a llama.cpp build (libllama) of the reference's version, 0c1e570: see README.md here.
Usage: greedy_topk.py LLAMA_CPP_DIR MODEL REFERENCE_JSONL OUT_JSONL
"""
import json, os, subprocess, sys, tempfile
import numpy as np

llama, model, reference, out = sys.argv[1:5]
here = os.path.dirname(os.path.abspath(__file__))
tool = os.path.join(tempfile.mkdtemp(), "teacher_forced_logits")
subprocess.run(["gcc", "-O2", "-o", tool, os.path.join(here, "teacher_forced_logits.c"),
                f"-I{llama}/include", f"-I{llama}/ggml/include", f"-L{llama}/build/bin",
                "-lllama", "-lggml", "-lggml-base", f"-Wl,-rpath,{llama}/build/bin"], check=True)
# The reference was made with flash attention on, 2 threads and the whole prompt in one ubatch:
# with these settings the prompt top-10 logits reproduce the reference file to 1e-5.
env = dict(os.environ, NB="2048", NUB="2048")
with open(out, "w") as sink:
    for index, line in enumerate(open(reference)):
        r = json.loads(line)
        dump = os.path.join(os.path.dirname(tool), f"logits{index}.bin")
        args = [tool, model, "1", "2", dump] + [str(t) for t in r["tokens"]] + ["|"] + [str(t) for t in r["greedy"]]
        subprocess.run(args, check=True, env=env, stderr=subprocess.DEVNULL)
        logits = np.fromfile(dump, dtype=np.float32)
        logits = logits.reshape(len(r["tokens"]) + len(r["greedy"]) - 1, -1)
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
