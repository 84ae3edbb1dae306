#!/usr/bin/env python3
"""An emulator of the AWS Lambda Runtime API (standard library only), for timing Lambda bootstraps.

It starts a `bootstrap` binary as Lambda's `provided.al2023` runtime would: the usual Lambda
environment variables and `AWS_LAMBDA_RUNTIME_API` pointing at a small HTTP server here that
serves the four routes a custom runtime uses:

    GET  /2018-06-01/runtime/invocation/next            hands out the next event (long poll)
    POST /2018-06-01/runtime/invocation/{id}/response   the event's answer
    POST /2018-06-01/runtime/invocation/{id}/error      the event's failure
    POST /2018-06-01/runtime/init/error                 a failed init

and records when each happens (time.perf_counter_ns), so a benchmark can read off:

    init            spawn -> the first GET /next (the runtime is ready for work)
    first response  spawn -> the first invocation's POST /response (the cold request)
    warm latency    an event handed out on /next -> its POST /response
    peak RSS        VmHWM of /proc/<pid>/status (read before the process is stopped)

Usage as a tool (one cold invocation, then the answer on stdout):

    runtime_emulator.py BINARY EVENT.json [--env NAME=VALUE ...] [--times N]

`bench_lambda.py` beside it uses the `Function` class.
"""

import argparse
import json
import os
import queue
import re
import secrets
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"
INVOCATION = re.compile(r"^/2018-06-01/runtime/invocation/([^/]+)/(response|error)$")
# What the Lambda service gives a function before it asks for work (provided.al2023, arm64 or x86_64).
TIMEOUT_SECONDS = 15


def now_ns():
    return time.perf_counter_ns()


class Invocation:
    """One event: its payload, when it was handed out, and how it ended."""

    def __init__(self, event_bytes):
        self.id = secrets.token_hex(16)
        self.event = event_bytes
        self.handed_out_ns = None
        self.done_ns = None
        self.done_cpu_ns = None
        self.ok = None
        self.body = None
        self.done = threading.Event()


class RuntimeApi:
    """The HTTP side of one execution environment (one process of the function)."""

    def __init__(self, function_name):
        self.function_name = function_name
        self.pending = queue.Queue()
        self.by_id = {}
        self.first_next_ns = None
        self.first_next_cpu_ns = None
        self.ready = threading.Event()
        # Set once the process is spawned: the handlers read its CPU time from /proc.
        self.pid = None
        self.spawned = threading.Event()
        self.init_error = None
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.api = self
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def address(self):
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    def submit(self, event_bytes):
        invocation = Invocation(event_bytes)
        self.by_id[invocation.id] = invocation
        self.pending.put(invocation)
        return invocation

    def close(self):
        # Wake a handler still waiting on /next, then stop serving.
        self.pending.put(None)
        self.ready.set()
        self.server.shutdown()
        self.server.server_close()


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A stopped function drops its connections mid-request: that is the end of its life here.
        if not isinstance(sys.exc_info()[1], (ConnectionError, OSError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _answer(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self):
        """The request body, by Content-Length or chunked transfer encoding (trailers skipped)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        api = self.server.api
        if self.path != PREFIX + "/invocation/next":
            self._answer(404, {"errorMessage": f"no route {self.path}"})
            return
        if api.first_next_ns is None:
            api.first_next_ns = now_ns()
            api.spawned.wait(5)
            api.first_next_cpu_ns = cpu_ns(api.pid)
            api.ready.set()
        invocation = api.pending.get()
        if invocation is None:
            self.close_connection = True
            return
        deadline_ms = int(time.time() * 1000) + TIMEOUT_SECONDS * 1000
        trace = f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(invocation.event)))
        self.send_header("Lambda-Runtime-Aws-Request-Id", invocation.id)
        self.send_header("Lambda-Runtime-Deadline-Ms", str(deadline_ms))
        self.send_header(
            "Lambda-Runtime-Invoked-Function-Arn",
            f"arn:aws:lambda:us-east-1:123456789012:function:{api.function_name}",
        )
        self.send_header("Lambda-Runtime-Trace-Id", trace)
        self.end_headers()
        invocation.handed_out_ns = now_ns()
        self.wfile.write(invocation.event)
        self.wfile.flush()

    def do_POST(self):
        api = self.server.api
        body = self._body()
        done = now_ns()
        if self.path == PREFIX + "/init/error":
            api.init_error = body.decode(errors="replace")
            self._answer(202, {"status": "OK"})
            api.ready.set()
            return
        match = INVOCATION.match(self.path)
        invocation = api.by_id.get(match.group(1)) if match else None
        if invocation is None:
            self._answer(400, {"errorMessage": "unknown invocation", "errorType": "InvalidRequestID"})
            return
        invocation.done_ns, invocation.ok, invocation.body = done, match.group(2) == "response", body
        invocation.done_cpu_ns = cpu_ns(api.pid)
        self._answer(202, {"status": "OK"})
        invocation.done.set()


def lambda_environment(function_name, api_address, extra=None, memory_mb=256):
    """The environment Lambda gives a provided.al2023 function, plus `extra` (table names, endpoint...)."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": "/var/task",
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "_HANDLER": "bootstrap",
        "AWS_EXECUTION_ENV": "AWS_Lambda_provided.al2023",
        "AWS_LAMBDA_RUNTIME_API": api_address,
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function_name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]" + secrets.token_hex(16),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        # Lambda hands a role's temporary credentials over in the environment.
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_SESSION_TOKEN": "local",
    }
    env.update(extra or {})
    return env


def cpu_ns(pid):
    """Time the process's live threads have spent on a CPU, in ns (sum of /proc/<pid>/task/*/schedstat):
    unlike wall time, it does not grow while the machine is busy with something else."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as stat:
                total += int(stat.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def peak_rss_kib(pid):
    """VmHWM (the resident set's high-water mark) of a live process, in KiB; None when unreadable."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class Function:
    """One execution environment: a spawned bootstrap and its Runtime API."""

    def __init__(self, name, command, extra_env=None, log=None, memory_mb=256):
        self.name = name
        self.api = RuntimeApi(name)
        env = lambda_environment(name, self.api.address, extra_env, memory_mb)
        self.log = log
        self.spawn_ns = now_ns()
        self.process = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
            cwd="/",
        )
        self.api.pid = self.process.pid
        self.api.spawned.set()

    def wait_ready(self, timeout=60):
        """Waits for the first /next (or an init error, or the process's exit)."""
        end = time.monotonic() + timeout
        while not self.api.ready.wait(0.05):
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name}: exited with {self.process.returncode} before asking for work")
            if time.monotonic() > end:
                raise RuntimeError(f"{self.name}: no /next within {timeout} s")
        if self.api.init_error is not None:
            raise RuntimeError(f"{self.name}: init error {self.api.init_error}")

    @property
    def init_ms(self):
        return (self.api.first_next_ns - self.spawn_ns) / 1e6

    @property
    def init_cpu_ms(self):
        return None if self.api.first_next_cpu_ns is None else self.api.first_next_cpu_ns / 1e6

    def invoke(self, event_bytes, timeout=30):
        """Queues one event and waits for its answer; returns the Invocation."""
        invocation = self.api.submit(event_bytes)
        end = time.monotonic() + timeout
        while not invocation.done.wait(0.05):
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name}: exited with {self.process.returncode} during an invocation")
            if time.monotonic() > end:
                raise RuntimeError(f"{self.name}: no answer within {timeout} s")
        return invocation

    def peak_rss_kib(self):
        return peak_rss_kib(self.process.pid)

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.api.close()


def server_timing(answer):
    """(calls, rounds) from the `Server-Timing` header of an API Gateway v2 answer, or None."""
    headers = {k.lower(): v for k, v in (answer.get("headers") or {}).items()}
    for name, values in (answer.get("multiValueHeaders") or {}).items():
        headers.setdefault(name.lower(), ",".join(values))
    found = re.search(r"calls=(\d+) rounds=(\d+)", headers.get("server-timing", ""))
    return (int(found.group(1)), int(found.group(2))) if found else None


def main():
    parser = argparse.ArgumentParser(description="Run a Lambda bootstrap against an emulated Runtime API.")
    parser.add_argument("binary")
    parser.add_argument("event", help="the event's JSON file")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE, more than once")
    parser.add_argument("--times", type=int, default=1, help="invoke this many times in one process")
    args = parser.parse_args()
    extra = dict(item.split("=", 1) for item in args.env)
    for name in ("AWS_ENDPOINT_URL_DYNAMODB", "RUST_LOG"):
        if name in os.environ:
            extra.setdefault(name, os.environ[name])
    with open(args.event, "rb") as file:
        event = file.read()
    binary = os.path.abspath(args.binary)
    function = Function(os.path.basename(binary), [binary], extra, log=sys.stderr)
    try:
        first = function.invoke(event)
        function.wait_ready()
        print(f"init {function.init_ms:.1f} ms, first response {(first.done_ns - function.spawn_ns) / 1e6:.1f} ms",
              file=sys.stderr)
        last = first
        for _ in range(args.times - 1):
            last = function.invoke(event)
            print(f"warm {(last.done_ns - last.handed_out_ns) / 1e6:.2f} ms", file=sys.stderr)
        print(f"peak RSS {function.peak_rss_kib()} KiB", file=sys.stderr)
        sys.stdout.write(last.body.decode(errors="replace") + "\n")
        return 0 if last.ok else 1
    finally:
        function.stop()


if __name__ == "__main__":
    sys.exit(main())
