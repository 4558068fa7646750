"""The load: batch-job bodies, a keep-alive HTTP client, parallel store fills, timed pushes and scrapes, wrk."""

from __future__ import annotations

import http.client
import os
import re
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

SERIES_PER_GROUP = 10
JOBS = 100


def group_path(i: int) -> str:
    """Group `i`: one of 100 jobs, its own instance (as many hosts running the same cron jobs)."""
    return f"/metrics/job/bench-{i % JOBS:03d}/instance/host-{i:05d}"


def body(i: int, value: int = 0) -> bytes:
    """10 series in 5 families whose names every group shares, as batch jobs push them."""
    v = i + value
    return (
        "# HELP batch_duration_seconds Duration of the last run.\n"
        "# TYPE batch_duration_seconds gauge\n"
        f"batch_duration_seconds {v % 977}.25\n"
        "# HELP batch_records_total Records handled by the last run.\n"
        "# TYPE batch_records_total counter\n"
        f'batch_records_total{{kind="read"}} {v}\n'
        f'batch_records_total{{kind="written"}} {v * 2}\n'
        f'batch_records_total{{kind="skipped"}} {v % 13}\n'
        f'batch_records_total{{kind="failed"}} {v % 7}\n'
        "# TYPE batch_errors_total counter\n"
        f'batch_errors_total{{stage="extract"}} {v % 3}\n'
        f'batch_errors_total{{stage="transform"}} {v % 5}\n'
        f'batch_errors_total{{stage="load"}} {v % 2}\n'
        "# TYPE batch_last_success_timestamp_seconds gauge\n"
        f"batch_last_success_timestamp_seconds {1_700_000_000 + v}\n"
        "# TYPE batch_bytes_written gauge\n"
        f"batch_bytes_written {v * 1024}\n"
    ).encode()


class Client:
    """One persistent HTTP/1.1 connection (stdlib http.client: little client-side work per request)."""

    def __init__(self, port: int, timeout: float = 900) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(
        self, method: str, path: str, data: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        self.conn.request(method, path, body=data, headers=headers or {})
        response = self.conn.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.conn.close()


def fill(port: int, start: int, stop: int, threads: int = 4) -> float:
    """PUT groups [start, stop) over parallel connections; seconds taken (not a measurement)."""
    began = time.perf_counter()

    def work(offset: int) -> None:
        client = Client(port)
        for i in range(start + offset, stop, threads):
            status, answer = client.request("PUT", group_path(i), body(i))
            if status >= 300:
                raise RuntimeError(f"fill push {i} answered {status}: {answer[:200]!r}")
        client.close()

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, range(threads)))
    return time.perf_counter() - began


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Timings:
    """Milliseconds of n samples, plus the client's own CPU seconds over them."""

    ms: list[float]
    client_cpu_s: float
    wall_s: float

    def summary(self) -> dict[str, float]:
        return {
            "n": len(self.ms),
            "p50_ms": statistics.median(self.ms),
            "p99_ms": percentile(self.ms, 0.99),
            "max_ms": max(self.ms),
            "client_cpu_share": self.client_cpu_s / self.wall_s if self.wall_s else 0.0,
        }


def push_latency(port: int, groups: int, samples: int, warmup: int = 5) -> Timings:
    """Sequential PUTs (one connection) to stored groups in turn; each replaces its group's 10 series."""
    client = Client(port)
    times: list[float] = []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for n in range(warmup + samples):
        i = n % max(groups, 1)
        data = body(i, n + 1)
        t = time.perf_counter()
        status, answer = client.request("PUT", group_path(i), data)
        elapsed = (time.perf_counter() - t) * 1000
        if status >= 300:
            raise RuntimeError(f"push answered {status}: {answer[:200]!r}")
        if n >= warmup:
            times.append(elapsed)
        if n == warmup - 1:
            cpu0, wall0 = time.process_time(), time.perf_counter()
    client.close()
    return Timings(times, time.process_time() - cpu0, time.perf_counter() - wall0)


def scrape(port: int, path: str, samples: int, *, gzip: bool) -> tuple[Timings, int]:
    """Timed GETs of a full exposition (to the last byte); the timings and the body size in bytes."""
    client = Client(port)
    headers = {"Accept-Encoding": "gzip" if gzip else "identity"}
    times: list[float] = []
    size = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(samples):
        t = time.perf_counter()
        status, answer = client.request("GET", path, headers=headers)
        times.append((time.perf_counter() - t) * 1000)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        size = len(answer)
    client.close()
    return Timings(times, time.process_time() - cpu0, time.perf_counter() - wall0), size


_LUA = r"""
local groups = 100
local counter = 0
local body = [[BODY]]
local headers = {["Content-Type"] = "text/plain; version=0.0.4"}
local next_id = 0
function setup(thread) thread:set("tid", next_id); next_id = next_id + 1 end
function init(args)
  groups = tonumber(args[1]) or groups
  counter = (tid or 0) * 7919
end
function request()
  counter = counter + 1
  local i = counter % groups
  return wrk.format("PUT", string.format("/metrics/job/bench-%03d/instance/host-%05d", i % 100, i), headers, body)
end
"""
_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_TOTAL = re.compile(r"(\d+) requests in ([\d.]+)(m?s)")
_NON2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def wrk(port: int, groups: int, seconds: float, connections: int = 16, threads: int = 2) -> dict[str, float]:
    """wrk PUTting the 10-series body to `groups` groups in turn; rate, failures and wrk's own CPU."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_LUA.replace("BODY", body(1).decode()))
    cmd = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "60s",
        "-s", script.name, f"http://127.0.0.1:{port}", "--", str(groups),
    ]  # fmt: skip
    began = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - began
    Path(script.name).unlink()
    match = _RPS.search(out)
    if proc.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed: {out}")
    total = _TOTAL.search(out)
    non2xx = _NON2XX.search(out)
    errors = _ERRORS.search(out)
    return {
        "pushes_per_s": float(match.group(1)),
        "requests": float(total.group(1)) if total else 0.0,
        "non_2xx": float(non2xx.group(1)) if non2xx else 0.0,
        "socket_errors": float(sum(int(g) for g in errors.groups())) if errors else 0.0,
        "wrk_cpu_share": (usage.ru_utime + usage.ru_stime) / wall,
    }
