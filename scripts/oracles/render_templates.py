#!/usr/bin/env python3
"""Render every chat template in a folder with Python jinja2, the way Hugging Face
transformers does (apply_chat_template), over a fixed set of conversations.

Writes OUT/cases.json: a list of {template, conversation, messages, tools, add_generation_prompt,
bos_token, eos_token, output | error}. `error` is set when jinja2 rejects the template (syntax) or
the template raises for that conversation; the Swift side must then fail too.

With --snippets OUT_DIR instead, renders the small templates of jinja_snippets.py with their context
into OUT_DIR/snippets.json: a list of {name, template, context, output | error}.

With --gguf MODEL MESSAGES.json [TOOLS.json], renders the model's tokenizer.chat_template (read with the
`gguf` package, BOS/EOS token texts from its vocabulary) and prints the prompt.

Usage: render_templates.py TEMPLATES_DIR OUT_DIR
       render_templates.py --snippets OUT_DIR
       render_templates.py --gguf MODEL MESSAGES.json [TOOLS.json]
"""
import json
import os
import sys
from datetime import datetime

import jinja2
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

# A fixed "now" so that strftime_now is reproducible; the Swift side uses the same instant.
FIXED_NOW = datetime(2026, 1, 15, 9, 5, 7)


class AssistantTracker(Extension):
    """HF's {% generation %} block: renders its body unchanged."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # Exactly transformers' definition (chat_template_utils._compile_jinja_template).
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(format):
    return FIXED_NOW.strftime(format)


def make_env():
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[AssistantTracker, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. Paris"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    },
}
SEARCH_TOOL = {
    "type": "function",
    "function": {
        "name": "search",
        "description": "Search the web.",
        "parameters": {
            "type": "object",
            "properties": {"query": {"type": "string"}, "max_results": {"type": "integer", "default": 5}},
            "required": ["query"],
        },
    },
}
TOOL_CALL = {"id": "call12345", "type": "function",
             "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}}

TOOL_CALL_STRING_ARGS = {"id": "call12345", "type": "function",
                         "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}
SEARCH_CALL = {"id": "call67890", "type": "function",
               "function": {"name": "search", "arguments": {"query": "Paris events", "max_results": 3}}}

CONVERSATIONS = {
    "plain": {"messages": [{"role": "user", "content": "Hello! How are you?"}]},
    "system": {"messages": [
        {"role": "system", "content": "You are a helpful assistant. Answer in one sentence."},
        {"role": "user", "content": "What is the capital of France?"}]},
    "multi_turn": {"messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello. What do you need?"},
        {"role": "user", "content": "Say \"quoted\" text, ünïcödé and 日本語.\nTwo lines."}]},
    "no_generation_prompt": {"add_generation_prompt": False, "messages": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"}]},
    "tools": {"tools": [WEATHER_TOOL, SEARCH_TOOL], "messages": [
        {"role": "user", "content": "What's the weather in Paris?"}]},
    "tool_calls": {"tools": [WEATHER_TOOL], "messages": [
        {"role": "system", "content": "You can call tools."},
        {"role": "user", "content": "What's the weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [TOOL_CALL]}]},
    "tool_results": {"tools": [WEATHER_TOOL], "messages": [
        {"role": "user", "content": "What's the weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [TOOL_CALL]},
        {"role": "tool", "tool_call_id": "call12345", "name": "get_weather", "content": "{\"temperature\": 21.5, \"sky\": \"clear\"}"},
        {"role": "assistant", "content": "It is 21.5 °C and clear in Paris."},
        {"role": "user", "content": "Thanks!"}]},
    "tool_history_no_tools": {"messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "Let me check.", "tool_calls": [TOOL_CALL]},
        {"role": "tool", "tool_call_id": "call12345", "name": "get_weather", "content": "sunny"},
        {"role": "assistant", "content": "Sunny."},
        {"role": "user", "content": "Thanks"}]},
    "string_arguments": {"tools": [WEATHER_TOOL], "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [TOOL_CALL_STRING_ARGS]}]},
    "parallel_tool_calls": {"tools": [WEATHER_TOOL, SEARCH_TOOL], "messages": [
        {"role": "system", "content": "Use tools when useful."},
        {"role": "user", "content": "Weather and events in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [TOOL_CALL, SEARCH_CALL]},
        {"role": "tool", "tool_call_id": "call12345", "name": "get_weather", "content": "sunny"},
        {"role": "tool", "tool_call_id": "call67890", "name": "search", "content": "[\"Jazz night\"]"}]},
}

BOS, EOS = "<s>", "</s>"


def render_snippets(out_dir):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from jinja_snippets import CTX, SNIPPETS
    env = make_env()
    cases = []
    for name, source in SNIPPETS:
        case = {"name": name, "template": source, "context": CTX}
        try:
            case["output"] = env.from_string(source).render(**CTX)
        except Exception as e:
            case["error"] = f"{type(e).__name__}: {e}"
        cases.append(case)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "snippets.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=1)


def render_gguf(model, messages_path, tools_path=None):
    import gguf
    reader = gguf.GGUFReader(model)

    def field(key):
        f = reader.fields.get(key)
        return None if f is None else f.parts[f.data[0]]

    source = bytes(field("tokenizer.chat_template")).decode("utf-8")
    tokens = reader.fields["tokenizer.ggml.tokens"]
    def token(key):
        value = field(key)
        return "" if value is None else bytes(tokens.parts[tokens.data[int(value[0])]]).decode("utf-8")
    with open(messages_path, encoding="utf-8") as f:
        messages = json.load(f)
    tools = None
    if tools_path:
        with open(tools_path, encoding="utf-8") as f:
            tools = json.load(f)
    text = make_env().from_string(source).render(
        messages=messages, tools=tools, add_generation_prompt=True,
        bos_token=token("tokenizer.ggml.bos_token_id"), eos_token=token("tokenizer.ggml.eos_token_id"))
    sys.stdout.buffer.write(text.encode("utf-8"))


def main():
    if sys.argv[1] == "--snippets":
        return render_snippets(sys.argv[2])
    if sys.argv[1] == "--gguf":
        return render_gguf(*sys.argv[2:5])
    templates_dir, out_dir = sys.argv[1], sys.argv[2]
    env = make_env()
    cases = []
    for name in sorted(os.listdir(templates_dir)):
        if not name.endswith(".jinja"):
            continue
        with open(os.path.join(templates_dir, name), encoding="utf-8") as f:
            source = f.read()
        try:
            template = env.from_string(source)
            compile_error = None
        except Exception as e:  # jinja2 rejects the template itself
            template, compile_error = None, f"{type(e).__name__}: {e}"
        for conv_name, conv in CONVERSATIONS.items():
            case = {
                "template": name, "conversation": conv_name,
                "messages": conv["messages"], "tools": conv.get("tools"),
                "add_generation_prompt": conv.get("add_generation_prompt", True),
                "bos_token": BOS, "eos_token": EOS,
            }
            if compile_error is not None:
                case["error"] = compile_error
            else:
                try:
                    case["output"] = template.render(
                        messages=case["messages"], tools=case["tools"],
                        add_generation_prompt=case["add_generation_prompt"],
                        bos_token=BOS, eos_token=EOS)
                except Exception as e:
                    case["error"] = f"{type(e).__name__}: {e}"
            cases.append(case)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
