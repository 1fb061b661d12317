"""Builds `teacher_forced_logits.c` against a llama.cpp build and runs it on one reference prompt."""
import os, subprocess, tempfile
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def build(llama):
    """Compiles the tool against LLAMA_DIR's libllama; returns its path."""
    tool = os.path.join(tempfile.mkdtemp(), "teacher_forced_logits")
    subprocess.run(["gcc", "-O2", "-o", tool, os.path.join(HERE, "teacher_forced_logits.c"),
                    f"-I{llama}/include", f"-I{llama}/ggml/include", f"-L{llama}/build/bin",
                    "-lllama", "-lggml", "-lggml-base", f"-Wl,-rpath,{llama}/build/bin"], check=True)
    return tool


def logits(tool, model, reference, flash):
    """llama.cpp's logits for the prompt, then for each greedy token fed as one decode step: one
    row per position. The reference was made with flash attention on, 2 threads and the whole
    prompt in one ubatch: with these settings its prompt top-10 logits are reproduced to 1e-5."""
    dump = tool + (".fa.bin" if flash else ".bin")
    args = [tool, model, "1" if flash else "0", "2", dump]
    args += [str(t) for t in reference["tokens"]] + ["|"] + [str(t) for t in reference["greedy"]]
    env = dict(os.environ, NB="2048", NUB="2048")
    subprocess.run(args, check=True, env=env, stderr=subprocess.DEVNULL)
    rows = len(reference["tokens"]) + len(reference["greedy"]) - 1
    return np.fromfile(dump, dtype=np.float32).reshape(rows, -1)
