"""The hybrid this project is for, with two real models and no scripted peer: `swiftllm agent`
(the local model) sends every step (--policy always) to a second process, `swiftllm serve`, over
the OpenAI API (async-http-client on one side, Hummingbird on the other), with an API key.

usage: hybrid_check.py SWIFTLLM LOCAL_MODEL REMOTE_MODEL
Prints one line per check; exits 1 if any failed.
"""
import json, os, subprocess, sys

import jsonschema

import checks
from checks import check


# The built-in calculator's parameters, as the agent describes them to the remote.
CALCULATOR = {"type": "object", "properties": {"expression": {"type": "string"}}, "required": ["expression"]}

swiftllm, local, remote = sys.argv[1:4]
key = "sk-hybrid-" + os.urandom(6).hex()
with checks.serve(swiftllm, remote, "--parallel", "1", "--ctx", "4096", "--api-key", key, label="the remote server") as base:
    if base is None:
        sys.exit(1)
    run = subprocess.run([swiftllm, "agent", "-m", local, "--builtin", "calculator", "--tool-choice", "required",
                          "--remote", base, "--remote-model", "swiftllm-remote", "--remote-key-env", "HYBRID_KEY",
                          "--remote-temperature", "0", "--remote-max-tokens", "320",
                          "--policy", "always", "--max-steps", "3", "--json", "What is 17 times 23?"],
                         capture_output=True, text=True, timeout=600, env={**os.environ, "HYBRID_KEY": key})
    events = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    finished = events[-1] if events else {}
    check("it finishes", finished.get("event") == "finished", run.stderr[-2000:])
    # Exit status 0 for an answer, 2 for a run that ended otherwise (step budget, loop).
    check("the exit status says how", run.returncode == (0 if finished.get("reason") in ("answered", "tool_calls") else 2),
          (run.returncode, finished.get("reason"), run.stderr[-2000:]))
    decisions = [e for e in events if e["event"] == "decision"]
    check("every step went to the remote", decisions and all(d["action"] == "delegate" and d["taker"] == "remote:swiftllm-remote"
                                                             for d in decisions), decisions)
    steps = [e for e in events if e["event"] == "step_finished"]
    calls = [e for e in events if e["event"] == "tool_call"]
    check("the first step (tool_choice required, forwarded) is a call", any(c["step"] == 1 for c in calls), events[:6])

    def valid(arguments):
        try:
            jsonschema.validate(arguments, CALCULATOR)
            return True
        except jsonschema.ValidationError:
            return False
    check("every remote call validates against the tool's schema", calls and all(valid(c["arguments"]) for c in calls), calls)
    results = [e for e in events if e["event"] == "tool_result"]
    check("every call ran", len(results) == len(calls), results)
    metrics = checks.metrics(base)
    accounting = finished.get("accounting", {})
    requests = int(metrics.get('swiftllm_requests_total{route="chat",status="200"}', 0))
    check("one remote request per escalated step", accounting.get("remote_steps") == len(decisions) == len(steps) == requests,
          (accounting, len(decisions), len(steps), requests))
    check("the agent's remote token counts are the server's usage",
          accounting.get("remote_tokens_in") == sum(s["tokens_in"] for s in steps) == int(metrics["swiftllm_prompt_tokens_total"])
          and accounting.get("remote_tokens_out") == sum(s["tokens_out"] for s in steps) == int(metrics["swiftllm_completion_tokens_total"]),
          (accounting, metrics))
    check("the key stays out of the output", key not in run.stdout and key not in run.stderr)
sys.exit(checks.status())
