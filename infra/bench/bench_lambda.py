#!/usr/bin/env python3
"""`make bench-lambda`: every HTTP function's cold start, warm latency, memory and size against an
anchor (the smallest Rust Lambda with a DynamoDB client and one GetItem a call, infra/bench/anchor/).

Each function runs as Lambda would run it, through runtime_emulator.py, against DynamoDB Local
(AWS_ENDPOINT_URL_DYNAMODB) with tables and a demo account, project and survey made by the local
stack's own `hearken-local` (the tables of template.yaml; nothing here defines a table).

    bench_lambda.py run --hearken-local target/debug/hearken-local \
        --arch x86_64 --bin-dir target/release --anchor target/bench-anchor/release/anchor \
        [--arch arm64 --bin-dir target/lambda --anchor ... --sizes-only]
    bench_lambda.py compare BEFORE.json AFTER.json

Standard library only. Interleaved: round r runs anchor, f1, f2, ... once each (a fresh process, one
cold invocation), so drift of the machine hits all of them alike; medians over the rounds.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runtime_emulator import Function, server_timing  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# (binary, sample event of events/, what a good answer's status is, Lambda memory in MB from template.yaml)
FUNCTIONS = [
    ("feedback", "feedback-list.json", 200, 256),
    ("projects", "project-get.json", 200, 256),
    ("account", "account-get.json", 200, 256),
    ("widget", "widget-submit.json", 201, 256),
    ("surveys", "survey-get.json", 200, 256),
    ("survey-page", "survey-page-show.json", 200, 256),
    ("analytics", "survey-analytics.json", 200, 256),
    ("fallback", "unmatched-route.json", 404, 128),
    ("docs", "docs-openapi.json", 200, 128),
    ("webhooks", "webhooks-list.json", 200, 256),
]
ANCHOR = "anchor"
# The goals of issue 17: a function's number over the anchor's, at most.
GOALS = {"init_ms": 1.2, "first_ms": 1.3, "rss_kib": 1.3, "size": 1.0}
COLUMNS = [
    ("init_ms", "init ms"),
    ("first_ms", "first response ms"),
    ("warm_ms", "warm ms"),
    ("rss_kib", "peak RSS MiB"),
    ("size", "binary MiB"),
]


def table_variables():
    """The functions' table variables as template.yaml's Globals set them (`KEYS_TABLE: !Ref KeysTable`):
    name -> logical id; locally a table is named <prefix><logical id>, as hearken-local creates it."""
    with open(os.path.join(ROOT, "template.yaml")) as f:
        found = dict(re.findall(r"^\s+([A-Z][A-Z0-9_]*_TABLE): !Ref (\w+)\s*$", f.read(), re.M))
    if not found:
        sys.exit("template.yaml sets no *_TABLE variables")
    return found


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(hearken_local, prefix):
    """Tables, a BUSINESS account (owner key), a project (its mbk_ key) and a survey, made by the
    local stack itself: `hearken-local` creates template.yaml's tables and its demo data and prints
    them; it is stopped as soon as it has."""
    env = dict(os.environ, PORT=str(free_port()), HEARKEN_TABLE_PREFIX=prefix, RUST_LOG="warn")
    process = subprocess.Popen([hearken_local], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True)
    timer = threading.Timer(120, process.kill)
    timer.start()
    text = ""
    try:
        for line in process.stdout:
            text += line
            if "Ctrl-C" in line:
                break
    finally:
        timer.cancel()
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def find(pattern):
        found = re.search(pattern, text)
        if not found:
            sys.exit(f"hearken-local did not print {pattern!r}; it printed:\n{text}")
        return found.group(1)

    return {
        "acc_REPLACE_WITH_ACCOUNT_ID": find(r"Demo account (acc_\S+)"),
        "sk_live_REPLACE_WITH_AN_OWNER_KEY": find(r"owner key\s+(sk_live_\S+)"),
        "proj_REPLACE_WITH_PROJECT_ID": find(r"project\s+(proj_\S+)"),
        "mbk_REPLACE_WITH_THE_PROJECT_KEY": find(r"project key\s+(mbk_\S+)"),
        "srv_REPLACE_WITH_SURVEY_ID": find(r"/s/(srv_[A-Za-z0-9_]+)"),
    }


class Events:
    """The sample events with their placeholders filled; every invocation gets its own client IP
    (198.18.0.0/15, the benchmarking range), so the per-IP limits of the public routes never trip."""

    def __init__(self, filled):
        self.templates = {}
        # The anchor reads no event; it gets a keyed route's, like the functions.
        for binary, file, _, _ in FUNCTIONS + [(ANCHOR, "project-get.json", 200, 256)]:
            with open(os.path.join(ROOT, "events", file)) as f:
                text = f.read()
            for placeholder, value in filled.items():
                text = text.replace(placeholder, value)
            if "REPLACE_WITH" in text:
                sys.exit(f"events/{file}: a placeholder is left: {text}")
            self.templates[binary] = json.loads(text)
        self.count = 0

    def next(self, binary):
        self.count += 1
        event = json.loads(json.dumps(self.templates[binary]))
        context = event.get("requestContext", {})
        context.setdefault("http", {})["sourceIp"] = f"198.{18 + (self.count >> 16) % 2}.{(self.count >> 8) & 255}.{self.count & 255}"
        context["requestId"] = secrets.token_hex(16)
        context["timeEpoch"] = int(time.time() * 1000)
        return json.dumps(event).encode()


def check(binary, expected, invocation, problems):
    """The answer must be the route's ordinary one; a wrong one is reported, not timed silently."""
    answer = json.loads(invocation.body or b"null") if invocation.ok else None
    status = (answer or {}).get("statusCode")
    if not invocation.ok or status != expected:
        problems.setdefault(binary, (invocation.body or b"")[:400].decode(errors="replace"))
    return answer or {}


class Runner:
    def __init__(self, args, arch, bin_dir, anchor, command_prefix, env, events, log):
        self.args, self.arch, self.env, self.events, self.log = args, arch, env, events, log
        self.prefix = command_prefix
        self.binaries = {ANCHOR: os.path.abspath(anchor)}
        for binary, *_ in FUNCTIONS:
            path = os.path.abspath(os.path.join(bin_dir, binary))
            # cargo lambda puts each binary at <dir>/<name>/bootstrap.
            self.binaries[binary] = os.path.join(path, "bootstrap") if os.path.isdir(path) else path
        for binary, path in self.binaries.items():
            if not os.path.isfile(path):
                sys.exit(f"{arch}: no binary for {binary} at {path}")
        self.expected = {b: s for b, _, s, _ in FUNCTIONS}
        self.expected[ANCHOR] = 200
        self.memory = {b: m for b, _, _, m in FUNCTIONS}
        self.memory[ANCHOR] = 256
        self.order = [ANCHOR] + [b for b, *_ in FUNCTIONS]
        self.problems = {}
        self.timing = {}

    def spawn(self, binary):
        return Function(binary, self.prefix + [self.binaries[binary]], self.env, log=self.log,
                        memory_mb=self.memory[binary])

    def sizes(self):
        return {b: os.path.getsize(p) for b, p in self.binaries.items()}

    def run(self):
        rounds, warm = self.args.rounds, self.args.warm
        samples = {b: {"init_ms": [], "first_ms": [], "warm_ms": [], "cold_rss_kib": [], "init_cpu_ms": [],
                       "first_cpu_ms": []} for b in self.order}
        # DynamoDB Local is a JVM: its first calls of each kind run interpreted, tens of times slower.
        # Unmeasured rounds first, so every measured round meets the same warmed-up emulator.
        for r in range(-self.args.warmup_rounds, rounds):
            for binary in self.order:
                function = self.spawn(binary)
                try:
                    first = function.invoke(self.events.next(binary))
                    function.wait_ready()
                    answer = check(binary, self.expected[binary], first, self.problems)
                    if r < 0:
                        continue
                    samples[binary]["init_ms"].append(function.init_ms)
                    samples[binary]["first_ms"].append((first.done_ns - function.spawn_ns) / 1e6)
                    samples[binary]["cold_rss_kib"].append(function.peak_rss_kib())
                    samples[binary]["init_cpu_ms"].append(function.init_cpu_ms)
                    samples[binary]["first_cpu_ms"].append(first.done_cpu_ns and first.done_cpu_ns / 1e6)
                    self.timing.setdefault(binary, {})["cold"] = server_timing(answer)
                finally:
                    function.stop()
            label = f"warm-up round {r + self.args.warmup_rounds + 1}" if r < 0 else f"cold round {r + 1}/{rounds}"
            print(f"  {self.arch}: {label} done", file=sys.stderr)
        # Warm: one environment of each, alive together; one cold call first (not counted), then
        # `warm` calls each, interleaved.
        functions = {b: self.spawn(b) for b in self.order}
        try:
            for binary, function in functions.items():
                function.invoke(self.events.next(binary))
            for _ in range(warm):
                for binary, function in functions.items():
                    invocation = function.invoke(self.events.next(binary))
                    answer = check(binary, self.expected[binary], invocation, self.problems)
                    samples[binary]["warm_ms"].append((invocation.done_ns - invocation.handed_out_ns) / 1e6)
                    self.timing.setdefault(binary, {})["warm"] = server_timing(answer)
            rss = {b: f.peak_rss_kib() for b, f in functions.items()}
        finally:
            for function in functions.values():
                function.stop()
        sizes = self.sizes()
        result = {}
        for binary in self.order:
            s = samples[binary]
            result[binary] = {
                "init_ms": statistics.median(s["init_ms"]),
                "first_ms": statistics.median(s["first_ms"]),
                "warm_ms": statistics.median(s["warm_ms"]),
                "rss_kib": rss[binary],
                "cold_rss_kib": statistics.median(x for x in s["cold_rss_kib"] if x is not None)
                if any(s["cold_rss_kib"]) else None,
                "size": sizes[binary],
                "init_cpu_ms": median_of(s["init_cpu_ms"]),
                "first_cpu_ms": median_of(s["first_cpu_ms"]),
                "samples": s,
                "server_timing": self.timing.get(binary, {}),
            }
        return result


def median_of(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt_value(key, value):
    if value is None:
        return "-"
    if key == "rss_kib":
        return f"{value / 1024:.1f}"
    if key == "size":
        return f"{value / 2**20:.2f}"
    if key in ("warm_ms", "init_cpu_ms", "first_cpu_ms"):
        return f"{value:.2f}"
    return f"{value:.1f}"


def print_table(title, result, keys, notes=()):
    anchor = result[ANCHOR]
    header = ["function"] + [label for key, label in COLUMNS if key in keys]
    rows = []
    missed = []
    for binary in [ANCHOR] + [b for b, *_ in FUNCTIONS]:
        row = [binary]
        for key, _ in COLUMNS:
            if key not in keys:
                continue
            value = result[binary].get(key)
            cell = fmt_value(key, value)
            if binary != ANCHOR and value is not None and anchor.get(key):
                ratio = value / anchor[key]
                cell += f" ({ratio:.2f}×"
                if key in GOALS:
                    met = ratio <= GOALS[key]
                    cell += ", met" if met else ", MISSED"
                    if not met:
                        missed.append(f"{binary} {key}")
                cell += ")"
            row.append(cell)
        rows.append(row)
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    print(f"\n{title}")
    for note in notes:
        print(f"  {note}")
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))
    goals = ", ".join(f"{dict(COLUMNS)[k]} ≤ {v}×" for k, v in GOALS.items() if k in keys)
    print(f"goals ({goals}): " + ("all met" if not missed else f"{len(missed)} missed: " + ", ".join(missed)))
    return missed


def print_cpu(result):
    """The same cold starts in on-CPU time (all the process's threads): what the wall times above
    are made of when the machine is idle, and nearly unmoved when it is not."""
    anchor = result[ANCHOR]
    print("\non-CPU time of the cold starts (medians; robust to a busy machine): init, and up to the first response")
    for binary in [ANCHOR] + [b for b, *_ in FUNCTIONS]:
        cells = []
        for key in ("init_cpu_ms", "first_cpu_ms"):
            value = result[binary].get(key)
            text = "-" if value is None else f"{value:.1f} ms"
            if binary != ANCHOR and value and anchor.get(key):
                text += f" ({value / anchor[key]:.2f}×)"
            cells.append(text.ljust(18))
        print(f"  {binary:<12} init {cells[0]} first response {cells[1]}")


def print_rounds(result):
    print("\nrounds per route (Server-Timing `calls=N rounds=M` of each answer: DynamoDB calls, and rounds of calls in sequence)")
    for binary, file, _, _ in FUNCTIONS:
        with open(os.path.join(ROOT, "events", file)) as f:
            route = json.load(f)["routeKey"]
        timing = result[binary]["server_timing"]
        cold, warm = timing.get("cold"), timing.get("warm")
        show = lambda t: f"calls={t[0]} rounds={t[1]}" if t else "no Server-Timing"  # noqa: E731
        text = show(warm) if cold == warm else f"cold {show(cold)}, warm {show(warm)}"
        print(f"  {binary:<12} {route:<42} {text}")


def command_run(args):
    if args.only:
        FUNCTIONS[:] = [f for f in FUNCTIONS if f[0] in args.only.split(",")]
    endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
    if not endpoint:
        sys.exit("AWS_ENDPOINT_URL_DYNAMODB is not set: run through infra/dynamodb-local.sh run")
    prefix = f"bench-{secrets.token_hex(3)}-"
    print(f"seeding tables {prefix}* with hearken-local ...", file=sys.stderr)
    filled = seed(args.hearken_local, prefix)
    events = Events(filled)
    env = {name: prefix + logical for name, logical in table_variables().items()}
    env.update({"AWS_ENDPOINT_URL_DYNAMODB": endpoint, "RUST_LOG": "info"})
    env.update(dict(item.split("=", 1) for item in args.env))
    for path in (args.json, args.log):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    log = open(args.log, "ab")
    report = {"rounds": args.rounds, "warm": args.warm, "arches": {}}
    missed_any = False
    for arch, bin_dir, anchor, sizes_only in zip(args.arch, args.bin_dir, args.anchor, args.sizes_only_flags):
        notes = []
        prefix_cmd = []
        if arch == "arm64" and not sizes_only:
            qemu = shutil.which("qemu-aarch64") or shutil.which("qemu-aarch64-static")
            sysroot = os.environ.get("QEMU_LD_PREFIX", "/usr/aarch64-linux-gnu")
            if not qemu or not os.path.isdir(sysroot):
                sizes_only = True
                notes.append("arm64 timings: not run — qemu-aarch64 (Debian: qemu-user) and an arm64 C library "
                             "(libc6-arm64-cross, /usr/aarch64-linux-gnu) are needed to run arm64 binaries here")
            else:
                prefix_cmd = [qemu, "-L", sysroot]
                notes.append("arm64 under qemu-user emulation: times and RSS are the emulator's, only the ratios "
                             "mean something")
        runner = Runner(args, arch, bin_dir, anchor, prefix_cmd, env, events, log)
        if sizes_only:
            result = {b: {"size": s} for b, s in runner.sizes().items()}
            keys = ["size"]
            notes.append("sizes only")
        else:
            result = runner.run()
            keys = [k for k, _ in COLUMNS]
            notes.insert(0, f"{args.rounds} cold starts each, interleaved with the anchor (medians); warm: median "
                            f"of {args.warm} calls; peak RSS: VmHWM after the cold call and {args.warm} warm calls")
        load = os.getloadavg()[0]
        if not sizes_only:
            notes.append(f"machine: {os.cpu_count()} cores, 1-minute load average {load:.1f} at the end of this run "
                         "(wall times stretch on a busy machine; the on-CPU times below barely do)")
        result["_load"] = load
        report["arches"][arch] = result
        title = f"{arch}: every HTTP function against the anchor (ratio to the anchor; goals met or MISSED)"
        missed_any |= bool(print_table(title, result, keys, notes))
        if runner.problems:
            print(f"\n{arch}: WRONG ANSWERS (their times are not the route's):")
            for binary, body in runner.problems.items():
                print(f"  {binary}: {body}")
        if not sizes_only:
            print_cpu(result)
            print_rounds(result)
    with open(args.json, "w") as f:
        json.dump(report, f, indent=1)
    print(f"\nraw numbers: {os.path.relpath(args.json, ROOT)}; the functions' logs: {os.path.relpath(args.log, ROOT)}")
    return 0


def command_compare(args):
    """Before/after of two result files (medians), per architecture present in both."""
    with open(args.before) as f:
        before = json.load(f)
    with open(args.after) as f:
        after = json.load(f)
    for arch, old in before["arches"].items():
        new = after["arches"].get(arch)
        if not new:
            continue
        print(f"\n{arch}: before → after (in brackets: the ratio to the anchor of the same run)")
        labels = dict(COLUMNS + [("init_cpu_ms", "init CPU ms"), ("first_cpu_ms", "first response CPU ms")])
        keys = [k for k in labels if k in new[ANCHOR] and k in old[ANCHOR]]
        print("| function | " + " | ".join(labels[k] for k in keys) + " |")
        print("|---" * (len(keys) + 1) + "|")
        for binary in [ANCHOR] + [b for b, *_ in FUNCTIONS]:
            cells = []
            for key in keys:
                a, b = old[binary].get(key), new[binary].get(key)
                if binary == ANCHOR or not (a and b):
                    cells.append(f"{fmt_value(key, a)} → {fmt_value(key, b)}")
                    continue
                # Each run's own anchor: the ratio is what survives a change of machine load.
                ra, rb = a / old[ANCHOR][key], b / new[ANCHOR][key]
                cells.append(f"{fmt_value(key, a)} → {fmt_value(key, b)} ({ra:.2f}× → {rb:.2f}×)")
            print(f"| {binary} | " + " | ".join(cells) + " |")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")
    run.add_argument("--hearken-local", required=True)
    run.add_argument("--arch", action="append", required=True, help="x86_64 or arm64, once per architecture")
    run.add_argument("--bin-dir", action="append", required=True, help="the functions' binaries, per --arch")
    run.add_argument("--anchor", action="append", required=True, help="the anchor's binary, per --arch")
    run.add_argument("--sizes-only", action="append", default=[], help="an --arch whose binaries are only sized")
    run.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 15)))
    run.add_argument("--env", action="append", default=[], help="NAME=VALUE for every function, more than once")
    run.add_argument("--warmup-rounds", type=int, default=2, help="unmeasured rounds first (DynamoDB Local's JIT)")
    run.add_argument("--only", default="", help="comma-separated functions to run (experiments); default all")
    run.add_argument("--warm", type=int, default=int(os.environ.get("BENCH_WARM", 40)))
    run.add_argument("--json", default=os.path.join(ROOT, "target", "bench", "lambda.json"))
    run.add_argument("--log", default=os.path.join(ROOT, "target", "bench", "lambda-functions.log"))
    compare = sub.add_parser("compare")
    compare.add_argument("before")
    compare.add_argument("after")
    args = parser.parse_args()
    if args.command == "compare":
        return command_compare(args)
    if not (len(args.arch) == len(args.bin_dir) == len(args.anchor)):
        parser.error("give --bin-dir and --anchor once per --arch")
    args.sizes_only_flags = [arch in args.sizes_only for arch in args.arch]
    return command_run(args)


if __name__ == "__main__":
    sys.exit(main())
