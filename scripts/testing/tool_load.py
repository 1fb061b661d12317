"""Tool-call load on a running `swiftllm serve`: CLIENTS threads each send BFCL simple_python
questions (tool_choice required, greedy) until N questions are answered; prints one JSON line:
questions, wall seconds, completion tokens, tokens/s, questions/s, and the calls' sha256 (equal
across servers when the outputs are).

usage: tool_load.py BASE_URL CLIENTS N
"""
import hashlib, json, sys, threading, time
from pathlib import Path

import openai

base, clients, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
shared = Path(__file__).resolve().parents[3] / "shared" / "bfcl" / "BFCL_v4_simple_python.json"
questions = [json.loads(line) for line in shared.read_text().splitlines()][:total]


def tool(function):
    parameters = json.loads(json.dumps(function["parameters"]).replace('"dict"', '"object"').replace('"float"', '"number"')
                            .replace('"tuple"', '"array"').replace('"any"', '"string"'))
    return {"type": "function", "function": {"name": function["name"], "description": function["description"],
                                             "parameters": parameters}}


client = openai.OpenAI(base_url=base, api_key="none", max_retries=0, timeout=600)
results = [None] * len(questions)
tokens = [0] * len(questions)
next_index = [0]
lock = threading.Lock()


def worker():
    while True:
        with lock:
            i = next_index[0]
            next_index[0] += 1
        if i >= len(questions):
            return
        q = questions[i]
        answer = client.chat.completions.create(model="local", messages=q["question"][0], tools=[tool(f) for f in q["function"]],
                                                tool_choice="required", temperature=0, max_tokens=160,
                                                extra_body={"cache_prompt": False})
        calls = answer.choices[0].message.tool_calls or []
        results[i] = [(c.function.name, c.function.arguments) for c in calls]
        tokens[i] = answer.usage.completion_tokens


start = time.time()
threads = [threading.Thread(target=worker) for _ in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
wall = time.time() - start
digest = hashlib.sha256(json.dumps(results).encode()).hexdigest()[:16]
print(json.dumps({"clients": clients, "questions": len(questions), "seconds": round(wall, 2), "completion_tokens": sum(tokens),
                  "tokens_per_second": round(sum(tokens) / wall, 1), "questions_per_second": round(len(questions) / wall, 2),
                  "calls_sha256": digest}))
