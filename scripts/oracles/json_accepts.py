"""Reads JSON texts (one per line, hex-encoded bytes) on stdin; prints 1/0 per line: does Python's
strict json module accept it (NaN/Infinity constants rejected)."""
import json, sys

def reject_constant(name):
    raise ValueError(name)

for line in sys.stdin:
    data = bytes.fromhex(line.strip())
    try:
        text = data.decode("utf-8")
        json.loads(text, parse_constant=reject_constant)
        print(1)
    except (ValueError, RecursionError, UnicodeDecodeError):
        print(0)
