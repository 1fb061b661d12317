#!/usr/bin/env python3
"""A tiny MCP server over stdio (plain newline-delimited JSON-RPC, no dependency) that
misbehaves on purpose, for the Swift MCP client's failure tests.

Usage: misbehaving_mcp_server.py MODE
  crash       answers initialize and tools/list, then exits with status 3 on tools/call
  hang        never answers tools/call, ignores SIGTERM and stdin EOF (needs SIGKILL)
  garbage     answers tools/call with a line that is not JSON
  hang-init   never answers initialize
  paged       a well-behaved server listing two tools over two pages (one without inputSchema)
"""
import json, os, signal, sys, time

mode = sys.argv[1]
sys.stderr.write(f"misbehaving server {mode} pid={os.getpid()}\n")
sys.stderr.flush()


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def answer(request, result):
    send({"jsonrpc": "2.0", "id": request["id"], "result": result})


ECHO = {"name": "echo", "description": "Echoes its text.",
        "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}}}
PAGES = {None: ([ECHO], "page-2"), "page-2": ([{"name": "ping", "description": "No schema."}], None)}

for line in sys.stdin:
    request = json.loads(line)
    method = request.get("method")
    if "id" not in request:
        continue  # a notification
    if method == "initialize":
        if mode == "hang-init":
            continue
        answer(request, {"protocolVersion": request["params"]["protocolVersion"],
                         "capabilities": {"tools": {}}, "serverInfo": {"name": mode, "version": "1"}})
    elif method == "tools/list":
        tools, cursor = PAGES[(request.get("params") or {}).get("cursor")] if mode == "paged" else ([ECHO], None)
        answer(request, {"tools": tools, **({"nextCursor": cursor} if cursor else {})})
    elif method == "tools/call":
        if mode == "crash":
            sys.stderr.write("misbehaving server: crashing on purpose\n")
            sys.exit(3)
        if mode == "hang":
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            while True:
                time.sleep(3600)
        if mode == "garbage":
            sys.stdout.write("this is not JSON-RPC\n")
            sys.stdout.flush()
            continue
        text = (request["params"].get("arguments") or {}).get("text", "")
        answer(request, {"content": [{"type": "text", "text": text}]})
    else:
        send({"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32601, "message": "no " + method}})
