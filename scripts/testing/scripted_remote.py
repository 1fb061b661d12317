#!/usr/bin/env python3
"""A scripted OpenAI-compatible chat-completions server for the remote client's tests (Python 3
standard library only).

Binds 127.0.0.1 on a free port and prints `PORT <n>` as the first line of stdout, then serves
POST /v1/chat/completions (and /chat/completions).

Usage:
  scripted_remote.py --behaviour B [--behaviour B ...] [--log FILE]
  scripted_remote.py --script FILE.json [--log FILE]
  scripted_remote.py --oracle BFCL_DIR [--log FILE]

Scripted mode answers request n with behaviour n; the last behaviour repeats. A behaviour is a
string, or in a script file also an object {"behaviour": "ok", "arguments": {...}, "text": "..."}:
  ok               a completion calling the tool named by tool_choice, else the first offered
                   tool, with "arguments" (default {}); text ("text", default "ok") when no tool
                   is offered, tool_choice is "none", or the object gives "text"
  text             a text completion ("text", default "ok")
  stall S          sleeps S seconds, then answers as ok
  slow_body S      sends the head and half the body of an ok answer, sleeps S seconds, sends the rest
  NNN [S]          HTTP status NNN with a JSON error body; for 429, S is sent as Retry-After
  malformed        200 with a body that is not JSON
  no_choices       200 with JSON lacking "choices"
  truncated        200 whose Content-Length is larger than the body, then the socket is closed
  invalid_call     calls the first tool with a wrong-typed value for its first property (or an
                   unknown tool when it has no typed property)
  unknown_tool     calls a tool that was not offered
  bad_arguments    calls the first tool with arguments that are not JSON text
  drop             reads the request and closes the socket without answering
  echo_headers     400 whose error message holds the request's headers, Authorization included

Oracle mode answers BFCL questions (BFCL_v4_*.json with possible_answer/BFCL_v4_*.json) with
their ground truth: the question is found by the exact text of the last user message (and the
offered tool names when several questions share a text); each argument takes its first
acceptable value, recursively inside objects, and is left out when that first value is ""
(optional) unless the function requires it (then the first value that is not ""). Unknown and
irrelevance questions get a text answer.

Every answer's usage counts tokens as len(text) // 4 (at least 1): prompt_tokens over the JSON of
the request's messages, completion_tokens over the answer's text or call arguments.

Every request is appended to --log as one JSON line:
{"n": 1, "path": ..., "headers": {...}, "body": <parsed JSON or the raw text>, "behaviour": ...},
and the usage of every answer that has one to --log + ".usage" ({"prompt_tokens", "completion_tokens"}).
"""
import argparse, glob, json, os, signal, socket, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# A child inherits its parent's blocked signals; a test runner may block SIGTERM, and then the
# server would outlive its test.
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])

parser = argparse.ArgumentParser()
parser.add_argument("--behaviour", action="append", default=[])
parser.add_argument("--script")
parser.add_argument("--oracle")
parser.add_argument("--log")
options = parser.parse_args()

behaviours = list(options.behaviour)
if options.script:
    with open(options.script) as f:
        behaviours += json.load(f)
if not behaviours:
    behaviours = ["ok"]
lock = threading.Lock()
state = {"n": 0}


def tokens(text):
    return max(1, len(text) // 4)


def load_oracle(folder):
    """question text -> [(tool names, ground-truth call or None)]"""
    index = {}
    for path in sorted(glob.glob(os.path.join(folder, "BFCL_v4_*.json"))):
        answers = {}
        answer_path = os.path.join(folder, "possible_answer", os.path.basename(path))
        if os.path.exists(answer_path):
            with open(answer_path) as f:
                for line in f:
                    if line.strip():
                        entry = json.loads(line)
                        answers[entry["id"]] = entry["ground_truth"][0]
        with open(path) as f:
            for line in f:
                if not line.strip():
                    continue
                question = json.loads(line)
                users = [m for turn in question["question"] for m in turn if m["role"] == "user"]
                if not users:
                    continue
                names = sorted(fn["name"] for fn in question["function"])
                call = None
                truth = answers.get(question["id"])
                if truth and not question["id"].startswith("irrelevance"):
                    (name, allowed), = truth.items()
                    function = next(fn for fn in question["function"] if fn["name"] == name)
                    call = (name, ground_truth_arguments(allowed, function["parameters"].get("required", [])))
                index.setdefault(users[-1]["content"], []).append((names, call))
    return index


def concrete(allowed):
    """A value from an allowed value: objects take the first allowed value of each key, leaving out
    keys whose first allowed value is ""."""
    if isinstance(allowed, dict):
        out = {}
        for key, alternatives in allowed.items():
            alternatives = alternatives if isinstance(alternatives, list) else [alternatives]
            if alternatives and alternatives[0] != "":
                out[key] = concrete(alternatives[0])
        return out
    if isinstance(allowed, list):
        return [concrete(element) for element in allowed]
    return allowed


def ground_truth_arguments(allowed, required):
    arguments = {}
    for parameter, alternatives in allowed.items():
        if not alternatives:
            continue
        if alternatives[0] != "":
            arguments[parameter] = concrete(alternatives[0])
        elif parameter in required:
            rest = [a for a in alternatives if a != ""]
            if rest:
                arguments[parameter] = concrete(rest[0])
    return arguments


ORACLE = load_oracle(options.oracle) if options.oracle else None


def wrong_value(schema):
    kind = schema.get("type") if isinstance(schema, dict) else None
    if kind is None:
        return None
    return 12345 if kind == "string" else "not a " + (kind if isinstance(kind, str) else "value")


def completion(body, content=None, calls=None):
    message = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = [{"id": "call_%d" % (i + 1), "type": "function",
                                  "function": {"name": name, "arguments": arguments}}
                                 for i, (name, arguments) in enumerate(calls)]
    answer_text = (content or "") + "".join(a for _, a in calls or [])
    prompt, generated = tokens(json.dumps(body.get("messages", []))), tokens(answer_text)
    return {"id": "chatcmpl-scripted", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "scripted"),
            "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": generated, "total_tokens": prompt + generated}}


def scripted_answer(body, spec):
    """The completion for an ok-like behaviour."""
    tools = body.get("tools") or []
    choice = body.get("tool_choice", "auto")
    text = spec.get("text") if isinstance(spec, dict) else None
    if spec_name(spec) == "text" or text is not None or not tools or choice == "none":
        return completion(body, content=text if text is not None else "ok")
    name = tools[0]["function"]["name"]
    if isinstance(choice, dict):
        name = choice.get("function", {}).get("name", name)
    arguments = spec.get("arguments", {}) if isinstance(spec, dict) else {}
    return completion(body, calls=[(name, json.dumps(arguments))])


def oracle_answer(body):
    messages = body.get("messages", [])
    users = [m for m in messages if m.get("role") == "user"]
    offered = sorted(t["function"]["name"] for t in body.get("tools") or [])
    candidates = ORACLE.get(users[-1].get("content"), []) if users else []
    match = next((c for names, c in candidates if names == offered), None) if len(candidates) > 1 else \
        (candidates[0][1] if candidates else None)
    if match is None:
        return completion(body, content="None of the offered functions fits this question.")
    name, arguments = match
    return completion(body, calls=[(name, json.dumps(arguments))])


def spec_name(spec):
    return (spec.get("behaviour", "ok") if isinstance(spec, dict) else spec).split()[0]


def spec_argument(spec):
    words = (spec.get("behaviour", "ok") if isinstance(spec, dict) else spec).split()
    return words[1] if len(words) > 1 else None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The head and the body go out in separate writes; with Nagle's algorithm the body waits for
    # the client's delayed ACK (40 ms a request).
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def send_json(self, status, value, extra=()):
        data = json.dumps(value).encode()
        if options.log and isinstance(value, dict) and "usage" in value:
            with lock, open(options.log + ".usage", "a") as f:
                f.write(json.dumps(value["usage"]) + "\n")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def close_now(self):
        self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0)).decode("utf-8", "replace")
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw
        with lock:
            state["n"] += 1
            n = state["n"]
            spec = "oracle" if ORACLE is not None else behaviours[min(n, len(behaviours)) - 1]
            if options.log:
                with open(options.log, "a") as f:
                    f.write(json.dumps({"n": n, "path": self.path, "headers": dict(self.headers.items()),
                                        "body": body, "behaviour": spec, "time": time.time()}) + "\n")
        if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
            return self.send_json(404, {"error": {"message": "no route " + self.path}})
        if not isinstance(body, dict):
            return self.send_json(400, {"error": {"message": "the body is not a JSON object"}})
        if spec == "oracle":
            return self.send_json(200, oracle_answer(body))
        self.behave(body, spec)

    def behave(self, body, spec):
        name, argument = spec_name(spec), spec_argument(spec)
        tools = body.get("tools") or []
        if name in ("ok", "text"):
            self.send_json(200, scripted_answer(body, spec))
        elif name == "stall":
            time.sleep(float(argument or 3600))
            self.send_json(200, scripted_answer(body, "ok"))
        elif name == "slow_body":
            data = json.dumps(scripted_answer(body, "ok")).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            time.sleep(float(argument or 3600))
            self.wfile.write(data[len(data) // 2:])
        elif name.isdigit():
            extra = [("Retry-After", argument)] if name == "429" and argument is not None else []
            self.send_json(int(name), {"error": {"message": "scripted status " + name, "type": "scripted"}}, extra)
        elif name in ("malformed", "truncated"):
            data = b"<html>this is not JSON</html>" if name == "malformed" else json.dumps(scripted_answer(body, "ok")).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data) + (100 if name == "truncated" else 0)))
            self.end_headers()
            self.wfile.write(data if name == "malformed" else data[:len(data) // 2])
            if name == "truncated":
                self.close_now()
        elif name == "no_choices":
            self.send_json(200, {"id": "chatcmpl-scripted", "object": "chat.completion"})
        elif name in ("invalid_call", "unknown_tool", "bad_arguments"):
            properties = (tools[0]["function"].get("parameters") or {}).get("properties") or {} if tools else {}
            first = next(iter(properties.items()), None)
            bad = wrong_value(first[1]) if first else None
            if name == "bad_arguments" and tools:
                call = (tools[0]["function"]["name"], "{not json")
            elif name == "invalid_call" and tools and bad is not None:
                call = (tools[0]["function"]["name"], json.dumps({first[0]: bad}))
            else:
                call = ("no_such_tool", "{}")
            self.send_json(200, completion(body, calls=[call]))
        elif name == "drop":
            self.close_now()
        elif name == "echo_headers":
            headers = "; ".join("%s: %s" % item for item in self.headers.items())
            self.send_json(400, {"error": {"message": "bad request, you sent " + headers}})
        else:
            self.send_json(500, {"error": {"message": "unknown scripted behaviour " + str(spec)}})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print("PORT %d" % server.server_address[1], flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    pass
