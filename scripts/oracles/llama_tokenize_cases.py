#!/usr/bin/env python3
"""Writes Tests/Reference/newer-vocab-tokenize.json: llama.cpp's token ids for texts of ours under the
newer families' vocabularies (ggml-vocab-qwen35.gguf, ggml-vocab-gemma-4.gguf from
scripts/fetch-vocab.sh) and under the tiny models' vocabulary with the pre-tokenizers of their
families (tiny-mistral3: tekken, tiny-lfm2: lfm2, tiny-qwen35: qwen35, in ../shared/reference/tiny),
as `llama-tokenize` built from the llama-cpp-python 0.3.36 sdist prints them: BOS as the vocabulary
asks, special tokens parsed, no escape processing.

Usage: llama_tokenize_cases.py LLAMA_TOKENIZE VOCAB_DIR TINY_DIR OUT.json
"""
import json, os, subprocess, sys

TEXTS = [
    "Hello, world! 123 4567 89.5",
    "  two leading spaces and a tab\tthen\n\nnewlines\n\n\n",
    "def f(x):\n    return x ** 2  # square\n",
    "if (a != b && c <= 0x1F) { print(\"ok\"); }",
    "Zürich naïve café — 東京 🦙 ½ ² ①",
    "e\u0301 a\u0308 n\u0303o (combining marks) \u0915\u094d\u0937 \u0e01\u0e34",
    "<|im_start|>user\nWhat's the time?<|im_end|>\n<|im_start|>assistant\n",
    "<start_of_turn>user\nHi<end_of_turn>\n<|turn>model\n<turn|>",
    "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>",
    "I'm sure you'll LOVE it, won't you? THEY'RE here.",
    "1,000,000.00 -42 3e-5 0x7fff 2026-12-05T10:00:00Z",
    "\n\n\n\n   \t\t  \r\n trailing spaces   ",
    "Ελληνικά Русский текст العربية עברית",
    "<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n</function>",
    "",
    "a",
    "                                                   many spaces",
]


# Texts where the tekken split differs from llama3's and qwen2's (case changes inside words,
# slashes after punctuation), spelled in the tiny vocabulary's mostly-ASCII alphabet.
TINY_TEXTS = [
    "HelloWorld camelCaseWord iPhone ABCdef McDONALD ThisIsATest",
    "The quick brown fox. THE QUICK Brown FOX jumps over the lazy dog!",
    "paths: a/b/c/ .// x//y and dates 2026/12/05 12:30",
    "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n",
]


def tokenize(binary, vocab, text):
    env = dict(os.environ, LD_LIBRARY_PATH=os.path.dirname(binary))
    out = subprocess.run([binary, "-m", vocab, "--stdin", "--ids", "--no-escape", "--log-disable"],
                         input=text.encode(), capture_output=True, env=env, check=True).stdout.decode()
    return json.loads(out.strip().splitlines()[-1])


def main():
    binary, vocab_dir, tiny_dir, out = sys.argv[1:5]
    cases = {}
    for name in ["qwen35", "gemma-4"]:
        vocab = os.path.join(vocab_dir, f"ggml-vocab-{name}.gguf")
        cases[name] = [{"text": t, "ids": tokenize(binary, vocab, t)} for t in TEXTS]
    for name in ["tiny-mistral3-f32", "tiny-lfm2-f32", "tiny-qwen35-f32"]:
        vocab = os.path.join(tiny_dir, f"{name}.gguf")
        cases[name] = [{"text": t, "ids": tokenize(binary, vocab, t)} for t in TEXTS + TINY_TEXTS]
    with open(out, "w") as f:
        json.dump({"tool": "llama-tokenize (llama-cpp-python 0.3.36 sdist, llama.cpp vendor copy)",
                   "options": "--stdin --ids --no-escape (BOS as the vocabulary asks, specials parsed)",
                   "cases": cases}, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
