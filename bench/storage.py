"""Persistence benchmark, in process: push p50 with `--persistence.file`, durable wipe and its stalls, start-up load.

    python -m bench.storage [--groups 50000] [--series 10] [--runs 3] [--codecs] [--out FILE]

Everything goes through `Gateway` and `SqliteStorage` as `pgw-bridge serve` composes them (no
HTTP), so the figures are the storage's own: what a push costs to commit at 0 and 10k groups,
how long a wipe of the big store takes to be answered, the worst push latency and event-loop
stall while the wiped rows are collected, and how long a restart takes to load the big store.
Each figure is the median of `--runs` runs on fresh copies of one filled file; the worst
push and loop stall in a window of the same load without a wipe are reported beside them (the
machine's own noise). `--codecs` also times the row codec's JSON form against protobuf rows.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import timeit
from pathlib import Path
from typing import Any

from bridge.gateway.service import Gateway
from bridge.gateway.storage.sqlite import SqliteStorage
from bridge.protocol.textparse import parse_text


def body(n: int, series: int) -> bytes:
    lines = ["# HELP bench_value A benchmark gauge.", "# TYPE bench_value gauge"]
    lines += [f'bench_value{{series="s{s}",group="g{n}"}} {n + s * 0.5}' for s in range(series)]
    return ("\n".join(lines) + "\n").encode()


async def fill(path: Path, groups: int, series: int) -> None:
    """A persistence file with `groups` groups of `series` series, written as concurrent pushes (group commit)."""
    gateway = Gateway(storage=SqliteStorage(str(path)))
    gateway.load()
    gateway.start()
    step = 256
    for first in range(0, groups, step):
        await asyncio.gather(
            *(
                gateway.push({"job": "bench", "instance": f"i{n}"}, parse_text(body(n, series)), replace=True)
                for n in range(first, min(groups, first + step))
            )
        )
    await gateway.close()


def copy(src: Path, dst: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        source = src.with_name(src.name + suffix)
        if source.exists():
            shutil.copy(source, dst.with_name(dst.name + suffix))
    return dst


async def push_p50(path: Path, pushes: int, series: int) -> tuple[float, float]:
    """Median ms of a push alone (parse + decide + commit), replacing one group of `series` series; and CPU ms per push."""
    gateway = Gateway(storage=SqliteStorage(str(path)))
    gateway.load()
    gateway.start()
    payload = body(1, series)
    times = []
    cpu = 0.0
    for i in range(pushes + 50):
        if i == 50:
            cpu = time.process_time()
        began = time.perf_counter()
        verdict = await gateway.push({"job": "probe", "instance": "p"}, parse_text(payload), replace=True)
        elapsed = time.perf_counter() - began
        assert verdict.accepted
        if i >= 50:
            times.append(elapsed * 1000)
    cpu = (time.process_time() - cpu) / pushes * 1000
    await gateway.close()
    return statistics.median(times), cpu


async def wipe_and_stalls(path: Path, window_s: float) -> dict[str, float]:
    """Wipe the loaded store under a steady push load; the answer time and the worst stalls after it."""
    gateway = Gateway(storage=SqliteStorage(str(path)))
    gateway.load()
    # Loading made millions of objects: settle the full collection they are owed now, or it
    # lands (a few hundred ms, the GIL held) in the middle of the window measured.
    gc.collect()
    gateway.start()
    payload = body(7, 10)
    latencies: list[tuple[float, float]] = []
    lags: list[tuple[float, float]] = []
    stop = asyncio.Event()

    async def pusher() -> None:
        n = 0
        while not stop.is_set():
            began = time.perf_counter()
            await gateway.push({"job": "after", "instance": f"n{n % 50}"}, parse_text(payload), replace=True)
            latencies.append((began, (time.perf_counter() - began) * 1000))
            n += 1
            await asyncio.sleep(0.001)

    async def lag_probe() -> None:
        while not stop.is_set():
            began = time.perf_counter()
            await asyncio.sleep(0.001)
            lags.append((began, (time.perf_counter() - began - 0.001) * 1000))

    tasks = [asyncio.create_task(pusher()), asyncio.create_task(lag_probe())]
    await asyncio.sleep(0.3)
    quiet = time.perf_counter()
    await asyncio.sleep(window_s)  # the same load without a wipe: the machine's own noise
    began = time.perf_counter()
    wiped = await gateway.wipe()
    answered = (time.perf_counter() - began) * 1000
    await asyncio.sleep(window_s)
    collecting = getattr(gateway.storage, "collecting", None)
    while collecting is not None and collecting():
        await asyncio.sleep(0.05)
    collected = (time.perf_counter() - began) * 1000
    stop.set()
    await asyncio.gather(*tasks)
    after = [ms for at, ms in latencies if at >= began - 0.01]
    loop_after = [ms for at, ms in lags if at >= began]
    noise = [ms for at, ms in latencies if quiet <= at < began - 0.01]
    loop_noise = [ms for at, ms in lags if quiet <= at < began]
    await gateway.close()
    assert wiped > 0
    return {
        "answered_ms": answered,
        "worst_push_ms": max(after),
        "push_p50_ms": statistics.median(after),
        "push_p99_ms": statistics.quantiles(after, n=100)[98],
        "no_wipe_push_p99_ms": statistics.quantiles(noise, n=100)[98],
        "worst_loop_stall_ms": max(loop_after),
        "pushes": len(after),
        "no_wipe_worst_push_ms": max(noise),
        "no_wipe_worst_loop_stall_ms": max(loop_noise),
        "until_collected_ms": collected,
    }


def load_time(path: Path) -> dict[str, float]:
    """A restart: open (checks, migration), read the rows, and restore the store with its read models."""
    cpu, began = time.process_time(), time.perf_counter()
    storage = SqliteStorage(str(path))
    opened = time.perf_counter()
    loaded = storage.load()
    read, read_cpu = time.perf_counter(), time.process_time()
    gateway = Gateway(storage=storage)
    gateway.restore(loaded)
    restored = time.perf_counter()
    storage._conn.close()
    return {
        "open_ms": (opened - began) * 1000,
        "read_rows_ms": (read - opened) * 1000,
        "read_rows_cpu_ms": (read_cpu - cpu) * 1000,
        "restore_ms": (restored - read) * 1000,
        "total_ms": (restored - began) * 1000,
        "total_cpu_ms": (time.process_time() - cpu) * 1000,
        "groups": len(loaded.groups),
    }


def codec_costs(big: Path, scratch: Path) -> dict[str, float]:
    """The row codec's JSON form against protobuf rows: µs per push of `bench.load.body`, and loading `big`."""
    from bench.load import body as push_body
    from bridge.gateway.storage import rowcodec
    from bridge.gateway.storage.sqlitefile import load_groups, open_database
    from bridge.protocol import protobuf

    gateway = Gateway()
    gateway.seed({"job": "bench-001", "instance": "host-00001"}, parse_text(push_body(1)), replace=True, now_ns=1)
    fams = [stored.family for stored in gateway.groups()[0].families.values()]
    rows = [(f.name, rowcodec.encode_family(f)) for f in fams]
    blobs = [protobuf.encode_family(f) for f in fams]

    def per_push(call: Any) -> float:
        # CPU time, not wall time: on a shared machine the scheduler's noise would swamp the codec.
        return min(timeit.Timer(call, timer=time.process_time).repeat(number=500, repeat=7)) / 500 * 1e6

    result = {
        "families_per_push": len(fams),
        "series_per_push": sum(len(f.metrics) for f in fams),
        "json_encode_us": per_push(lambda: [rowcodec.encode_family(f) for f in fams]),
        "json_decode_us": per_push(lambda: [rowcodec.decode_family(n, d) for n, d in rows]),
        "pb_encode_us": per_push(lambda: [protobuf.encode_family(f) for f in fams]),
        "pb_decode_us": per_push(lambda: [rowcodec.decode_family(f.name, b) for f, b in zip(fams, blobs, strict=True)]),
    }
    for form in ("json", "pb"):
        path = copy(big, scratch / f"codec-{form}.db")
        conn = open_database(str(path))
        if form == "pb":
            converted = [
                (protobuf.encode_family(rowcodec.decode_family(name, data)), gid, name)
                for gid, name, data in conn.execute("SELECT group_id, name, data FROM families")
            ]
            conn.execute("BEGIN")
            conn.executemany("UPDATE families SET data = ? WHERE group_id = ? AND name = ?", converted)
            conn.execute("COMMIT")
        cpu, began = time.process_time(), time.perf_counter()
        count = sum(1 for _ in load_groups(conn))
        result[f"load_{form}_ms"] = (time.perf_counter() - began) * 1000
        result[f"load_{form}_cpu_ms"] = (time.process_time() - cpu) * 1000
        assert count == len(conn.execute("SELECT id FROM groups").fetchall())
        conn.close()
        for leftover in scratch.glob(f"codec-{form}.db*"):
            leftover.unlink()
    return result


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


async def main(args: argparse.Namespace) -> dict[str, Any]:
    import bridge

    result: dict[str, Any] = {"code": str(Path(bridge.__file__).parent), "loadavg_start": os.getloadavg()}
    scratch = Path(tempfile.mkdtemp(prefix="pgw-bench-storage-"))
    try:
        small = scratch / "small.db"
        big = scratch / "big.db"
        began = time.perf_counter()
        await fill(small, 10_000, args.series)
        await fill(big, args.groups, args.series)
        result["fill_s"] = time.perf_counter() - began
        result["file_mb"] = big.stat().st_size / 1e6
        p50_empty, p50_10k, wipes, loads = [], [], [], []
        for run in range(args.runs):
            gc.collect()
            p50_empty.append(await push_p50(scratch / f"empty{run}.db", args.pushes, args.series))
            p50_10k.append(await push_p50(copy(small, scratch / f"small{run}.db"), args.pushes, args.series))
            loads.append(load_time(copy(big, scratch / f"load{run}.db")))
            wipes.append(await wipe_and_stalls(copy(big, scratch / f"wipe{run}.db"), args.window))
            for leftover in scratch.glob(f"*{run}.db*"):
                leftover.unlink()
            print(f"run {run}: {p50_empty[-1]} {p50_10k[-1]} {loads[-1]} {wipes[-1]}", file=sys.stderr)
        result["push_p50_ms_empty"] = statistics.median(p for p, _ in p50_empty)
        result["push_cpu_ms_empty"] = statistics.median(c for _, c in p50_empty)
        result["push_p50_ms_10k"] = statistics.median(p for p, _ in p50_10k)
        result["push_cpu_ms_10k"] = statistics.median(c for _, c in p50_10k)
        result["load"] = median_of(loads)
        result["wipe"] = median_of(wipes)
        result["runs"] = {"push_p50_empty": p50_empty, "push_p50_10k": p50_10k, "load": loads, "wipe": wipes}
        if args.codecs:
            result["codecs"] = codec_costs(big, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result["loadavg_end"] = os.getloadavg()
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=50_000)
    parser.add_argument("--series", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pushes", type=int, default=1000)
    parser.add_argument("--window", type=float, default=2.0, help="seconds of pushes watched after the wipe")
    parser.add_argument("--codecs", action="store_true", help="also compare the JSON and protobuf row forms")
    parser.add_argument("--out", type=Path)
    options = parser.parse_args()
    report = asyncio.run(main(options))
    text = json.dumps(report, indent=1)
    print(text)
    if options.out:
        options.out.write_text(text + "\n")
