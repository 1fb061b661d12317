"""1,000 malformed or hostile requests against `swiftllm serve`, which this script starts.

usage: hostile_requests.py SWIFTLLM MODEL
Each request must get a 4xx or a closed connection (never a 2xx or 5xx); after every 100 the
server must answer a normal request; at the end its resident memory must be within 64 MiB of
what it was after the first normal request. Prints a summary line; exits 1 on any failure.
"""
import json, random, re, signal, socket, subprocess, sys, threading, time

swiftllm, model = sys.argv[1], sys.argv[2]
server = subprocess.Popen([swiftllm, "serve", "-m", model, "--port", "0", "--parallel", "2", "--ctx", "512"],
                          stderr=subprocess.PIPE, text=True)
match = re.search(r":(\d+)/v1", server.stderr.readline())
if not match:
    server.kill()
    sys.exit("the server did not start")
port = int(match.group(1))
rng = random.Random(7)
failures = []
outcomes = {}


def exchange(raw, slow=False, timeout=20):
    """Sends raw bytes; returns the status code, or 'closed'."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            if slow:
                for i in range(0, len(raw), max(1, len(raw) // 5)):
                    s.sendall(raw[i:i + max(1, len(raw) // 5)])
                    time.sleep(0.3)
            else:
                s.sendall(raw)
            s.shutdown(socket.SHUT_WR)
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
            return int(m.group(1)) if m else "closed"
    except (ConnectionError, socket.timeout, OSError):
        return "closed"


def post(body, content_type="application/json", path="/v1/chat/completions", extra=""):
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    return (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n{extra}"
            f"Connection: close\r\n\r\n").encode() + body


def normal():
    body = json.dumps({"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4, "temperature": 0})
    return exchange(post(body))


def rss_kib():
    with open(f"/proc/{server.pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def hostile(i):
    kind = i % 12
    if kind == 0:
        return "random bytes", bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 2000))), False
    if kind == 1:
        return "random body", post(bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 5000)))), False
    if kind == 2:
        return "deep nesting", post("[" * 100_000 + "]" * 100_000), False
    if kind == 3:
        return "deep object", post('{"messages":' + '{"a":' * 50_000 + "1" + "}" * 50_000 + "}"), False
    if kind == 4:
        return "invalid UTF-8", post(b'{"messages":[{"role":"user","content":"\xff\xfe\xc3"}]}'), False
    if kind == 5:
        return "wrong content type", post('{"messages":[{"role":"user","content":"hi"}]}', content_type=rng.choice(["text/plain", "application/xml", "multipart/form-data"])), False
    if kind == 6:
        return "header without body", (b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                        b"Content-Length: 500\r\n\r\n"), False
    if kind == 7:
        return "wrong types", post(json.dumps(rng.choice([{"messages": 5}, {"messages": [{"role": 3}]}, {"messages": [{"role": "user", "content": 1}]},
                                                           {"messages": [{"role": "user", "content": "x"}], "max_tokens": "many"},
                                                           {"messages": [{"role": "user", "content": "x"}], "tools": {}},
                                                           {"messages": [{"role": "user", "content": "x"}], "stop": [1, 2]},
                                                           [], "text", None]))), False
    if kind == 8:
        return "huge body", post(b'{"messages":"' + b"a" * (5 << 20) + b'"}'), False
    if kind == 9:
        return "missing fields", post(json.dumps(rng.choice([{}, {"model": "x"}, {"messages": []}, {"prompt": "x"}]))), False
    if kind == 10:
        return "bad method or path", rng.choice([b"DELETE /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                                  b"GET /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                                  b"POST /v1/../../etc/passwd HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"]), False
    return "slow partial body", post('{"messages":[{"role":"user","content":"x"}],"max_tokens":"slow"}'), i % 48 == 11


try:
    first = normal()
    if first != 200:
        failures.append(f"the first normal request got {first}")
    baseline = rss_kib()
    for batch in range(10):
        results = [None] * 100

        def worker(start):
            for i in range(start, 100, 4):
                name, raw, slow = hostile(batch * 100 + i)
                results[i] = (name, exchange(raw, slow=slow))
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for name, status in results:
            outcomes.setdefault(name, {}).setdefault(str(status), 0)
            outcomes[name][str(status)] += 1
            if status != "closed" and not 400 <= status < 500:
                failures.append(f"{name}: {status}")
        after = normal()
        if after != 200:
            failures.append(f"normal request after batch {batch}: {after}")
        if server.poll() is not None:
            failures.append(f"the server exited ({server.returncode}) during batch {batch}")
            break
    grown = (rss_kib() - baseline) / 1024
    if grown > 64:
        failures.append(f"resident memory grew {grown:.0f} MiB over the baseline")
    print(json.dumps({"outcomes": outcomes, "rss_growth_mib": round(grown, 1), "failures": failures[:20]}))
finally:
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
sys.exit(1 if failures else 0)
