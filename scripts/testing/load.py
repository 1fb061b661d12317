"""A bounded loopback load on an OpenAI-compatible server: C clients, each sending chat requests
(128 completion tokens, temperature 0.8) back to back for S seconds. Prints one JSON line:
clients, requests, errors (by status), completion tokens, aggregate tok/s, latency p50/p99 (s).

usage: load.py BASE_URL CLIENTS SECONDS [MAX_TOKENS]
"""
import json, sys, threading, time, urllib.error, urllib.request

base, clients, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
max_tokens = int(sys.argv[4]) if len(sys.argv) > 4 else 128
topics = ["the sea", "a robot", "mountains", "a city at night", "an old library", "the first snow", "a train", "a garden"]
lock = threading.Lock()
latencies, errors, tokens = [], {}, [0]
stop_at = time.monotonic() + seconds


def client(index):
    n = 0
    while time.monotonic() < stop_at:
        body = json.dumps({"model": "m", "max_tokens": max_tokens, "temperature": 0.8, "seed": index * 1000 + n,
                           "messages": [{"role": "user", "content": f"Write a story about {topics[(index + n) % len(topics)]}."}]})
        request = urllib.request.Request(base + "/chat/completions", data=body.encode(),
                                         headers={"Content-Type": "application/json"})
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                answer = json.load(response)
            with lock:
                latencies.append(time.monotonic() - started)
                tokens[0] += answer["usage"]["completion_tokens"]
        except urllib.error.HTTPError as error:
            with lock:
                errors[str(error.code)] = errors.get(str(error.code), 0) + 1
        except Exception as error:  # noqa: BLE001 - a connection failure is a finding too
            with lock:
                errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
        n += 1


began = time.monotonic()
threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
wall = time.monotonic() - began
latencies.sort()


def pct(p):
    return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 3) if latencies else None


print(json.dumps({"clients": clients, "requests": len(latencies), "errors": errors, "completion_tokens": tokens[0],
                  "tok_per_s": round(tokens[0] / wall, 1), "p50_s": pct(0.5), "p99_s": pct(0.99), "wall_s": round(wall, 1)}))
