"""What the check scripts in scripts/testing share: the ok/FAIL lines they print, and a
`swiftllm serve` they start on a free port and stop with SIGINT."""
import contextlib, re, signal, subprocess, urllib.request

failures = []


def check(name, condition, detail=""):
    """Prints `ok   NAME` or `FAIL NAME: DETAIL` and remembers a failure."""
    print(("ok   " if condition else "FAIL ") + name + ("" if condition else f": {detail}"), flush=True)
    if not condition:
        failures.append(name)


def status():
    """The exit status for the checks so far: 1 if any failed."""
    return 1 if failures else 0


def metrics(base):
    """The server's `/metrics` (Prometheus text) as {series: value}, for the server at `base` (…/v1)."""
    with urllib.request.urlopen(base.rsplit("/v1", 1)[0] + "/metrics", timeout=10) as response:
        text = response.read().decode()
    return {name: float(value) for name, value in (line.rsplit(" ", 1) for line in text.splitlines()
                                                   if line and not line.startswith("#"))}


@contextlib.contextmanager
def serve(swiftllm, model, *flags, label="the server"):
    """Runs `swiftllm serve -m MODEL --port 0 FLAGS` and yields its base URL (`http://…/v1`), or
    None after a failed check when it does not start. On leaving, stops it with SIGINT and checks
    that it exits with status 0 within 30 s."""
    server = subprocess.Popen([swiftllm, "serve", "-m", model, "--port", "0", *flags], stderr=subprocess.PIPE, text=True)
    line = server.stderr.readline()
    port = re.search(r":(\d+)/v1", line)
    if not port:
        server.kill()
        check(f"{label} starts", False, line + server.stderr.read())
        yield None
        return
    try:
        yield f"http://127.0.0.1:{port.group(1)}/v1"
    finally:
        server.send_signal(signal.SIGINT)
        try:
            code = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            code = "still running 30 s after SIGINT"
        check(f"SIGINT stops {label} cleanly", code == 0, code)
