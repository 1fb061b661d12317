#!/usr/bin/env python3
"""Drives `swiftllm chat` in a pseudo-terminal and presses Ctrl-C, as a person would.

Scenario 1: ask for a long answer, press Ctrl-C once some of it has arrived, then ask again
and /exit. Scenario 2: press Ctrl-C at the prompt. Prints one JSON object with what happened;
the CLI test decides what is right.

Usage: chat_ctrl_c.py SWIFTLLM MODEL
"""
import json, os, pty, select, sys, time

swiftllm, model = sys.argv[1:3]
LONG = "Write a long essay about the history of the Roman Empire."


def spawn():
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(swiftllm, [swiftllm, "chat", "-m", model, "--temp", "0", "-n", "1000"])
    return pid, fd


def read_until(fd, buffer, predicate, timeout):
    """Reads into buffer until predicate(buffer) or timeout; returns (buffer, seconds waited)."""
    start = time.monotonic()
    while not predicate(buffer) and time.monotonic() - start < timeout:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            buffer += chunk
    return buffer, time.monotonic() - start


def wait_exit(pid, timeout):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return None


result = {}
pid, fd = spawn()
out, _ = read_until(fd, b"", lambda b: b.endswith(b"> "), 60)
os.write(fd, (LONG + "\r").encode())
# The terminal echoes the line; the answer starts after it.
out, _ = read_until(fd, out, lambda b: LONG.encode() in b, 10)
answer_start = out.index(LONG.encode()) + len(LONG) if LONG.encode() in out else len(out)
out, _ = read_until(fd, out, lambda b: len(b) - answer_start >= 60, 60)
os.write(fd, b"\x03")
interrupted_at = len(out)
out, waited = read_until(fd, out, lambda b: b[interrupted_at:].endswith(b"> "), 10)
result["prompt_after_interrupt_s"] = round(waited, 3)
result["interrupted_answer"] = out[answer_start:].decode("utf-8", "replace").strip().removesuffix(">").strip()
result["process_alive_after_interrupt"] = os.waitpid(pid, os.WNOHANG)[0] == 0
second_start = len(out)
os.write(fd, b"Say hello.\r")
out, _ = read_until(fd, out, lambda b: b[second_start:].count(b"> ") >= 1 and b[second_start:].endswith(b"> "), 60)
result["second_turn"] = out[second_start:].decode("utf-8", "replace")
os.write(fd, b"/exit\r")
read_until(fd, out, lambda b: False, 1)
result["exit_status"] = wait_exit(pid, 10)

pid, fd = spawn()
read_until(fd, b"", lambda b: b.endswith(b"> "), 60)
os.write(fd, b"\x03")
read_until(fd, b"", lambda b: False, 1)
result["ctrl_c_at_prompt_status"] = wait_exit(pid, 10)
print(json.dumps(result))
