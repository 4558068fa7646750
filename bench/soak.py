"""Soak: a real `pgw-bridge serve --persistence.file` under concurrent pushes, deletes, scrapes and API reads; RSS over time.

Run `python -m bench.soak [--seconds 180]`. Prints a Markdown summary, writes JSON to
bench/out/soak.json, and exits non-zero on any 5xx, unexpected status or transport error, or if
the gateway does not stop cleanly.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
ALLOWED = {
    "push": {200},
    "delete": {202},
    "family_delete": {202, 404},  # the family may already be gone
    "scrape": {200},
    "api": {200},
}
PROTO_ACCEPT = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


@dataclass
class Stats:
    """Everything the workers observed, guarded by one lock."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    errors: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, status: int | None, seconds: float, detail: str = "") -> None:
        with self.lock:
            if status is None:
                self.errors[kind][detail] += 1
                return
            self.latencies[kind].append(seconds)
            self.statuses[kind][status] += 1
            if status not in ALLOWED[kind] and len(self.unexpected) < 50:
                self.unexpected.append(f"{kind}: {status} {detail[:200]}")


class Soak:
    """The gateway process, the worker threads and the RSS sampler."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.stats = Stats()
        self.stop = threading.Event()
        self.rss: list[tuple[float, int]] = []
        self.workdir = Path(tempfile.mkdtemp(prefix="pgw-soak-"))
        self.db = self.workdir / "soak.sqlite"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.workdir / "gateway.log"
        self.groups = [(f"soak_{i % 20}", f"i{i}") for i in range(args.groups)]
        self.proc: subprocess.Popen[bytes] | None = None

    # -------------------------------------------------------------- gateway
    def start_gateway(self) -> None:
        cmd = [
            sys.executable,
            "-m",
            "bridge",
            "serve",
            f"--web.listen-address=127.0.0.1:{self.port}",
            f"--persistence.file={self.db}",
            "--log.level=warn",
        ]
        if self.args.fsync:
            cmd.append("--persistence.fsync")
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=self._log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gateway exited with {self.proc.returncode}: {self.log_path.read_text()}")
            try:
                if httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise SystemExit("gateway not ready after 30s")

    def stop_gateway(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            status = self.proc.wait()
            print("gateway did not stop within 60s after SIGTERM", file=sys.stderr)
            status = status or 1
        self._log.close()
        return status

    # -------------------------------------------------------------- workers
    def _path(self, group: tuple[str, str]) -> str:
        job, instance = group
        return f"/metrics/job/{job}/instance/{instance}"

    @staticmethod
    def _body(rng: random.Random) -> bytes:
        lines = ["# HELP soak_value A gauge with a few series.", "# TYPE soak_value gauge"]
        lines += [f'soak_value{{series="{s}"}} {rng.random()}' for s in range(rng.randint(3, 20))]
        lines += ["# TYPE soak_ops_total counter", f"soak_ops_total {rng.randint(0, 10**9)}"]
        lines += ["# TYPE soak_seconds histogram"]
        total = 0
        for bound in ("0.01", "0.1", "1", "10", "+Inf"):
            total += rng.randint(0, 50)
            lines.append(f'soak_seconds_bucket{{le="{bound}"}} {total}')
        lines += [f"soak_seconds_sum {rng.random() * 100}", f"soak_seconds_count {total}"]
        if rng.random() < 0.5:
            lines += ["# TYPE soak_extra gauge", f"soak_extra {rng.random()}"]
        return ("\n".join(lines) + "\n").encode()

    def _pusher(self, rng: random.Random, client: httpx.Client) -> tuple[str, httpx.Response]:
        group = rng.choice(self.groups)
        body = self._body(rng)
        headers = {"Content-Type": "text/plain; version=0.0.4"}
        if rng.random() < 0.3:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        method = "PUT" if rng.random() < 0.5 else "POST"
        return "push", client.request(method, self._path(group), content=body, headers=headers)

    def _deleter(self, rng: random.Random, client: httpx.Client) -> tuple[str, httpx.Response]:
        group = rng.choice(self.groups)
        if rng.random() < 0.5:
            job = base64.urlsafe_b64encode(group[0].encode()).decode().rstrip("=")
            path = f"/api/v1/extensions/family/soak_extra/job@base64/{job}/instance/{group[1]}"
            return "family_delete", client.delete(path)
        return "delete", client.delete(self._path(group))

    @staticmethod
    def _scraper(rng: random.Random, client: httpx.Client) -> tuple[str, httpx.Response]:
        headers = {}
        if rng.random() < 0.3:
            headers["Accept"] = PROTO_ACCEPT
        if rng.random() < 0.5:
            headers["Accept-Encoding"] = "gzip"
        return "scrape", client.get("/metrics", headers=headers)

    @staticmethod
    def _reader(rng: random.Random, client: httpx.Client) -> tuple[str, httpx.Response]:
        path = "/api/v1/metrics" if rng.random() < 0.8 else "/api/v1/status"
        return "api", client.get(path)

    def _worker(
        self, name: str, seed: int, act: Callable[[random.Random, httpx.Client], tuple[str, httpx.Response]]
    ) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not self.stop.is_set():
                started = time.perf_counter()
                try:
                    kind, response = act(rng, client)
                except httpx.HTTPError as exc:
                    self.stats.record(name, None, 0.0, f"{type(exc).__name__}: {exc}")
                    time.sleep(0.1)
                    continue
                self.stats.record(kind, response.status_code, time.perf_counter() - started, response.text[:200])
                if self.args.pause:
                    time.sleep(self.args.pause)

    def _sampler(self) -> None:
        assert self.proc is not None
        started = time.monotonic()
        while True:
            try:
                self.rss.append((time.monotonic() - started, rss_bytes(self.proc.pid)))
            except (OSError, RuntimeError):
                return
            if self.stop.wait(self.args.sample_every):
                return

    # -------------------------------------------------------------- run
    def run(self) -> dict[str, Any]:
        self.start_gateway()
        assert self.proc is not None
        kinds: list[tuple[str, int, Callable[[random.Random, httpx.Client], tuple[str, httpx.Response]]]] = [
            ("push", self.args.pushers, self._pusher),
            ("delete", self.args.deleters, self._deleter),
            ("scrape", self.args.scrapers, self._scraper),
            ("api", self.args.readers, self._reader),
        ]
        threads = [threading.Thread(target=self._sampler, name="rss", daemon=True)]
        for kind, count, act in kinds:
            for i in range(count):
                seed = self.args.seed * 100 + len(threads)
                threads.append(
                    threading.Thread(target=self._worker, args=(kind, seed, act), name=f"{kind}-{i}", daemon=True)
                )
        began = time.monotonic()
        for thread in threads:
            thread.start()
        try:
            self.stop.wait(self.args.seconds)
        except KeyboardInterrupt:
            print("interrupted; summarising what ran", file=sys.stderr)
        self.stop.set()
        for thread in threads:
            thread.join(60)
        elapsed = time.monotonic() - began
        db_bytes = self.db.stat().st_size if self.db.exists() else 0
        exit_status = self.stop_gateway()
        return self.summary(elapsed, exit_status, db_bytes)

    def summary(self, elapsed: float, exit_status: int, db_bytes: int) -> dict[str, Any]:
        kinds = {}
        for kind in ALLOWED:
            lat = sorted(self.stats.latencies.get(kind, []))
            count = len(lat)
            kinds[kind] = {
                "requests": count,
                "per_second": round(count / elapsed, 1) if elapsed else 0.0,
                "statuses": {str(k): v for k, v in sorted(self.stats.statuses.get(kind, Counter()).items())},
                "errors": dict(self.stats.errors.get(kind, Counter())),
                "p50_ms": round(percentile(lat, 0.50) * 1000, 2),
                "p99_ms": round(percentile(lat, 0.99) * 1000, 2),
                "max_ms": round((lat[-1] if lat else 0.0) * 1000, 2),
            }
        for kind, errors in self.stats.errors.items():
            kinds.setdefault(kind, {"requests": 0, "statuses": {}, "errors": {}})["errors"] = dict(errors)
        rss = [r for _, r in self.rss]
        half = self.rss[len(self.rss) // 2 :]
        fivexx = sum(n for c in self.stats.statuses.values() for s, n in c.items() if s >= 500)
        transport = sum(sum(c.values()) for c in self.stats.errors.values())
        return {
            "seconds": round(elapsed, 1),
            "cpus": os.cpu_count(),
            "load_average_end": os.getloadavg(),
            "workers": {
                "pushers": self.args.pushers,
                "deleters": self.args.deleters,
                "scrapers": self.args.scrapers,
                "readers": self.args.readers,
            },
            "groups": self.args.groups,
            "kinds": kinds,
            "rss": {
                "samples": len(rss),
                "start_mib": mib(rss[0]) if rss else 0,
                "min_mib": mib(min(rss)) if rss else 0,
                "max_mib": mib(max(rss)) if rss else 0,
                "end_mib": mib(rss[-1]) if rss else 0,
                "slope_mib_per_min": round(slope(self.rss) * 60 / 2**20, 3),
                "slope_second_half_mib_per_min": round(slope(half) * 60 / 2**20, 3),
                "series": [[round(t, 1), r] for t, r in self.rss],
            },
            "db_bytes": db_bytes,
            "five_xx": fivexx,
            "unexpected": self.stats.unexpected,
            "transport_errors": transport,
            "gateway_exit_status": exit_status,
            "gateway_log_tail": self.log_path.read_text(errors="replace")[-4000:],
        }


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(q * len(values)))]


def mib(value: int) -> float:
    return round(value / 2**20, 1)


def slope(points: list[tuple[float, int]]) -> float:
    """Least-squares slope in bytes per second."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_r = sum(r for _, r in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    if var == 0:
        return 0.0
    return sum((t - mean_t) * (r - mean_r) for t, r in points) / var


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"## Soak: {result['seconds']} s, {result['groups']} groups, workers {result['workers']}, "
        f"{result['cpus']} CPUs (load average at the end {', '.join(f'{x:.2f}' for x in result['load_average_end'])})",
        "",
        "| kind | requests | req/s | statuses | errors | p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    for kind, k in result["kinds"].items():
        statuses = ", ".join(f"{s}: {n}" for s, n in k.get("statuses", {}).items()) or "-"
        lines.append(
            f"| {kind} | {k.get('requests', 0)} | {k.get('per_second', 0)} | {statuses} | "
            f"{sum(k.get('errors', {}).values())} | {k.get('p50_ms', 0)} | {k.get('p99_ms', 0)} | {k.get('max_ms', 0)} |"
        )
    rss = result["rss"]
    lines += [
        "",
        f"RSS ({rss['samples']} samples): start {rss['start_mib']} MiB, min {rss['min_mib']}, max {rss['max_mib']}, "
        f"end {rss['end_mib']} MiB; slope {rss['slope_mib_per_min']} MiB/min overall, "
        f"{rss['slope_second_half_mib_per_min']} MiB/min over the second half.",
        f"Persistence file: {result['db_bytes'] / 2**20:.1f} MiB. 5xx: {result['five_xx']}; unexpected statuses: "
        f"{len(result['unexpected'])}; transport errors: {result['transport_errors']}; "
        f"gateway exit status: {result['gateway_exit_status']}.",
    ]
    for item in result["unexpected"][:10]:
        lines.append(f"- unexpected: {item}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0, help="how long to run (default 180)")
    parser.add_argument("--groups", type=int, default=300, help="distinct groups pushed to (default 300)")
    parser.add_argument("--pushers", type=int, default=3)
    parser.add_argument("--deleters", type=int, default=1)
    parser.add_argument("--scrapers", type=int, default=2)
    parser.add_argument("--readers", type=int, default=1)
    parser.add_argument("--pause", type=float, default=0.0, help="seconds each worker sleeps between requests")
    parser.add_argument("--sample-every", type=float, default=2.0, help="RSS sampling period in seconds")
    parser.add_argument("--fsync", action="store_true", help="run the gateway with --persistence.fsync")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "soak.json")
    args = parser.parse_args(argv)
    soak = Soak(args)
    try:
        result = soak.run()
    finally:
        if soak.proc is not None and soak.proc.poll() is None:
            soak.proc.kill()
            soak.proc.wait()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(result))
    print(f"\nJSON: {args.out}")
    failed = (
        result["five_xx"] or result["unexpected"] or result["transport_errors"] or result["gateway_exit_status"] != 0
    )
    if not failed:
        for path in soak.workdir.iterdir():
            path.unlink()
        soak.workdir.rmdir()
    else:
        print(f"FAILED; gateway files kept in {soak.workdir}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
