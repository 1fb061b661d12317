"""Checks a running `swiftllm serve` with the official `openai` client (and `jsonschema`).

usage: openai_client_check.py serve SWIFTLLM MODEL   (starts the two servers itself, runs both modes,
                                                     stops each with SIGINT and checks it exits 0)
       openai_client_check.py serve-vulkan SWIFTLLM MODEL   (one server on --backend vulkan, mode vulkan)
       openai_client_check.py BASE_URL API_KEY MODE
  MODE api    chat, streaming, tools (required, named, auto), json_schema, logprobs, usage, errors,
              concurrent requests, speculation counters, a client that leaves mid-stream
              (server: --parallel 4 or more)
  MODE queue  a full queue answers 429 (server: --parallel 1 --max-queue 1)
  MODE vulkan two concurrent greedy requests equal one-at-a-time ones, decoded in shared device
              passes (server: --backend vulkan --parallel 2 or more; short answers, lavapipe is slow)
Prints one line per check; exits 1 if any failed.
"""
import json, sys, threading, time

import jsonschema
import openai

import checks
from checks import check

base = client = None


def metrics():
    return checks.metrics(base)


WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Current weather in a city.",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"},
                                                           "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                          "required": ["city"], "additionalProperties": False}}}
ADD = {"type": "function", "function": {"name": "add", "description": "Adds two integers.",
       "parameters": {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer", "minimum": 0}},
                      "required": ["a", "b"], "additionalProperties": False}}}
SCHEMAS = {t["function"]["name"]: t["function"]["parameters"] for t in (WEATHER, ADD)}


def ask(text, **kwargs):
    return client.chat.completions.create(model="local", messages=[{"role": "user", "content": text}], **kwargs)


# Greedy comparisons evaluate the whole prompt each time: a reused prefix splits the evaluation
# differently, which can flip a near-tie.
FRESH = {"cache_prompt": False}


def alone_and_together(prompts, max_tokens):
    """Greedy answers to `prompts` asked one at a time, then all at once (one thread each)."""
    def answer(prompt):
        return ask(prompt, max_tokens=max_tokens, temperature=0, extra_body=FRESH).choices[0].message.content
    alone = [answer(p) for p in prompts]
    together = [None] * len(prompts)

    def run(i):
        together[i] = answer(prompts[i])
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(prompts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return alone, together


def valid_calls(message, allowed):
    calls = message.tool_calls or []
    if not calls:
        return False, "no tool call"
    for call in calls:
        if call.function.name not in allowed:
            return False, f"unexpected tool {call.function.name}"
        try:
            jsonschema.validate(json.loads(call.function.arguments), SCHEMAS[call.function.name])
        except Exception as error:  # noqa: BLE001 - any failure is the finding
            return False, f"{call.function.name}({call.function.arguments}): {error}"
    return True, ""


def api():
    answer = ask("What is the capital of France?", max_tokens=24, temperature=0, extra_body=FRESH)
    choice = answer.choices[0]
    check("chat answers in text", isinstance(choice.message.content, str) and len(choice.message.content) > 0, answer)
    check("chat usage", answer.usage.prompt_tokens > 0 and 0 < answer.usage.completion_tokens <= 24
          and answer.usage.total_tokens == answer.usage.prompt_tokens + answer.usage.completion_tokens, answer.usage)
    check("chat finish reason", choice.finish_reason in ("stop", "length"), choice.finish_reason)

    pieces, finish, usage = [], None, None
    for chunk in ask("What is the capital of France?", max_tokens=24, temperature=0, stream=True,
                     stream_options={"include_usage": True}, extra_body=FRESH):
        if chunk.usage:
            usage = chunk.usage
        for c in chunk.choices:
            pieces.append(c.delta.content or "")
            finish = c.finish_reason or finish
    check("streamed text equals the whole answer", "".join(pieces) == choice.message.content,
          f"{''.join(pieces)!r} vs {choice.message.content!r}")
    check("stream usage and finish", usage is not None and usage.completion_tokens == answer.usage.completion_tokens
          and finish == choice.finish_reason, f"{usage} {finish}")

    questions = ["What's the weather in Paris?", "Add 17 and 25.", "Is it raining in Tokyo, in celsius?",
                 "What is 3 plus 4?", "Weather for Berlin please", "Sum of 100 and 250", "How warm is it in Rome?",
                 "Tell me a joke."]
    for i, question in enumerate(questions):
        reply = ask(question, tools=[WEATHER, ADD], tool_choice="required", temperature=0.8, seed=i, max_tokens=96)
        ok, why = valid_calls(reply.choices[0].message, {"get_weather", "add"})
        check(f"required call is valid: {question}", ok and reply.choices[0].finish_reason == "tool_calls", why)
    reply = ask("Add 2 and 2.", tools=[WEATHER, ADD], tool_choice={"type": "function", "function": {"name": "get_weather"}},
                max_tokens=96)
    ok, why = valid_calls(reply.choices[0].message, {"get_weather"})
    check("named tool choice is that tool", ok and len(reply.choices[0].message.tool_calls) == 1, why)
    streamed, pieces, ids = {}, 0, set()
    for chunk in ask("Weather in Oslo?", tools=[WEATHER], tool_choice="required", stream=True, max_tokens=96):
        for c in chunk.choices:
            for call in c.delta.tool_calls or []:
                entry = streamed.setdefault(call.index, {"name": "", "arguments": ""})
                entry["name"] += call.function.name or ""
                entry["arguments"] += call.function.arguments or ""
                pieces += 1 if call.function.arguments else 0
                ids.add(call.id) if call.id else None
    check("streamed tool call deltas assemble to a valid call",
          len(streamed) >= 1 and all(e["name"] == "get_weather" and jsonschema.validate(json.loads(e["arguments"]), SCHEMAS["get_weather"]) is None
                                     for e in streamed.values()), streamed)
    # Streamed as generated: the arguments arrive in several pieces, each call has one id.
    check("streamed tool call arguments arrive in pieces", pieces >= 3 and len(ids) == len(streamed), (pieces, ids))
    reply = ask("Hi! How are you today?", tools=[WEATHER, ADD], tool_choice="auto", max_tokens=32, temperature=0)
    message = reply.choices[0].message
    check("auto answers a chat question in text", (message.content or "") != "" and not message.tool_calls, message)

    schema = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 40},
                                               "age": {"type": "integer", "minimum": 0, "maximum": 150},
                                               "tags": {"type": "array", "items": {"type": "string", "maxLength": 20}, "maxItems": 3}},
              "required": ["name", "age"], "additionalProperties": False}
    for seed in range(3):
        reply = ask("Invent a person.", response_format={"type": "json_schema", "json_schema": {"name": "person", "schema": schema, "strict": True}},
                    temperature=1.0, seed=seed, max_tokens=200)
        content = reply.choices[0].message.content
        try:
            jsonschema.validate(json.loads(content), schema)
            valid = True
        except Exception as error:  # noqa: BLE001
            valid, content = False, f"{content!r}: {error}"
        check(f"json_schema output validates (seed {seed})", valid and reply.choices[0].finish_reason == "stop", content)
    # An open object may run to max_tokens (the model repeats keys): only a finished one must parse.
    finished = 0
    for seed in range(4):
        reply = ask("Give me a short JSON object about cats.", response_format={"type": "json_object"}, max_tokens=150,
                    temperature=0.7, seed=seed)
        content, finish = reply.choices[0].message.content, reply.choices[0].finish_reason
        if finish == "stop":
            finished += 1
            try:
                check(f"json_object output is an object (seed {seed})", isinstance(json.loads(content), dict), content)
            except Exception as error:  # noqa: BLE001
                check(f"json_object output is an object (seed {seed})", False, f"{content!r}: {error}")
        else:
            check(f"json_object output cut at max_tokens says so (seed {seed})", finish == "length" and content.startswith("{"), content)
    print(f"info json_object: {finished} of 4 finished within 150 tokens", flush=True)

    reply = ask("Count to five.", max_tokens=10, temperature=0, logprobs=True, top_logprobs=3, extra_body=FRESH)
    entries = reply.choices[0].logprobs.content
    check("logprobs: one entry per token", len(entries) == reply.usage.completion_tokens or
          (reply.choices[0].finish_reason == "stop" and len(entries) == reply.usage.completion_tokens - 1), (len(entries), reply.usage))
    check("logprobs: greedy picks the top alternative", all(e.logprob <= 0 and len(e.top_logprobs) == 3
                                                            and e.top_logprobs[0].token == e.token
                                                            and abs(e.top_logprobs[0].logprob - e.logprob) < 1e-4 for e in entries), entries[:2])
    check("logprobs: text is the tokens", "".join(e.token for e in entries) == reply.choices[0].message.content, entries)
    streamed = []
    for chunk in ask("Count to five.", max_tokens=10, temperature=0, logprobs=True, top_logprobs=3, stream=True, extra_body=FRESH):
        for c in chunk.choices:
            streamed += (c.logprobs.content or []) if c.logprobs else []
    def same(a, b):
        return a.token == b.token and abs(a.logprob - b.logprob) < 1e-3
    check("streamed logprobs equal the whole reply's, top_logprobs included",
          len(streamed) == len(entries) and all(same(a, b) and len(a.top_logprobs) == 3 and all(map(same, a.top_logprobs, b.top_logprobs))
                                                 for a, b in zip(streamed, entries)),
          (streamed[:2], entries[:2]))

    for name, call, error_type, param in [
        ("empty messages", lambda: client.chat.completions.create(model="m", messages=[]), openai.BadRequestError, "messages"),
        ("bad role", lambda: client.chat.completions.create(model="m", messages=[{"role": "robot", "content": "x"}]), openai.BadRequestError, "messages[0].role"),
        ("temperature out of range", lambda: ask("x", temperature=7), openai.BadRequestError, "temperature"),
        ("n > 1", lambda: ask("x", n=2), openai.BadRequestError, "n"),
        ("unknown tool choice", lambda: ask("x", tools=[WEATHER], tool_choice={"type": "function", "function": {"name": "nope"}}), openai.BadRequestError, "tool_choice"),
        ("unsupported parameter", lambda: ask("x", extra_body={"functions": []}), openai.BadRequestError, "functions"),
        ("bad schema", lambda: ask("x", response_format={"type": "json_schema", "json_schema": {"name": "s", "schema": {"type": "object", "properties": {"a": {"type": "strnig"}}}}}), openai.BadRequestError, "response_format.json_schema.schema"),
        ("prompt longer than the context", lambda: ask("hello " * 5000), openai.BadRequestError, "messages"),
    ]:
        try:
            call()
            check(f"error: {name}", False, "no error")
        except error_type as error:
            body = error.body if isinstance(error.body, dict) else {}
            check(f"error: {name}", body.get("param") == param and body.get("message"), body)
    try:
        openai.OpenAI(base_url=base, api_key="wrong", max_retries=0).models.list()
        check("wrong key is refused", False, "no error")
    except openai.AuthenticationError:
        check("wrong key is refused", True)
    check("models lists the model", len(client.models.list().data) == 1)

    # Eight at once: each gets what it gets alone (greedy).
    alone, together = alone_and_together([f"Write a sentence about the number {i}." for i in range(8)], max_tokens=20)
    check("concurrent greedy answers equal one-at-a-time ones", together == alone, list(zip(alone, together)))
    m = metrics()
    check("metrics show batched decode steps", m.get("swiftllm_decoded_sequences_total", 0) > m.get("swiftllm_decode_steps_total", 0), m)
    # The tool calls above ran under grammars: jump-forward drafted their forced text.
    drafted, accepted = m.get("swiftllm_drafted_tokens_total", 0), m.get("swiftllm_accepted_draft_tokens_total", -1)
    check("metrics count drafted and accepted tokens", drafted > 0 and 0 <= accepted <= drafted, (drafted, accepted))

    stream = ask("Write a very long story about the sea.", max_tokens=4000, stream=True, temperature=0.8)
    for i, _ in enumerate(stream):
        if i == 3:
            break
    stream.close()
    for _ in range(100):
        if metrics().get("swiftllm_active_sequences") == 0:
            break
        time.sleep(0.1)
    m = metrics()
    check("a client leaving mid-stream frees its slot", m.get("swiftllm_active_sequences") == 0, m)


def queue():
    results = []

    def run():
        try:
            ask("Write a long story.", max_tokens=300, temperature=0.8)
            results.append("ok")
        except openai.RateLimitError as error:
            results.append("429" if error.response.headers.get("retry-after") else "429 without Retry-After")
        except Exception as error:  # noqa: BLE001
            results.append(repr(error))
    threads = [threading.Thread(target=run) for _ in range(5)]
    for t in threads:
        t.start()
        time.sleep(0.2)
    for t in threads:
        t.join()
    check("a full queue answers 429 with Retry-After, the rest succeed",
          results.count("429") >= 1 and results.count("ok") >= 2 and set(results) <= {"ok", "429"}, results)


def vulkan():
    alone, together = alone_and_together([f"Name a colour, number {i}." for i in range(2)], max_tokens=6)
    check("vulkan: concurrent greedy answers equal one-at-a-time ones", together == alone and all(alone), list(zip(alone, together)))
    m = metrics()
    # One-at-a-time requests decode one sequence per step: any excess is from the concurrent ones.
    sequences, steps = m.get("swiftllm_decoded_sequences_total", 0), m.get("swiftllm_decode_steps_total", 0)
    check("vulkan: decode steps carried several sequences", sequences > steps > 0, (sequences, steps))


def serve(swiftllm, model, key, mode, *flags):
    """Starts `swiftllm serve` on a free port, runs `mode` against it, stops it with SIGINT."""
    global base, client
    with checks.serve(swiftllm, model, "--api-key", key, *flags, label=f"the {mode} server") as url:
        if url is None:
            return
        base = url
        # lavapipe runs the Vulkan passes on the CPU: three concurrent requests there (the vulkan
        # mode's count until session 32) took over 120 s while other test suites loaded both
        # cores of a 2-core host (alone: 155 s in all).
        client = openai.OpenAI(base_url=base, api_key=key, max_retries=0, timeout=300 if mode == "vulkan" else 120)
        {"api": api, "queue": queue, "vulkan": vulkan}[mode]()


if sys.argv[1] == "serve-vulkan":
    serve(sys.argv[2], sys.argv[3], "sk-test", "vulkan", "--parallel", "4", "--ctx", "512", "--backend", "vulkan")
elif sys.argv[1] == "serve":
    serve(sys.argv[2], sys.argv[3], "sk-test", "api", "--parallel", "4", "--ctx", "2048")
    serve(sys.argv[2], sys.argv[3], "sk-test", "queue", "--parallel", "1", "--max-queue", "1", "--ctx", "1024")
else:
    base, key, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    client = openai.OpenAI(base_url=base, api_key=key, max_retries=0, timeout=120)
    {"api": api, "queue": queue, "vulkan": vulkan}[mode]()
sys.exit(checks.status())
