#!/usr/bin/env python3
"""Runs Quickstart (Sources/Quickstart: a program that uses only the SwiftLLM API, as an app
would) on the default model with `scripted_remote.py` as the remote and `--policy always`, so the
agent's steps go over HTTP. Checks each of its four parts: the answer, the @Generable value against
its declaration (restated here as a JSON Schema and checked with `jsonschema`), the two chat turns,
and the agent run (the remote's call runs the custom tool, whose output is real; the remote's text
is the answer; the cost is the server's token counts at $2.50 / $10 per million).

The binary is .build/release/Quickstart, which the tests' build (scripts/test.sh) makes; --build
makes it first with scripts/build.sh (`swift build` and `swift test` builds invalidate each
other's objects, so CI, after scripts/test.sh, does not pass it).

usage: quickstart_check.py [--build]
"""
import argparse, json, os, re, subprocess, sys

import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Person, as Sources/Quickstart/main.swift declares it.
PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer", "minimum": 18, "maximum": 99},
        "city": {"type": "string"},
        "hobbies": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3},
    },
    "required": ["name", "age", "city", "hobbies"],
    "additionalProperties": False,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", action="store_true", help="build it first with scripts/build.sh")
    args = parser.parse_args()
    binary = os.path.join(ROOT, ".build", "release", "Quickstart")
    if args.build:
        build = ["bash", os.path.join(ROOT, "scripts", "build.sh"), "--product", "Quickstart"]
        print("$ " + " ".join(build), flush=True)
        subprocess.run(build, check=True)
    if not os.access(binary, os.X_OK):
        sys.exit(f"no {binary}: run scripts/test.sh, or this check with --build")

    folder = os.path.join(ROOT, ".build", "quickstart-check")
    os.makedirs(folder, exist_ok=True)
    script = os.path.join(folder, "script.json")
    answer = "It is evening in Tokyo."
    with open(script, "w") as f:
        json.dump([{"behaviour": "ok", "arguments": {"timezone": "Asia/Tokyo"}}, {"behaviour": "text", "text": answer}], f)
    log = os.path.join(folder, "remote.jsonl")
    for path in (log, log + ".usage"):
        if os.path.exists(path):
            os.remove(path)
    remote = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts", "testing", "scripted_remote.py"),
                               "--script", script, "--log", log], stdout=subprocess.PIPE, text=True)
    try:
        port = int(remote.stdout.readline().split()[1])
        run = [binary, "--remote", f"http://127.0.0.1:{port}/v1",
               "--remote-model", "scripted", "--policy", "always"]
        print("$ " + " ".join(run), flush=True)
        env = dict(os.environ, OPENAI_API_KEY="quickstart-check-key")
        out = subprocess.run(run, check=True, capture_output=True, text=True, timeout=600, env=env).stdout
    finally:
        remote.terminate()
    print(out)

    failures = []
    def check(condition, message):
        if not condition:
            failures.append(message)

    respond = re.search(r"^1\. respond: (.+)$", out, re.M)
    check(respond and respond.group(1).strip(), "part 1 printed no answer")
    person = re.search(r"^   json: (.+)$", out, re.M)
    if person:
        try:
            jsonschema.validate(json.loads(person.group(1)), PERSON)
        except Exception as error:
            failures.append(f"part 2: the person does not fit its declaration: {error}")
    else:
        failures.append("part 2 printed no JSON")
    check(re.search(r"^3\. chat: .+", out, re.M), "part 3 printed no first turn")
    check(re.search(r"^   turns: 5$", out, re.M), "part 3: the session should hold 5 messages (system, 2 × user + assistant)")
    check(re.search(r"^4\. agent \(answered\): " + re.escape(answer) + "$", out, re.M), "part 4: the remote's text is not the answer")
    tool = re.search(r'current_time\(\{"timezone":"Asia/Tokyo"\}\) -> (\{.*\})', out)
    if tool:
        check(json.loads(tool.group(1)).get("timezone") == "Asia/Tokyo", "part 4: the tool's output is wrong")
    else:
        failures.append("part 4: the remote's call did not run the tool")
    check(len(re.findall(r"^   step \d+: remote:scripted, ", out, re.M)) == 2, "part 4: both steps should be taken by the remote")
    with open(log + ".usage") as f:
        usage = [json.loads(line) for line in f if line.strip()]
    cost = sum(u["prompt_tokens"] * 2.5e-6 + u["completion_tokens"] * 10e-6 for u in usage)
    printed = re.search(r"cost: \$([0-9.]+)", out)
    check(printed and abs(float(printed.group(1)) - cost) < 1e-6, f"part 4: cost {printed and printed.group(1)} is not the server's ${cost:.6f}")
    key_seen = any("quickstart-check-key" in line for line in out.splitlines())
    check(not key_seen, "the API key was printed")

    if failures:
        print("quickstart check FAILED:\n- " + "\n- ".join(failures))
        sys.exit(1)
    print(f"quickstart check passed: 4 parts, remote cost ${cost:.6f} from {len(usage)} answers")


if __name__ == "__main__":
    main()
