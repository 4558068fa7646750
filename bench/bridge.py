"""Spool bridge benchmark: file-to-visible latency (rename → series on /metrics) and 1,000-file throughput.

    python -m bench.bridge [--samples 200] [--files 1000] [--no-go]

Runs the bridge as users do (`python -m bridge serve --spool`, and `watch` feeding the real Go
Pushgateway when it is installed), prints a Markdown table and writes JSON to bench/out/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
GO_BINARY = shutil.which("prometheus-pushgateway")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.001) -> float:
    """Poll until true; the perf_counter time it became true."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if predicate():
            return time.perf_counter()
        time.sleep(interval)
    raise TimeoutError("condition not met in time")


def start(cmd: Sequence[str], ready_url: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as handle:
        proc = subprocess.Popen(list(cmd), cwd=REPO, stdout=subprocess.DEVNULL, stderr=handle)

    def ready() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"{cmd[0]} exited: {log.read_text(errors='replace')}")
        try:
            return httpx.get(ready_url, timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(ready, 30, 0.05)
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def drop(spool: Path, name: str, body: str) -> None:
    staging = spool / f"{name}.{os.getpid()}"
    staging.write_text(body)
    os.rename(staging, spool / name)


def latency(spool: Path, url: str, samples: int) -> list[float]:
    """Milliseconds from rename to the new value on /metrics, one group rewritten each time."""
    results = []
    with httpx.Client(timeout=5) as client:
        for i in range(samples + 5):
            began = time.perf_counter()
            drop(spool, "latency.prom", f"bench_latency_marker {i}\n")
            shown = f'bench_latency_marker{{instance="",job="latency"}} {i}\n'

            def shows(marker: str = shown) -> bool:
                return marker in client.get(f"{url}/metrics").text

            seen = wait_until(shows, 10, 0.0005)
            if i >= 5:  # warm-up
                results.append((seen - began) * 1000)
            time.sleep(0.01)
    return results


def throughput(spool: Path, url: str, files: int) -> dict[str, float]:
    """Seconds from the first of `files` renames until the spool is drained and every series is on /metrics.

    The spool directory is polled (cheap) rather than /metrics, so that measuring does not load the
    gateway; a file leaves the spool only once the gateway acknowledged it, and the scrape after
    the drain confirms that every series is visible.
    """
    began = time.perf_counter()
    for i in range(files):
        drop(spool, f"bench_burst@n={i}.prom", f"bench_burst_value {i}\n")
    dropped = time.perf_counter()
    drained = wait_until(lambda: not any(n.endswith(".prom") for n in os.listdir(spool)), 120, 0.005)
    with httpx.Client(timeout=30) as client:
        visible = wait_until(lambda: client.get(f"{url}/metrics").text.count("bench_burst_value{") >= files, 60, 0.01)
    return {
        "files": files,
        "drop_seconds": dropped - began,
        "drained_seconds": drained - began,
        "visible_seconds": visible - began,
        "files_per_second": files / (drained - began),
    }


def run_serve(samples: int, files: int, work: Path) -> dict[str, object]:
    spool = work / "serve-spool"
    spool.mkdir()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable,
        "-m",
        "bridge",
        "serve",
        f"--web.listen-address=127.0.0.1:{port}",
        "--spool",
        str(spool),
        "--log.level=warn",
    ]
    proc = start(cmd, f"{url}/-/ready", work / "serve.log")
    try:
        return {
            "mode": "serve (embedded gateway)",
            "latency_ms": latency(spool, url, samples),
            "throughput": throughput(spool, url, files),
        }
    finally:
        stop(proc)


def run_watch_go(samples: int, files: int, work: Path) -> dict[str, object]:
    assert GO_BINARY is not None
    spool = work / "watch-spool"
    spool.mkdir()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    go = start(
        [GO_BINARY, f"--web.listen-address=127.0.0.1:{port}", "--persistence.file=", "--log.level=error"],
        f"{url}/-/ready",
        work / "go.log",
    )
    metrics_port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "bridge",
        "watch",
        "--spool",
        str(spool),
        "--gateway",
        url,
        f"--metrics-listen=127.0.0.1:{metrics_port}",
        "--log.level=warn",
    ]
    bridge = start(cmd, f"http://127.0.0.1:{metrics_port}/-/ready", work / "watch.log")
    try:
        return {
            "mode": "watch → Go Pushgateway 1.5.1 (HTTP)",
            "latency_ms": latency(spool, url, samples),
            "throughput": throughput(spool, url, files),
        }
    finally:
        stop(bridge)
        stop(go)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bridge", description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200, help="latency samples per mode")
    parser.add_argument("--files", type=int, default=1000, help="files in the throughput burst")
    parser.add_argument("--no-go", action="store_true", help="skip the watch → Go Pushgateway rows")
    args = parser.parse_args(argv)
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-bridge-") as tmp:
        work = Path(tmp)
        runs.append(run_serve(args.samples, args.files, work))
        if GO_BINARY and not args.no_go:
            runs.append(run_watch_go(args.samples, args.files, work))
    rows = []
    for run in runs:
        lat: list[float] = run["latency_ms"]  # type: ignore[assignment]
        thr: dict[str, float] = run["throughput"]  # type: ignore[assignment]
        rows.append(
            {
                "mode": run["mode"],
                "observer": "inotify",
                "latency_samples": len(lat),
                "latency_p50_ms": statistics.median(lat),
                "latency_p99_ms": pct(lat, 0.99),
                "latency_max_ms": max(lat),
                **{f"burst_{k}": v for k, v in thr.items()},
            }
        )
    print(f"| mode | file→visible p50 | p99 | max | {args.files:,} files delivered | all visible | files/s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(
            f"| {row['mode']} | {row['latency_p50_ms']:.1f} ms | {row['latency_p99_ms']:.1f} ms | "
            f"{row['latency_max_ms']:.1f} ms | {row['burst_drained_seconds']:.2f} s | "
            f"{row['burst_visible_seconds']:.2f} s | {row['burst_files_per_second']:.0f} |"
        )
    machine = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg_at_end": os.getloadavg(),
    }
    print(f"\n{machine['cpus']} CPUs, load average at the end {machine['loadavg_at_end']}, {machine['platform']}")
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"bridge-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(
        json.dumps(
            {
                "machine": machine,
                "args": vars(args),
                "rows": rows,
                "latency_ms": {r["mode"]: r["latency_ms"] for r in runs},
            },
            indent=1,
        )
    )
    print(f"written {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
