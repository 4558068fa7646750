"""`make bench`, scenario 8: replicas of one store in PostgreSQL — pushes/s through 1, 2, 3 replicas, push and replication latency, scrapes.

    python -m bench.replicas [--quick]

A private PostgreSQL (fsync on) on a loopback port, `pgw-bridge serve --storage.postgres`
replicas on others, all on this machine's cores. At each store size: the store is filled through
replica 0; then with 1, 2 and 3 replicas running: wrk on every replica at once (16 connections
in all, split evenly; the sum of their rates), sequential push latency through replica 0, the
replication lag (push answered by replica 0 → replica 1's feed position reaches that write,
polled on /api/v1/extensions), and full /metrics scrapes of every replica. Beside them, the
single-node durable gateway (`--persistence.file`) under the same load. Writes
bench/out/replicas.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench import load
from bench.procs import REPO, Server, free_port, our_server
from tests.support.postgres import PgCluster

OUT = REPO / "bench" / "out" / "replicas.json"


def replica(work: Path, dsn: str, index: int) -> Server:
    port = free_port()
    cmd = [
        sys.executable, "-m", "bridge", "serve",
        f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn", "--web.enable-admin-api",
        f"--storage.postgres={dsn}", f"--storage.postgres.replica=r{index}", "--storage.postgres.timeout=30s",
    ]  # fmt: skip
    return Server(f"replica-{index}", cmd, port, work / f"replica-{index}.log")


def seq(port: int) -> int:
    client = load.Client(port)
    status, body = client.request("GET", "/api/v1/extensions")
    client.close()
    assert status == 200, body
    value = json.loads(body)["data"]["storage"]["seq"]
    return int(value)


def replication_lag(writer: int, reader: int, samples: int) -> dict[str, float]:
    """Milliseconds from the writer's answer to the reader's feed position reaching the write."""
    push, probe = load.Client(writer), load.Client(reader)
    lags: list[float] = []
    for n in range(samples):
        status, _ = push.request("PUT", "/metrics/job/lag/instance/probe", load.body(0, n))
        assert status == 200
        done = time.perf_counter()
        target = seq(writer)
        while True:
            status, body = probe.request("GET", "/api/v1/extensions")
            if json.loads(body)["data"]["storage"]["seq"] >= target:
                break
        lags.append((time.perf_counter() - done) * 1000)
    push.close()
    probe.close()
    return {"n": len(lags), "p50_ms": statistics.median(lags), "p99_ms": load.percentile(lags, 0.99)}


def throughput(ports: list[int], groups: int, seconds: float, connections: int = 16) -> dict[str, Any]:
    """wrk on every replica at once; the sum of their rates."""
    results: list[dict[str, float]] = [{} for _ in ports]
    share = max(2, connections // len(ports))

    def run(i: int) -> None:
        results[i] = load.wrk(ports[i], groups, seconds, connections=share, threads=1)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(ports))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "pushes_per_s": sum(r["pushes_per_s"] for r in results),
        "non_2xx": sum(r["non_2xx"] for r in results),
        "per_replica": [r["pushes_per_s"] for r in results],
    }


def measure(ports: list[int], groups: int, plan: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"throughput": throughput(ports, groups, plan["wrk_seconds"])}
    out["push"] = load.push_latency(ports[0], groups, plan["samples"]).summary()
    if len(ports) > 1:
        out["lag"] = replication_lag(ports[0], ports[1], plan["lag_samples"])
    out["scrape_ms"] = [
        load.scrape(port, "/metrics", plan["scrapes"], gzip=False)[0].summary()["p50_ms"] for port in ports
    ]
    return out


def run(plan: dict[str, Any], log: Any) -> dict[str, Any]:
    results: dict[str, Any] = {"plan": plan, "levels": {}}
    with tempfile.TemporaryDirectory(prefix="bench-replicas-") as tmp:
        work = Path(tmp)
        cluster = PgCluster(name="bench", fsync=True)
        cluster.start()
        try:
            dsn = cluster.fresh_database()
            filled = 0
            first = replica(work, dsn, 0).start()
            single = our_server(work, "durable", persistence=work / "single.db").start()
            for level in plan["levels"]:
                log(f"replicas: filling to {level:,} groups")
                load.fill(first.port, filled, level)
                load.fill(single.port, filled, level)
                filled = level
                row: dict[str, Any] = {"single_durable": measure([single.port], level, plan)}
                extra: list[Server] = []
                for count in (1, 2, 3):
                    while len(extra) < count - 1:
                        extra.append(replica(work, dsn, len(extra) + 1).start())
                    log(f"replicas: {count} at {level:,} groups")
                    row[f"replicas_{count}"] = measure([first.port] + [s.port for s in extra], level, plan)
                for server in extra:
                    server.stop()
                results["levels"][level] = row
            first.stop()
            single.stop()
        finally:
            cluster.destroy()
    return results


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "## 8. Replicas on one PostgreSQL (--storage.postgres)",
        "",
        "| groups | setup | pushes/s (16 conns in all) | push p50 | push p99 | replication lag p50 | lag p99 | /metrics per replica |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for level, row in results.get("levels", {}).items():
        for key, label in (("single_durable", "one node, --persistence.file"), ("replicas_1", "1 replica"),
                           ("replicas_2", "2 replicas"), ("replicas_3", "3 replicas")):  # fmt: skip
            m = row.get(key)
            if m is None:
                continue
            lag = m.get("lag")
            lag_p50, lag_p99 = (f"{lag['p50_ms']:.2f} ms", f"{lag['p99_ms']:.2f} ms") if lag else ("—", "—")
            scrapes = ", ".join(f"{v:.0f} ms" for v in m["scrape_ms"])
            lines.append(
                f"| {int(level):,} | {label} | {m['throughput']['pushes_per_s']:,.0f} | {m['push']['p50_ms']:.2f} ms "
                f"| {m['push']['p99_ms']:.2f} ms | {lag_p50} | {lag_p99} | {scrapes} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.replicas", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 1,000 groups, short runs")
    parser.add_argument("--levels", default="", help="store sizes, comma-separated (default 10000,50000; quick 1000)")
    args = parser.parse_args(argv)
    if args.quick:
        plan = {"levels": [1000], "wrk_seconds": 5, "samples": 200, "lag_samples": 200, "scrapes": 5}
    else:
        plan = {"levels": [10_000, 50_000], "wrk_seconds": 15, "samples": 500, "lag_samples": 500, "scrapes": 5}

    if args.levels:
        plan["levels"] = [int(level) for level in args.levels.split(",")]

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)

    results = run(plan, log)
    results["markdown"] = markdown(results)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=1) + "\n")
    print(results["markdown"])
    print(f"JSON: {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
