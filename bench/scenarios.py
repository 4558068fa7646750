"""Scenarios 1–6 against one kind of server (Go 1.11.0, Go 1.5.1, ours in memory, ours durable), level by level."""

from __future__ import annotations

import sqlite3
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import load
from bench.procs import GO_KINDS, Server, go_server, our_server

API = "/api/v1/metrics"


@dataclass(frozen=True)
class Plan:
    """Store sizes and sample counts; Go's are bounded at large stores (a push there takes seconds)."""

    levels: tuple[int, ...]
    latency_samples: int
    go_latency_samples: dict[int, int]
    scrape_samples: int
    go_scrape_samples: dict[int, int]
    wrk_seconds: float
    small_groups: int
    throughput_level: int
    delete_count: int
    scrape_levels: tuple[int, ...]
    rss_levels: tuple[int, ...]


FULL = Plan(
    levels=(0, 1_000, 10_000, 50_000),
    latency_samples=300,
    go_latency_samples={0: 300, 1_000: 60, 10_000: 10, 50_000: 5},
    scrape_samples=7,
    go_scrape_samples={1_000: 7, 10_000: 5, 50_000: 3},
    wrk_seconds=10,
    small_groups=10,
    throughput_level=10_000,
    delete_count=1_000,
    scrape_levels=(1_000, 10_000, 50_000),
    rss_levels=(10_000, 50_000),
)
QUICK = Plan(
    levels=(0, 1_000, 10_000),
    latency_samples=100,
    go_latency_samples={0: 100, 1_000: 20, 10_000: 3},
    scrape_samples=3,
    go_scrape_samples={1_000: 3, 10_000: 2},
    wrk_seconds=3,
    small_groups=10,
    throughput_level=10_000,
    delete_count=200,
    scrape_levels=(1_000, 10_000),
    rss_levels=(10_000,),
)


def _cpu_share(server: Server, fn: Any) -> tuple[Any, float]:
    """Run fn(); its result and the server's CPU (cores) meanwhile."""
    cpu0, wall0 = server.cpu(), time.perf_counter()
    result = fn()
    return result, (server.cpu() - cpu0) / (time.perf_counter() - wall0)


PROBE_HELP = "pgw-bench wipe probe"
"""The HELP text of the stall probe's family: the count of the bench's own groups leaves the probe's out."""
PROBE_WINDOW_S = 3.0
"""The stall probe watches at least this long after a wipe (ours: until the wiped rows are collected, if longer)."""
PROBE_GROUPS = 10


def _group_count(port: int) -> tuple[int, float]:
    client = load.Client(port)
    t = time.perf_counter()
    status, data = client.request("GET", API)
    elapsed = time.perf_counter() - t
    client.close()
    if status != 200:
        raise RuntimeError(f"{API} answered {status}")
    return data.count(b'"last_push_successful"') - data.count(PROBE_HELP.encode()), elapsed


def _until_count(port: int, expected: int, began: float, limit: float = 600) -> dict[str, float]:
    reads = 0
    last_read = 0.0
    while True:
        count, last_read = _group_count(port)
        reads += 1
        if count == expected:
            return {
                "visible_ms": (time.perf_counter() - began) * 1000,
                "reads": reads,
                "last_read_ms": last_read * 1000,
            }
        if time.perf_counter() - began > limit:
            raise TimeoutError(f"{count} groups left, expected {expected}")


def _probe_body(n: int) -> bytes:
    return f"# HELP probe_value {PROBE_HELP}\n# TYPE probe_value gauge\nprobe_value {n}\n".encode()


def _wiped_rows_left(db: Path) -> bool:
    """Whether the persistence file still holds groups of an older generation (a read-only connection of its own)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None)
    try:
        row = conn.execute("SELECT 1 FROM groups WHERE generation < (SELECT generation FROM meta) LIMIT 1").fetchone()
    finally:
        conn.close()
    return row is not None


class StallProbe:
    """A client on a keep-alive connection of its own pushing small groups back to back, each push timed.

    Every sample is (seconds since the probe began, milliseconds it took); `window` keeps those
    that began at or after a moment.
    """

    def __init__(self, port: int) -> None:
        self._port = port
        self._stop = threading.Event()
        self.began = time.perf_counter()
        self.samples: list[tuple[float, float]] = []
        self.failures = 0
        self._thread = threading.Thread(target=self._run, name="stall-probe", daemon=True)

    def start(self) -> StallProbe:
        self._thread.start()
        return self

    def _run(self) -> None:
        client = load.Client(self._port)
        n = 0
        try:
            while not self._stop.is_set():
                t = time.perf_counter()
                status, _ = client.request(
                    "PUT", f"/metrics/job/wipe-probe/instance/p{n % PROBE_GROUPS}", _probe_body(n)
                )
                self.samples.append((t - self.began, (time.perf_counter() - t) * 1000))
                self.failures += status >= 300
                n += 1
        finally:
            client.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def window(self, since: float) -> dict[str, float]:
        """max, p99, p50 and count of the pushes that began at `since` (perf_counter) or later."""
        ms = [took for at, took in self.samples if at >= since - self.began]
        if not ms:
            return {"n": 0}
        return {
            "n": len(ms),
            "max_ms": max(ms),
            "p99_ms": load.percentile(ms, 0.99),
            "p50_ms": statistics.median(ms),
            "over_20ms": sum(took > 20 for took in ms),
            "failures": self.failures,
        }


def delete_and_wipe(server: Server, groups: int, count: int, db: Path | None = None) -> dict[str, Any]:
    """Scenario 6: DELETE `count` groups one by one, then wipe; each until a read of the API shows it.

    A stall probe (`StallProbe`) pushes on a connection of its own from the moment the wipe is
    answered (sooner, Go would answer it only after the probe's pushes at 49k groups, seconds each), for `PROBE_WINDOW_S` or, with a persistence file `db`, until its wiped rows are
    collected if that takes longer; its worst and p99 latency are the wipe's `stall_*` figures.
    """
    client = load.Client(server.port)
    began = time.perf_counter()
    for i in range(groups - count, groups):
        status, _ = client.request("DELETE", load.group_path(i))
        assert status == 202, status
    deleted = {"groups": count, "answered_ms": (time.perf_counter() - began) * 1000}
    deleted.update(_until_count(server.port, groups - count, began))
    server.wait_idle()
    began = time.perf_counter()
    status, _ = client.request("PUT", "/api/v1/admin/wipe")
    assert status == 202, status
    wiped: dict[str, Any] = {"groups": groups - count, "answered_ms": (time.perf_counter() - began) * 1000}
    probe = StallProbe(server.port).start()
    wiped.update(_until_count(server.port, 0, began))
    client.close()
    try:
        collected = None
        while db is not None and _wiped_rows_left(db):
            if time.perf_counter() - began > 600:
                raise TimeoutError("the wiped rows were not collected in 600 s")
            time.sleep(0.02)
        if db is not None:
            collected = (time.perf_counter() - began) * 1000
        time.sleep(max(0.0, began + PROBE_WINDOW_S - time.perf_counter()))
    finally:
        probe.stop()
    window = probe.window(began)
    wiped["collected_ms"] = collected
    wiped["probe_window_ms"] = (time.perf_counter() - began) * 1000
    wiped.update({f"stall_{key}": value for key, value in window.items()})
    return {"delete": deleted, "wipe": wiped}


def measure_level(server: Server, kind: str, level: int, plan: Plan, empty_rss_kb: int) -> dict[str, Any]:
    """Everything measured with `level` groups stored."""
    out: dict[str, Any] = {}
    is_go = kind in GO_KINDS
    server.wait_idle()
    series = max(level, 1) * load.SERIES_PER_GROUP
    if level in plan.rss_levels:
        time.sleep(1.0)
        rss = server.rss_kb()
        out["rss"] = {"rss_kb": rss, "per_series_bytes": (rss - empty_rss_kb) * 1024 / series}
    samples = plan.go_latency_samples[level] if is_go else plan.latency_samples
    warmup = 1 if is_go and level >= 10_000 else 5
    # Three rounds at different moments (before the scrapes, after them, at the end), so that a
    # burst of load from elsewhere on a shared machine moves one round's median, not the result.
    # Go at 10k+ groups gets one round: each of its pushes there takes seconds.
    rounds = 1 if is_go and level >= 10_000 else 3
    per_round = max(1, samples // rounds)
    latency: list[tuple[load.Timings, float]] = []

    def latency_round() -> None:
        if len(latency) < rounds:
            latency.append(_cpu_share(server, lambda: load.push_latency(server.port, level, per_round, warmup)))

    latency_round()
    if level in plan.scrape_levels:
        n = plan.go_scrape_samples[level] if is_go else plan.scrape_samples
        scrapes: dict[str, Any] = {}
        for name, path in (("metrics", "/metrics"), ("api", API)):
            for gz in (False, True):
                (timed, size), cores = _cpu_share(server, lambda p=path, g=gz: load.scrape(server.port, p, n, gzip=g))
                scrapes[f"{name}_{'gzip' if gz else 'plain'}"] = {
                    **timed.summary(),
                    "bytes": size,
                    "server_cores": cores,
                }
        out["scrape"] = scrapes
        if level in plan.rss_levels:  # what a scraped gateway holds (caches built by the scrapes)
            rss = server.rss_kb()
            out["rss_after_scrapes"] = {"rss_kb": rss, "per_series_bytes": (rss - empty_rss_kb) * 1024 / series}
    latency_round()
    if level == plan.throughput_level:
        result, cores = _cpu_share(server, lambda: load.wrk(server.port, level, plan.wrk_seconds))
        out["throughput"] = {**result, "server_cores": cores, "drain_s": server.wait_idle()}
    while len(latency) < rounds:
        latency_round()
    out["latency"] = _combine(latency)
    return out


def _combine(rounds: list[tuple[load.Timings, float]]) -> dict[str, Any]:
    """p50: the median of the rounds' medians; p99 and max over every sample."""
    pooled = load.Timings(
        [ms for timings, _ in rounds for ms in timings.ms],
        sum(timings.client_cpu_s for timings, _ in rounds),
        sum(timings.wall_s for timings, _ in rounds),
    )
    medians = [statistics.median(timings.ms) for timings, _ in rounds]
    return {
        **pooled.summary(),
        "p50_ms": statistics.median(medians),
        "round_p50_ms": medians,
        "server_cores": max(cores for _, cores in rounds),
    }


def run_kind(kind: str, plan: Plan, work: Path, log: Any) -> dict[str, Any]:
    """All levels for one kind of server: 'go111' (Go 1.11.0), 'go' (Go 1.5.1), 'mem' or 'durable'."""
    result: dict[str, Any] = {"levels": {}}
    is_go = kind in GO_KINDS
    go_file = work / f"{kind}-store.gob"
    if is_go:
        server = go_server(work, "empty", kind=kind).start()
    else:
        server = our_server(work, kind, persistence=_db_file(work, kind)).start()
    try:
        time.sleep(1.0)
        empty_rss = server.rss_kb()
        result["empty_rss_kb"] = empty_rss
        log(f"{kind}: empty store, RSS {empty_rss / 1024:.1f} MiB")
        result["levels"][0] = measure_level(server, kind, 0, plan, empty_rss)
        load.fill(server.port, 0, plan.small_groups)
        result["throughput_small"], cores = _cpu_share(
            server, lambda: load.wrk(server.port, plan.small_groups, plan.wrk_seconds)
        )
        result["throughput_small"]["server_cores"] = cores
        result["throughput_small"]["drain_s"] = server.wait_idle()
        log(f"{kind}: small store {result['throughput_small']['pushes_per_s']:.0f} pushes/s")
        filled = 0 if is_go else plan.small_groups
        for level in plan.levels[1:]:
            if is_go:
                server.stop(kill=True)
                filler = go_server(work, f"fill-{level}", persistence=go_file, fill=True, kind=kind).start()
                load.fill(filler.port, filled, level)
                filler.wait_idle()
                filler.stop()
                server = go_server(work, f"{level}", persistence=go_file, kind=kind).start()
            else:
                load.fill(server.port, filled, level)
            filled = level
            result["levels"][level] = measure_level(server, kind, level, plan, empty_rss)
            log(f"{kind}: {level} groups: push p50 {result['levels'][level]['latency']['p50_ms']:.2f} ms")
        top = plan.levels[-1]
        result["delete_wipe"] = delete_and_wipe(server, top, plan.delete_count, _db_file(work, kind))
        log(f"{kind}: delete/wipe at {top} groups done")
    finally:
        server.stop(kill=is_go)
    return result


def _db_file(work: Path, kind: str) -> Path | None:
    return work / f"ours-{kind}.sqlite" if kind == "durable" else None


def run_wipe_only(kind: str, plan: Plan, work: Path, log: Any) -> dict[str, Any]:
    """Scenario 6 alone (`bench.run --only-wipe`): fill the top level at once, then delete and wipe."""
    top = plan.levels[-1]
    if kind in GO_KINDS:
        go_file = work / f"{kind}-store.gob"
        filler = go_server(work, f"fill-{top}", persistence=go_file, fill=True, kind=kind).start()
        load.fill(filler.port, 0, top)
        filler.wait_idle()
        filler.stop()
        server = go_server(work, f"{top}", persistence=go_file, kind=kind).start()
    else:
        server = our_server(work, kind, persistence=_db_file(work, kind)).start()
        load.fill(server.port, 0, top)
    try:
        result = {"levels": {}, "delete_wipe": delete_and_wipe(server, top, plan.delete_count, _db_file(work, kind))}
    finally:
        server.stop(kill=kind in GO_KINDS)
    log(f"{kind}: delete/wipe at {top} groups done: {result['delete_wipe']['wipe']}")
    return result
