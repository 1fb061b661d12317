"""Reads lines of JSON `[pattern, string]` on stdin; prints 1/0 per line: does Python's `re.search`
find the pattern in the string (ASCII mode, so \\d \\w \\s mean what ECMAScript means on ASCII)."""
import json, re, sys

for line in sys.stdin:
    pattern, text = json.loads(line)
    print(1 if re.search(pattern, text, re.ASCII) else 0)
