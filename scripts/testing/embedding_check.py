#!/usr/bin/env python3
"""Builds EmbeddingDemo of Examples/ (a package that depends on swiftllm by path) the way a library user
would, runs its greedy generation, and checks what the user gets:

- the kernel tier it reports (sse2 for an x86-64 build without flags);
- the one-time swift-log warning, with exactly the flags scripts/flags.sh gives for this CPU,
  when the build runs a slower tier than the CPU can (and no warning when it does not);
- the text: llama.cpp's greedy continuation of the same prompt (../shared/reference) starts with
  its first 12 tokens (at the 15th, llama.cpp's top-2 margin is small and the engine's choice
  differs, as its CLI tests allow); and where .build/release/swiftllm runs the demo's tier (or the
  sse2/portable pair, bit for bit the same float steps), its greedy text equals the demo's; where
  it runs avx2 or avx512 (the avx512 float order), it starts with the same 12 tokens.

usage: embedding_check.py [--flags "SWIFT BUILD FLAGS"] [--scratch DIR] [-n TOKENS] [--runs R]
With --flags the build passes them (e.g. "-Xswiftc -target-cpu -Xswiftc native -Xswiftc
-DSWIFTLLM_AVX2") and the check expects their tier; --runs R repeats the generation and prints
the median speeds (for the README's table). Exit status 1 on a failed check.
"""
import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys

from checks import check, failures

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGE = os.path.join(ROOT, "Examples")
MODELS = os.environ.get("SWIFTLLM_MODELS") or os.path.expanduser("~/.cache/swiftllm/models")
MODEL = os.path.join(MODELS, "SmolLM2-135M-Instruct.Q4_1.gguf")
REFERENCE = os.path.join(ROOT, "..", "shared", "reference", "smollm2-135m-instruct-q4_1.jsonl")

def best_flags():
    """The flags scripts/flags.sh passes on this CPU (what a fast build needs)."""
    env = {k: v for k, v in os.environ.items() if k != "SWIFTLLM_PORTABLE"}
    out = subprocess.run(["bash", "-c", 'source scripts/flags.sh; echo "${SWIFTLLM_FLAGS[*]}"'],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def expected_tier(flags):
    if "-DSWIFTLLM_X86_SIMD" in flags:
        return "avx512"
    if "-DSWIFTLLM_AVX2" in flags:
        return "avx2"
    return "sse2" if platform.machine() in ("x86_64", "AMD64") else "portable"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--flags", default="")
    parser.add_argument("--scratch", default=os.path.join(PACKAGE, ".build"))
    parser.add_argument("-n", type=int, default=24)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()

    build = ["swift", "build", "-c", "release", "--package-path", PACKAGE, "--scratch-path", args.scratch, "--product", "EmbeddingDemo"]
    build += shlex.split(args.flags)
    print("$ " + " ".join(build), flush=True)
    subprocess.run(build, check=True)
    demo = os.path.join(args.scratch, "release", "EmbeddingDemo")

    with open(REFERENCE) as f:
        reference = json.loads(f.readline())
    prompt = reference["prompt"]
    llama_text = bytes.fromhex(reference["greedy_text_hex"]).decode("utf-8", errors="replace")

    decode, prefill = [], []
    for run in range(args.runs):
        result = subprocess.run([demo, MODEL, "-n", str(args.n), "--reload", prompt], capture_output=True, text=True)
        if result.returncode != 0:
            check(f"EmbeddingDemo exited {result.returncode}: {result.stderr.strip()}", False)
            break
        err = result.stderr
        for line in err.splitlines():
            if line.startswith("prompt:"):
                parts = line.replace(",", "").split()
                prefill.append(float(parts[3]))
                decode.append(float(parts[-2]))
        if run > 0:
            continue
        sys.stdout.write(err)
        tier = expected_tier(args.flags)
        check(f"the demo reports the {tier} tier", f"kernels: {tier}\n" in err)
        fast = best_flags()
        notices = err.count("kernels but the CPU can run")
        if expected_tier(fast) != tier and fast:
            check(f"one warning for two model loads (got {notices})", notices == 1)
            check(f"the warning names flags.sh's flags `{fast}`", f"`{fast}`" in err)
            check("the notice is logged at warning level", "warning" in err)
        else:
            check(f"no warning where the build runs the CPU's best tier (got {notices})", notices == 0)
        text = result.stdout[:-1] if result.stdout.endswith("\n") else result.stdout
        short = subprocess.run([demo, MODEL, "-n", "12", prompt], capture_output=True, text=True).stdout.rstrip("\n")
        check(f"llama.cpp's greedy text starts with the demo's first 12 tokens: {short!r}",
              len(short) > 0 and llama_text.startswith(short))
        cli = os.path.join(ROOT, ".build", "release", "swiftllm")
        if os.path.exists(cli):
            system = json.loads(subprocess.run([cli, "inspect", "--system", "--json"], capture_output=True,
                                               text=True, check=True).stdout)
            cli_tier = system["kernel_tier"]
            cli_text = subprocess.run([cli, "run", "-m", MODEL, "--raw", "--temp", "0", "-n", str(args.n), prompt],
                                      capture_output=True, text=True, check=True).stdout
            if cli_tier == tier or {cli_tier, tier} <= {"sse2", "portable"}:
                # The same float steps: the same logits bit for bit, so the same greedy text.
                check(f"swiftllm run ({cli_tier} tier) writes the same {args.n} tokens: {cli_text!r}",
                      cli_text == text)
            else:
                # avx2 and avx512 add block products in another order than the portable loops:
                # logits differ in their last bits, so the texts may part where llama.cpp itself
                # is unsure; both keep the prefix llama.cpp is sure of.
                check(f"swiftllm run ({cli_tier} tier) starts with the same 12 tokens: {cli_text!r}",
                      len(short) > 0 and cli_text.startswith(short))
    if decode:
        print(f"median of {len(decode)}: prompt {statistics.median(prefill):.1f} tok/s, "
              f"decode {statistics.median(decode):.1f} tok/s")
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
