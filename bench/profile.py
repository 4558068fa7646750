"""Where a push's CPU goes: py-spy on a real `pgw-bridge serve` under wrk, each sample put in one stage.

    python -m bench.profile [--persistence] [--seconds 20] [--rate 100] [--raw FILE]

Starts the server (in memory, or with --persistence.file in a temporary directory), fills 10
groups, drives it with wrk (16 connections, the bench's 10-series PUTs) and records it with
`py-spy record --native` meanwhile (py-spy must be installed; recording needs root or ptrace
rights). Each sample is put in the first stage its stack names, walking from the innermost
frame outwards (so the parser called by a handler counts as parsing, not as the handler); the
collector counts wherever it runs. Prints a Markdown table: share of the samples, and that
share of the server's CPU per push, measured in a first wrk run without the profiler (py-spy
pauses the process to unwind native stacks, which slows it by a third at 250 Hz).

The shares are of wall-clock samples of a running thread: time the kernel spends in a socket
write, or the server waits for a core inside one, counts as "socket read/write"; on a loaded
machine that share grows (wrk, woken by each answer, takes the core).
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import load
from bench.procs import our_server

STAGES = (
    "HTTP parsing (httptools protocol, keep-alive)",
    "ASGI and routing (scope, request, router, response)",
    "own-metrics instrumentation",
    "body and grouping-key parse",
    "store: checks and decide",
    "render (read models updated on write)",
    "commit (storage, feed)",
    "socket read/write (kernel)",
    "event loop (uvloop)",
    "garbage collector",
    "other",
)
(HTTP, ASGI, OWN, PARSE, STORE, RENDER, COMMIT, KERNEL, LOOP, GC, OTHER) = STAGES

_GC = ("gc_collect", "collect_generations", "gc_collect_main", "deduce_unreachable", "move_unreachable")
_SYSCALLS = frozenset(
    {"write", "writev", "read", "readv", "send", "sendto", "sendmsg", "recv", "recvfrom", "recvmsg", "epoll_wait"}
)
_BY_FILE: tuple[tuple[str, str], ...] = (
    ("bridge/gateway/storage/", COMMIT),
    ("bridge/gateway/reads/", RENDER),
    ("bridge/protocol/textrender.py", RENDER),
    ("bridge/gateway/store/", STORE),
    ("bridge/gateway/verdict.py", STORE),
    ("bridge/protocol/textparse.py", PARSE),
    ("bridge/protocol/protobuf.py", PARSE),
    ("bridge/gateway/ownmetrics.py", OWN),
    ("bridge/gateway/web/httpproto.py", HTTP),
    ("bridge/gateway/web/fastpath.py", HTTP),
    ("bridge/gateway/web/router.py", ASGI),
    ("bridge/gateway/web/radix.py", ASGI),
    ("bridge/gateway/web/app.py", ASGI),
    ("bridge/gateway/web/auth.py", ASGI),
)
_BY_FUNCTION: dict[str, str] = {
    "parse_grouping": PARSE,
    "parse_body": PARSE,
    "is_protobuf": PARSE,
    "_media_type": PARSE,
    "Request.content": PARSE,
    "Request.body": PARSE,
    "_approximate_size": OWN,
    "Handlers.push": OWN,  # its own lines: the timing and the observation around `_push`
    "Handlers._push": ASGI,
    "Handlers.delete": ASGI,
    "Gateway.push": STORE,
    "Gateway._decide_push": STORE,
    "Gateway._series_limit": STORE,
    "Gateway.push.<locals>.decide": STORE,
    "Gateway.delete": STORE,
}


def stage_of(frames: list[str]) -> str:
    """The stage of one sample's stack (outermost frame first, as py-spy writes it)."""
    if any(frame.startswith(_GC) for frame in frames):
        return GC
    if any("libsqlite3" in frame or frame.startswith("pysqlite") for frame in frames):  # its file writes: commit
        return COMMIT
    for frame in reversed(frames):
        name, _, where = frame.partition(" (")
        if name in _SYSCALLS and where.startswith("libc"):
            return KERNEL
        stage = _BY_FUNCTION.get(name)
        if stage is not None:
            return stage
        for prefix, stage in _BY_FILE:
            if where.startswith(prefix):
                return stage
        if "httptools_impl.py" in where:
            return HTTP if name.startswith("HttpToolsProtocol.") else ASGI
        if "httptools/parser" in where or name.startswith(("llhttp", "__pyx_pw_9httptools", "cb_on_")):
            return HTTP
        if "httpio.py" in where or "bridge/gateway/web/handlers.py" in where:
            return ASGI
        if where.startswith(("loop.c", "core.c", "stream.c", "uv", "handles/", "transports/")) or ".pyx" in where:
            return LOOP
    return OTHER


def classify(raw: Path) -> collections.Counter[str]:
    counts: collections.Counter[str] = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if stack:
            counts[stage_of(stack.split(";"))] += int(n)
    return counts


def markdown(counts: collections.Counter[str], us_per_push: float, title: str) -> str:
    total = sum(counts.values()) or 1
    lines = [f"| stage ({title}) | share of samples | µs of CPU per push |", "| --- | ---: | ---: |"]
    for stage in STAGES:
        share = counts.get(stage, 0) / total
        lines.append(f"| {stage} | {share * 100:.1f} % | {share * us_per_push:.0f} |")
    lines.append(f"| **total** ({total:,} samples) | 100 % | {us_per_push:.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--persistence", action="store_true", help="serve with --persistence.file")
    parser.add_argument("--seconds", type=float, default=20, help="how long wrk runs unprofiled, and py-spy records")
    parser.add_argument("--rate", type=int, default=100, help="py-spy samples per second")
    parser.add_argument("--raw", type=Path, help="keep py-spy's raw stacks here")
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists() or shutil.which("wrk") is None:
        print("bench.profile: needs py-spy (pip install py-spy) and wrk", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        work = Path(tmp)
        server = our_server(work, "profile", persistence=work / "store.sqlite" if args.persistence else None).start()
        try:
            load.fill(server.port, 0, 10)
            cpu0 = server.cpu()
            plain = load.wrk(server.port, 10, args.seconds)
            cpu = server.cpu() - cpu0
            result: dict[str, float] = {}
            runner = threading.Thread(target=lambda: result.update(load.wrk(server.port, 10, args.seconds + 4)))
            runner.start()
            time.sleep(2)
            raw = args.raw or work / "stacks.txt"
            cmd = [spy, "record", "--pid", str(server.pid), "--native", "-r", str(args.rate)]
            cmd += ["-d", str(round(args.seconds)), "-f", "raw", "-o", str(raw)]
            subprocess.run(cmd, check=True, capture_output=True)
            runner.join()
            counts = classify(raw)
        finally:
            server.stop()
    us = cpu / plain["requests"] * 1e6 if plain.get("requests") else 0.0
    mode = "--persistence.file" if args.persistence else "in memory"
    print(f"wrk without the profiler: {plain['pushes_per_s']:,.0f} pushes/s, {plain['non_2xx']:.0f} non-2xx, "
          f"server CPU {cpu / args.seconds:.2f} cores, {us:.0f} µs per push; "
          f"under py-spy: {result.get('pushes_per_s', 0):,.0f} pushes/s; load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    print(markdown(counts, us, mode))
    return 0


if __name__ == "__main__":
    sys.exit(main())
