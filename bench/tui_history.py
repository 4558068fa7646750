"""pgwtui with --prometheus against a real Prometheus: time to the first 30d chart, and keys with and without the cadence column.

Run: `python -m bench.tui_history [--groups 10000] [--keys 40]`. Prints Markdown, writes JSON to
bench/out/. Needs `prometheus` and `promtool` (`make system-deps`).

The gateway is bench.tui's seeded store at the bench's start instant (`--groups` groups, read
through an in-process transport). Prometheus is the real one (Debian), started on 127.0.0.1 on
a TSDB backfilled with `promtool tsdb create-blocks-from openmetrics` (2 h blocks, as the tool
writes them; a long-running Prometheus would have compacted them) and a 60d retention:

- one group (`job-000`, the first of the store) scraped every 15 s for 30 days while it pushed
  every 10 minutes: push_time_seconds and push_failure_time_seconds (a failure every 97th
  push), a 6-hour outage ten days ago and a stop two hours ago, with the ALERTS series
  `PushgatewayGroupStale` firing during both (172,800 samples a series);
- every other group's push_time_seconds over the last 26 h, sampled every 30 min, each pushing
  every 1-6 h.

"Time to the first chart" is from the key (enter, `4`, `r`) to the chart painted (Textual's
`call_after_refresh` after the history panel was handed the chart), against the 5 range queries
alone (PrometheusClient, concurrently, as the app sends them). The keys are the table's own
actions (down, page, end, home), each timed to the paint, with a pause between keys: 0.05 s
(scrolling through: the rows never rest, nothing is asked), 0.22 s (just after the column's
0.2 s rest: each key lands while the read for the last screenful is in flight) and 0.4 s (the
column filled between keys). The same keys with and without `--prometheus`. Wall-clock figures
on a shared machine: read them with the load average printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import gc
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

from bench.tui import OUT, Body, summary, until_rows, wait_event
from bench.tui import seeded_body as gateway_body
from pgwtui import client
from pgwtui.alerts.prometheus import PrometheusClient
from pgwtui.app import PgwApp, create_app
from pgwtui.config import Settings
from pgwtui.connection import Connection
from pgwtui.screens.group_detail import GroupDetailScreen
from pgwtui.staleness import StalenessPolicy
from pgwtui.views import cadence
from pgwtui.views.history import Window, history_range
from pgwtui.widgets.groups_table import GroupsTable
from pgwtui.widgets.history import HistoryPanel
from tests.support.prometheus import PrometheusProcess

DAY = 86400.0
SIZE = (172, 40)
HISTORY_KEY = (("instance", "host-00000.example.com:9100"), ("job", "job-000"))
PACES = (0.05, 0.22, 0.4)
ALTERNATIONS = 2
"""Runs of each variant (without the column, with it), alternated."""
RENDERS = 50
KEYS = ("cursor_page", "cursor_page", "cursor_down", "cursor_page")
"""Onwards through the table: each page brings rows the column has not read yet."""


# ----------------------------------------------------------------- the backfilled TSDB
def _labels(job: str, instance: str, extra: str = "") -> str:
    return f'{{{extra}job="{job}",instance="{instance}"}}'


def openmetrics(path: Path, groups: int, now: float) -> int:
    """Write the OpenMetrics file promtool backfills from; the number of samples."""
    start = now - 30 * DAY
    outage = (now - 10 * DAY, now - 10 * DAY + 6 * 3600)
    stopped = now - 7200
    pushes: list[float] = []
    t = start
    while t < stopped:
        if not outage[0] <= t < outage[1]:
            pushes.append(t + (len(pushes) * 37) % 60)
        t += 600
    failures = [p + 30 for i, p in enumerate(pushes) if i % 97 == 96]
    scrapes = [start + 15 * i for i in range(int(30 * DAY / 15))]
    first = _labels("job-000", "host-00000.example.com:9100")
    firing = _labels("job-000", "host-00000.example.com:9100", 'alertname="PushgatewayGroupStale",alertstate="firing",')
    samples = 0
    with path.open("w") as out:
        out.write("# TYPE push_time_seconds gauge\n")
        for s in scrapes:
            i = bisect.bisect_right(pushes, s)
            if i:
                out.write(f"push_time_seconds{first} {pushes[i - 1]:.3f} {s:.3f}\n")
                samples += 1
        for n in range(1, groups):
            job, instance = f"job-{n % 200:03d}", f"host-{n:05d}.example.com:9100"
            period = 3600.0 * (1 + n % 6)
            phase = (n * 613) % period
            for k in range(53):
                s = now - 26 * 3600 + k * 1800
                out.write(f"push_time_seconds{_labels(job, instance)} {s - (s - phase) % period:.3f} {s:.3f}\n")
                samples += 1
        out.write("# TYPE push_failure_time_seconds gauge\n")
        for s in scrapes:
            i = bisect.bisect_right(failures, s)
            out.write(f"push_failure_time_seconds{first} {failures[i - 1] if i else 0:.3f} {s:.3f}\n")
            samples += 1
        out.write("# TYPE ALERTS gauge\n")
        for s in scrapes:
            i = bisect.bisect_right(pushes, s)
            if i and s - pushes[i - 1] > 3600 + 300:
                out.write(f"ALERTS{firing} 1 {s:.3f}\n")
                samples += 1
        out.write("# EOF\n")
    return samples


def backfill(root: Path, groups: int, now: float) -> dict[str, Any]:
    """Create the TSDB under root/data; what it took."""
    source = root / "backfill.om"
    t = time.perf_counter()
    samples = openmetrics(source, groups, now)
    written = time.perf_counter() - t
    data = root / "data"
    t = time.perf_counter()
    subprocess.run(
        [
            shutil.which("promtool") or "promtool",
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "-q",
            str(source),
            str(data),
        ],
        check=True,
        capture_output=True,
    )
    source.unlink()
    return {
        "samples": samples,
        "write_seconds": round(written, 1),
        "promtool_seconds": round(time.perf_counter() - t, 1),
        "blocks": sum(1 for p in data.iterdir() if p.is_dir()),
    }


# ----------------------------------------------------------------- probes
class Painted:
    """Stamps when the history panel got a chart and when the table got new cadences, each once painted."""

    def __init__(self) -> None:
        self.chart = asyncio.Event()
        self.chart_at = 0.0
        self.cadence_asked: list[float] = []
        self.cadence_painted: list[float] = []
        self._restore: list[Callable[[], None]] = []
        probe = self

        def show(original: Callable[..., Any]) -> Callable[..., Any]:
            def wrapped(panel: HistoryPanel, title: str, data: Any, figures: Any, note: str = "") -> None:
                original(panel, title, data, figures, note)
                if data is not None and not data.empty:

                    def mark() -> None:
                        probe.chart_at = time.perf_counter()
                        probe.chart.set()

                    panel.app.call_after_refresh(mark)

            return wrapped

        def set_formatter(original: Callable[..., Any]) -> Callable[..., Any]:
            def wrapped(table: GroupsTable, formatter: Any) -> None:
                original(table, formatter)
                table.app.call_after_refresh(lambda: probe.cadence_painted.append(time.perf_counter()))

            return wrapped

        self._patch(HistoryPanel, "show", show)
        self._patch(GroupsTable, "set_formatter", set_formatter)

    def _patch(self, cls: Any, name: str, wrapper: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
        original = getattr(cls, name)
        setattr(cls, name, wrapper(original))
        self._restore.append(lambda: setattr(cls, name, original))

    def restore(self) -> None:
        for undo in reversed(self._restore):
            undo()


def fresh_collector() -> None:
    """The collector as a new process has it: nothing frozen yet.

    pgwtui freezes its first big read once per process (`pgwtui.client.CollectorPause`); this bench
    runs several apps in one process, and without this only the first would have its read model
    frozen: every later one would leave 10,000 groups and rows for each full collection to walk.
    """
    gc.unfreeze()
    gc.collect()
    client._PAUSE.frozen = False


def make_app(body: bytes, now: float, prometheus: str | None) -> tuple[PgwApp, Body]:
    fresh_collector()
    transport = Body(body)
    transport.gate.set()
    settings = Settings(
        Connection("http://bench:9091"),
        refresh_interval=0,
        policy=StalenessPolicy(3600),
        prometheus=Connection(prometheus, timeout=60) if prometheus else None,
    )
    return create_app(settings, transport=transport, clock=lambda: now, tz=UTC), transport


async def painted(app: PgwApp) -> float:
    done = asyncio.Event()
    app.call_after_refresh(done.set)
    await wait_event(done)
    return time.perf_counter()


# ----------------------------------------------------------------- the measures
async def prometheus_alone(url: str, now: float, rounds: int) -> dict[str, Any]:
    """The 5 range queries of the 30d chart, concurrently, without the app (after the app's: Prometheus is warm)."""
    client = PrometheusClient(Connection(url, timeout=60))
    queries = Window.ending(history_range("30d"), now).queries(HISTORY_KEY)
    times, points = [], 0
    try:
        for _ in range(rounds):
            t = time.perf_counter()
            answers = await asyncio.gather(*(client.query_range(q) for q in queries.values()))
            times.append((time.perf_counter() - t) * 1000)
            points = sum(len(s.points) for answer in answers for s in answer)
    finally:
        await client.aclose()
    return {"warm_ms": summary(times), "points": points}


async def cadence_alone(url: str, now: float, rounds: int) -> dict[str, Any]:
    """One screenful's column read (35 groups) without the app: wall ms, and CPU ms of the calling thread."""
    client = PrometheusClient(Connection(url, timeout=60))
    keys = [(("instance", f"host-{n:05d}.example.com:9100"), ("job", f"job-{n % 200:03d}")) for n in range(1, 36)]
    walls, cpus, series = [], [], 0
    try:
        for _ in range(rounds):
            t, cpu = time.perf_counter(), time.thread_time()
            answer = await client.query_range(cadence.query(keys, now))
            walls.append((time.perf_counter() - t) * 1000)
            cpus.append((time.thread_time() - cpu) * 1000)
            series = len(answer)
    finally:
        await client.aclose()
    return {"wall_ms": summary(walls), "cpu_ms": summary(cpus), "series": series}


async def first_chart(body: bytes, now: float, url: str, rounds: int, groups: int) -> dict[str, Any]:
    """Enter → the 24h chart; `4` → the 30d chart (Prometheus's first 30d query); a fresh 30d read → painted (repeated)."""
    app, _transport = make_app(body, now, url)
    probe = Painted()
    result: dict[str, Any] = {}
    try:
        async with app.run_test(size=SIZE) as pilot:
            table = await until_rows(pilot, groups)
            assert table.move_to(HISTORY_KEY)
            await pilot.pause(0.5)
            probe.chart.clear()
            t = time.perf_counter()
            await pilot.press("enter")
            await wait_event(probe.chart)
            result["open_to_24h_chart_ms"] = round((probe.chart_at - t) * 1000, 1)
            assert isinstance(app.screen, GroupDetailScreen)
            probe.chart.clear()
            t = time.perf_counter()
            await pilot.press("4")
            await wait_event(probe.chart)
            result["key_to_first_30d_chart_ms"] = round((probe.chart_at - t) * 1000, 1)
            again = []
            for _ in range(rounds):
                probe.chart.clear()
                t = time.perf_counter()
                # What `r` does for the history, without its re-read of the gateway.
                app.history.request_history(HISTORY_KEY, "30d", fresh=True)
                await wait_event(probe.chart)
                again.append((probe.chart_at - t) * 1000)
            result["fresh_30d_chart_ms"] = summary(again)
            history = app.state.history
            assert history is not None and history.span.name == "30d" and history.found
            result["firing_spans"] = len(history.firing)
    finally:
        probe.restore()
    return result


async def keys(body: bytes, now: float, url: str | None, count: int, groups: int) -> dict[str, Any]:
    """Table keys → painted at each pace (raw ms), the UI thread's CPU, the column's reads; one screenful rendered."""
    app, _transport = make_app(body, now, url)
    probe = Painted()
    result: dict[str, Any] = {}
    asked: list[float] = []
    original = app.history.request_cadence

    def request_cadence(wanted: Any) -> None:
        asked.append(time.perf_counter())
        original(wanted)

    app.history.request_cadence = request_cadence  # type: ignore[method-assign,assignment]
    try:
        async with app.run_test(size=SIZE) as pilot:
            table = await until_rows(pilot, groups)
            await pilot.pause(1.0)
            for pace in PACES:
                asked.clear()
                probe.cadence_painted.clear()
                latencies = []
                cpu = time.thread_time()
                for i in range(count):
                    action = KEYS[i % len(KEYS)]
                    t = time.perf_counter()
                    if action == "cursor_page":
                        table.action_cursor_page(1)
                    else:
                        getattr(table, f"action_{action}")()
                    latencies.append((await painted(app) - t) * 1000)
                    await asyncio.sleep(pace)
                await asyncio.sleep(0.5)
                result[f"{pace:g}"] = {
                    "keys": latencies,
                    "cpu_ms": (time.thread_time() - cpu) * 1000,
                    "reads": _spans(asked, probe.cadence_painted),
                }
            # The lines themselves: one screenful rendered again and again, CPU of this thread only.
            height = table.scrollable_content_region.height
            cpu = time.thread_time()
            for _ in range(RENDERS):
                for y in range(height):
                    table.render_line(y)
            result["render_ms"] = (time.thread_time() - cpu) * 1000 / RENDERS
            result["cadences_known"] = len(app.state.cadence.by_key)
            result["cadence_error"] = app.state.cadence.error
    finally:
        probe.restore()
    gc.collect()
    return result


def _spans(asked: list[float], painted_at: list[float]) -> list[float]:
    """Each column read's request → the first column paint after it (ms)."""
    spans = []
    for t in asked:
        later = [p for p in painted_at if p > t]
        if later:
            spans.append((later[0] - t) * 1000)
    return spans


def merged(runs: list[dict[str, Any]], count: int) -> dict[str, Any]:
    """The runs of one variant together: per pace, key → paint, CPU per key, reads; the screenful's render."""
    result: dict[str, Any] = {}
    for pace in PACES:
        latencies = [ms for run in runs for ms in run[f"{pace:g}"]["keys"]]
        reads = [ms for run in runs for ms in run[f"{pace:g}"]["reads"]]
        result[f"pace_{pace:g}s"] = {
            "key_to_paint_ms": summary(latencies),
            "ui_thread_cpu_ms_per_key": round(sum(run[f"{pace:g}"]["cpu_ms"] for run in runs) / (count * len(runs)), 2),
            "cadence_reads": len(reads),
            "cadence_read_to_painted_ms": summary(reads) if reads else None,
        }
    result["screenful_render_cpu_ms"] = [round(run["render_ms"], 2) for run in runs]
    result["cadences_known"] = runs[-1]["cadences_known"]
    result["cadence_error"] = runs[-1]["cadence_error"]
    return result


async def measure(groups: int, count: int, rounds: int) -> dict[str, Any]:
    now = float(int(time.time()))
    body = gateway_body(groups, now=now)
    gc.collect()
    result: dict[str, Any] = {"groups": groups}
    with tempfile.TemporaryDirectory(prefix="bench-tui-history-") as tmp:
        root = Path(tmp)
        result["backfill"] = backfill(root, groups, now)
        prometheus = PrometheusProcess(
            shutil.which("prometheus") or "prometheus", [], data_dir=root / "data", retention="60d"
        )
        try:
            result["chart"] = await first_chart(body, now, prometheus.url, rounds, groups)
            result["prometheus_30d"] = await prometheus_alone(prometheus.url, now, rounds)
            result["cadence_read"] = await cadence_alone(prometheus.url, now, 2 * rounds)
            # Alternated, so that neither variant has the process's warmer (or fuller) heap to itself.
            without, with_ = [], []
            for _ in range(ALTERNATIONS):
                without.append(await keys(body, now, None, count, groups))
                with_.append(await keys(body, now, prometheus.url, count, groups))
            result["keys_without_column"] = merged(without, count)
            result["keys_with_column"] = merged(with_, count)
        finally:
            prometheus.stop()
    return result


# ----------------------------------------------------------------- report
def _ms(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict):
        return f"{value['median']} · {value['p90']} · {value['max']}"
    return str(value)


def markdown(result: dict[str, Any]) -> str:
    r = result["run"]
    fill, alone, chart = r["backfill"], r["prometheus_30d"], r["chart"]
    lines = [
        f"### pgwtui history and cadence ({result['machine']}; load average {result['loadavg']})",
        "",
        f"Prometheus 30d TSDB: {fill['samples']:,} samples in {fill['blocks']} blocks "
        f"(written in {fill['write_seconds']} s, promtool {fill['promtool_seconds']} s).",
        "",
        "| measure (ms; median · p90 · max where repeated) | value |",
        "| --- | --- |",
        f"| enter → the 24h chart painted (the detail opens on 24h; Prometheus just started) | "
        f"{chart['open_to_24h_chart_ms']} |",
        f"| `4` → the first 30d chart painted (Prometheus's first 30d query) | {chart['key_to_first_30d_chart_ms']} |",
        f"| a fresh 30d read (what `r` does, less the gateway) → painted | {_ms(chart['fresh_30d_chart_ms'])} |",
        f"| … the 5 range queries alone, concurrently ({alone['points']:,} points) | {_ms(alone['warm_ms'])} |",
        "",
        f"Keys in the table, {r['groups']:,} groups, key → painted (ms; median · p90 · max; "
        f"{ALTERNATIONS} runs of each, alternated):",
        "",
        "| pause between keys | without the column | with the column | UI-thread CPU per key, without · with "
        "| column reads · read → column painted |",
        "| --- | --- | --- | --- | --- |",
    ]
    without, with_ = r["keys_without_column"], r["keys_with_column"]
    for pace in PACES:
        a, b = without[f"pace_{pace:g}s"], with_[f"pace_{pace:g}s"]
        lines.append(
            f"| {pace:g} s | {_ms(a['key_to_paint_ms'])} | {_ms(b['key_to_paint_ms'])} | "
            f"{a['ui_thread_cpu_ms_per_key']} · {b['ui_thread_cpu_ms_per_key']} | "
            f"{b['cadence_reads']} · {_ms(b['cadence_read_to_painted_ms'])} |"
        )
    lines += [
        "",
        "One screenful of the table rendered (its `render_line` for every line on screen), CPU ms per run: "
        f"without the column {without['screenful_render_cpu_ms']}, with it {with_['screenful_render_cpu_ms']}.",
        f"Cadences known at the end of a run: {with_['cadences_known']:,} (error: {with_['cadence_error']}).",
        f"One column read alone (a screenful, {r['cadence_read']['series']} series): wall "
        f"{_ms(r['cadence_read']['wall_ms'])} ms, CPU of the calling thread {_ms(r['cadence_read']['cpu_ms'])} ms.",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tui_history", description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--keys", type=int, default=40, help="keys per pace")
    parser.add_argument("--rounds", type=int, default=10, help="repeats of the 30d chart")
    args = parser.parse_args()
    for tool in ("prometheus", "promtool"):
        if shutil.which(tool) is None:
            raise SystemExit(f"bench.tui_history: {tool} is missing (make system-deps)")
    load_before = os.getloadavg()
    run = asyncio.run(measure(args.groups, args.keys, args.rounds))
    result: dict[str, Any] = {
        "run": run,
        "machine": (
            f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
            f"{platform.machine()}"
        ),
        "loadavg": f"{load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"tui-history-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(result))
    print(f"\nJSON: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
