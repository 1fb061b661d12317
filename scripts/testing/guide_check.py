#!/usr/bin/env python3
"""Runs every command of docs/GUIDE.md, in order, from the repository's root, and checks the
output the guide shows. A ```sh block is run with bash (-e, -o pipefail); a ```text block right
after it lists lines its output (standard output and error) must contain (a line with `…` must start an output line with the
text before `…`). A block after `<!-- guide-check: skip (why) -->` is not run; the guide says why.

The remote model is played by `scripted_remote.py --oracle ../shared/bfcl` (each BFCL question
answered with its ground truth): REMOTE (the guide's name for the remote's URL) and
OPENAI_API_KEY point at it. Files the
commands write in the root are removed afterwards.

usage: guide_check.py [GUIDE.md]
"""
import os, re, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def blocks(text):
    """(kind, body, skipped) for each fenced block, in order."""
    result = []
    skip = False
    for match in re.finditer(r"(<!-- guide-check: skip[^>]*-->\s*\n)?```(\w*)\n(.*?)```", text, re.S):
        result.append((match.group(2), match.group(3), match.group(1) is not None))
    return result


def main():
    guide = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "docs", "GUIDE.md")
    with open(guide) as f:
        parts = blocks(f.read())
    remote = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts", "testing", "scripted_remote.py"),
                               "--oracle", os.path.join(ROOT, "..", "shared", "bfcl")], stdout=subprocess.PIPE, text=True)
    before = set(os.listdir(ROOT))
    failures, ran, skipped = [], 0, 0
    try:
        port = int(remote.stdout.readline().split()[1])
        env = dict(os.environ, REMOTE=f"http://127.0.0.1:{port}/v1", OPENAI_API_KEY="guide-check-key")
        env.pop("OPENAI_BASE_URL", None)
        for index, (kind, body, skip) in enumerate(parts):
            if kind != "sh":
                continue
            if skip:
                skipped += 1
                print(f"--- skipped (the guide says why):\n{body}", flush=True)
                continue
            print(f"--- $ {body.strip()}", flush=True)
            done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", body], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=1800)
            ran += 1
            print(done.stdout[-4000:], flush=True)
            if done.returncode != 0:
                failures.append(f"block {index} exited {done.returncode}: {body.strip()[:120]}\n{done.stderr[-2000:]}")
                continue
            following = parts[index + 1] if index + 1 < len(parts) else None
            if following and following[0] == "text":
                # What the reader sees: standard output and standard error.
                lines = [line.strip() for line in (done.stdout + "\n" + done.stderr).splitlines()]
                for expected in following[1].splitlines():
                    expected = expected.strip()
                    if not expected:
                        continue
                    if "…" in expected:
                        prefix = expected.split("…")[0].strip()
                        found = any(line.startswith(prefix) for line in lines)
                    else:
                        found = expected in lines
                    if not found:
                        failures.append(f"block {index}: expected line not in the output: {expected}")
    finally:
        remote.terminate()
        for name in set(os.listdir(ROOT)) - before:
            path = os.path.join(ROOT, name)
            if os.path.isfile(path):
                os.remove(path)
    if failures:
        print("guide check FAILED:\n- " + "\n- ".join(failures))
        sys.exit(1)
    print(f"guide check passed: {ran} command blocks run, {skipped} skipped")


if __name__ == "__main__":
    main()
