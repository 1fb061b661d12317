#!/usr/bin/env python3
"""Splits texts with a pre-tokenizer regex using Python's `regex` module (lookaheads, \\p{..}), as
an oracle for our SplitPattern. stdin: {"regex": "...", "texts": [...]}; stdout: a JSON list of
the matches of each text, in order (they must cover the text)."""
import json, sys

import regex

request = json.load(sys.stdin)
pattern = regex.compile(request["regex"])
out = []
for text in request["texts"]:
    words = [m.group(0) for m in pattern.finditer(text)]
    if "".join(words) != text:
        words = {"error": "matches do not cover the text"}
    out.append(words)
json.dump(out, sys.stdout, ensure_ascii=False)
