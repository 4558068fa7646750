"""pgwtui with 10,000 and 50,000 groups: response → painted table, refresh cost and its split, UI-thread time, keys.

Run: `python -m bench.tui [--groups 10000,50000] [--rounds R]`. Prints Markdown (the issue's
targets with met / not met, then every figure), writes JSON to bench/out/.

The `/api/v1/metrics` body comes from our real gateway's store, seeded in-process (3 families,
~6 series per group; a tenth stale, a twentieth failed); the app reads it through an
`httpx.MockTransport`-like transport, so the numbers are the client's and the TUI's, not the
gateway's. The real app runs headless (`run_test`, 140x40). "Painted" is Textual's
`call_after_refresh` after the table received the rows of that response.

A refresh is split at boundaries every version of the app has: the worker (response → the
`GroupsLoaded` message posted: decoding, assessing), the UI handler (the groups screen's
`show_state`: filter, sort, hand rows to the table) and the paint (rows handed over → painted).
"UI-thread CPU" is `time.thread_time()` of the event loop's thread from the response to the
paint: everything the UI thread did for that refresh, GIL waits excluded; "process CPU" is
`time.process_time()` over the same span (every thread). The pure pieces are timed in CPU time
of their thread too, so they hold on a machine shared with other work; the wall-clock figures
(and the targets) do not: read them with the load average printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC
from pathlib import Path
from typing import Any

import httpx

from bridge.gateway.config import GatewayConfig
from bridge.gateway.runtime import build_app
from bridge.protocol.textparse import parse_text
from pgwtui import models
from pgwtui.app import PgwApp, create_app
from pgwtui.config import Settings
from pgwtui.connection import Connection
from pgwtui.messages import GroupsLoaded
from pgwtui.models import Snapshot, parse_groups
from pgwtui.screens.groups import GroupsScreen
from pgwtui.staleness import StalenessPolicy
from pgwtui.views import groups as views
from pgwtui.views.groups import RowFilter, build_rows, sort_rows
from pgwtui.widgets.groups_table import GroupsTable

NOW = 1_780_000_000.0
OUT = Path(__file__).resolve().parent / "out"

TARGETS: tuple[tuple[int, str, str, float], ...] = (
    # (groups, result path, figure, bound in ms): the pgwtui rows of issue 12.
    (10_000, "first_load_ms", "response → painted table (first load)", 300.0),
    (10_000, "refresh_1pct_changed_ms.median", "a background refresh (1% re-pushed): response → painted", 300.0),
    (10_000, "refresh_ui_cpu_ms.median", "a background refresh: UI-thread CPU", 30.0),
    (50_000, "first_load_ms", "first paint (response → painted table)", 1000.0),
    (50_000, "cursor_key_to_paint_ms.median", "cursor key → painted", 50.0),
    (50_000, "filter_keystroke_ms.median", "filter keystroke → painted", 50.0),
)


def seeded_body(groups: int, bump: int = 0, now: float = NOW) -> bytes:
    """The /api/v1/metrics body of a gateway with `groups` groups at `now`; `bump` of them re-pushed later."""
    gateway = build_app(GatewayConfig()).gateway
    for i in range(groups):
        job = f"job-{i % 200:03d}"
        age = 7200.0 if i % 10 == 0 else 60.0 + i % 600
        if i < bump:
            age = 1.0
        body = (
            "# TYPE batch_duration_seconds gauge\n"
            f"batch_duration_seconds {i % 97}.5\n"
            "# TYPE batch_records_total counter\n"
            f'batch_records_total{{kind="a"}} {i}\nbatch_records_total{{kind="b"}} {i * 2}\n'
            f'batch_records_total{{kind="c"}} {i * 3}\n'
            "# TYPE batch_last_success_timestamp_seconds gauge\n"
            f"batch_last_success_timestamp_seconds {now - age}\n"
        ).encode()
        grouping = {"job": job, "instance": f"host-{i:05d}.example.com:9100"}
        gateway.store.push(grouping, parse_text(body), replace=True, now_ns=int((now - age) * 1e9))
        if i % 20 == 0:
            bad = b"# TYPE batch_duration_seconds gauge\nbatch_duration_seconds 1 1000\n"
            gateway.store.push(grouping, parse_text(bad), replace=False, now_ns=int((now - 5) * 1e9))
    return gateway.api_metrics()


class Body(httpx.AsyncBaseTransport):
    """Serves a fixed /api/v1/metrics body and notes when each response left the transport.

    The first answer waits for `gate`: a real gateway takes a while to answer, and the app's own
    start (composing and painting the screens) is not part of "response → painted".
    """

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.sent_at = 0.0
        self.sent_cpu = 0.0
        self.sent_process = 0.0
        self.gate = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != "/api/v1/metrics":
            return httpx.Response(404)
        await self.gate.wait()
        self.sent_at = time.perf_counter()
        self.sent_cpu = time.thread_time()  # the event loop's thread: the transport runs on it
        self.sent_process = time.process_time()
        return httpx.Response(200, content=self.body, headers={"Content-Type": "application/json"})


class Probe:
    """When the worker posted rows, how long the screen took with them, and when they were painted.

    Only a hand-over of a non-empty table counts as "painted" (the screen draws an empty
    "Loading…" table before the first answer).
    """

    def __init__(self, app: PgwApp) -> None:
        self.app = app
        self.painted: asyncio.Event = asyncio.Event()
        self.painted_at = 0.0
        self.painted_cpu = 0.0
        self.painted_process = 0.0
        self.posted_at = 0.0
        self.ui_ms = 0.0
        self.handed_at = 0.0
        self.armed = True
        """Whether the next non-empty hand-over of rows is the one to time (set when rows are posted)."""
        probe = self
        restore: list[Callable[[], None]] = []

        def patch(cls: Any, name: str, wrapper: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
            original = getattr(cls, name)
            setattr(cls, name, wrapper(original))
            restore.append(lambda: setattr(cls, name, original))

        def set_rows(original: Callable[..., Any]) -> Callable[..., Any]:
            def wrapped(table: GroupsTable, rows: Any, *args: Any, **kwargs: Any) -> None:
                original(table, rows, *args, **kwargs)
                if not rows or not probe.armed:
                    return
                probe.armed = False
                probe.handed_at = time.perf_counter()

                def mark() -> None:
                    probe.painted_at = time.perf_counter()
                    probe.painted_cpu = time.thread_time()
                    probe.painted_process = time.process_time()
                    probe.painted.set()

                table.app.call_after_refresh(mark)

            return wrapped

        def show_state(original: Callable[..., Any]) -> Callable[..., Any]:
            def wrapped(screen: GroupsScreen, state: Any) -> None:
                armed = probe.armed
                started = time.perf_counter()
                original(screen, state)
                if armed:
                    probe.ui_ms = (time.perf_counter() - started) * 1000

            return wrapped

        def post_message(original: Callable[..., Any]) -> Callable[..., Any]:
            def wrapped(target: Any, message: Any) -> Any:
                if isinstance(message, GroupsLoaded):
                    probe.posted_at = time.perf_counter()
                    probe.armed = True
                return original(target, message)

            return wrapped

        patch(GroupsTable, "set_rows", set_rows)
        patch(GroupsScreen, "show_state", show_state)
        patch(PgwApp, "post_message", post_message)
        self._restore = restore

    def restore(self) -> None:
        for undo in reversed(self._restore):
            undo()


async def measure(groups: int, rounds: int) -> dict[str, Any]:
    started = time.perf_counter()
    body = seeded_body(groups)
    changed = seeded_body(groups, bump=groups // 100)
    seed_s = time.perf_counter() - started
    gc.collect()  # the seeding gateways' garbage is not the app's: do not bill it to the first measure
    result: dict[str, Any] = {"groups": groups, "body_bytes": len(body), "seed_seconds": round(seed_s, 2)}

    # Pure pieces, each alone on one thread, in CPU time of that thread (the machine is shared).
    t = time.thread_time()
    parsed, _ = parse_groups(body)
    result["parse_ms"] = cpu_ms(t)
    policy = StalenessPolicy(3600)
    t = time.thread_time()
    rows = build_rows(parsed, policy, NOW)
    result["assess_ms"] = cpu_ms(t)
    t = time.thread_time()
    sort_rows(rows, "status", True)
    result["sort_ms"] = cpu_ms(t)
    t = time.thread_time()
    RowFilter.parse("job-01[0-9] host-0").apply(rows)
    result["filter_ms"] = cpu_ms(t)
    decode_groups = getattr(models, "decode_groups", None)  # since the refresh diffing
    refresh_rows = getattr(views, "refresh_rows", None)
    if decode_groups is not None and refresh_rows is not None:
        last = decode_groups(body)
        before = refresh_rows(last.groups, policy, NOW)
        t = time.thread_time()
        fresh = decode_groups(changed, last)
        result["parse_refresh_ms"] = cpu_ms(t)
        t = time.thread_time()
        refresh_rows(fresh.groups, policy, NOW + 5, before)
        result["assess_refresh_ms"] = cpu_ms(t)
        del last, before, fresh
    del parsed, rows
    gc.collect()

    # Launch → painted with the answer ready at once: starting pgwtui against a fast gateway.
    cold = Body(body)
    cold.gate.set()
    settings = Settings(Connection("http://bench:9091"), refresh_interval=0, policy=StalenessPolicy(3600))
    first = create_app(settings, transport=cold, clock=lambda: NOW, tz=UTC)
    probe = Probe(first)
    try:
        t = time.perf_counter()
        async with first.run_test(size=(140, 40)) as pilot:
            await until_rows(pilot, groups)
            await wait_event(probe.painted)
            result["launch_to_paint_ms"] = round((probe.painted_at - t) * 1000, 1)
    finally:
        probe.restore()
    del first, probe
    gc.collect()

    transport = Body(body)
    settings = Settings(Connection("http://bench:9091"), refresh_interval=0, policy=StalenessPolicy(3600))
    app = create_app(settings, transport=transport, clock=lambda: NOW, tz=UTC)
    probe = Probe(app)
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.pause(0.5)  # the app has started and painted its empty table
            transport.gate.set()
            table = await until_rows(pilot, groups)
            await wait_event(probe.painted)
            result["first_load_ms"] = round((probe.painted_at - transport.sent_at) * 1000, 1)
            result["first_load_split_ms"] = split(probe, transport)

            async def refresh_once(payload: bytes) -> dict[str, float]:
                transport.body = payload
                probe.painted.clear()
                app.refresh_groups()
                await app.workers.wait_for_complete()
                await wait_event(probe.painted)
                return {"total": (probe.painted_at - transport.sent_at) * 1000, **split(probe, transport)}

            same = [await refresh_once(body) for _ in range(rounds)]
            moved = [await refresh_once(changed if i % 2 == 0 else body) for i in range(2 * rounds)]
            result["refresh_same_ms"] = summary([r["total"] for r in same])
            result["refresh_1pct_changed_ms"] = summary([r["total"] for r in moved])
            for part in ("worker", "ui", "paint", "ui_cpu", "cpu"):
                result[f"refresh_{part}_ms"] = summary([r[part] for r in moved])

            ui = []
            screen = app.screen
            for _ in range(rounds):
                t = time.perf_counter()
                assert app.state.snapshot is not None
                fresh = replace(app.state, snapshot=Snapshot(app.state.snapshot.groups, NOW))
                screen.show_state(fresh)  # type: ignore[attr-defined]
                ui.append((time.perf_counter() - t) * 1000)
            result["ui_thread_per_refresh_ms"] = summary(ui)

            keys = []
            for action in ("cursor_down", "cursor_page", "cursor_last", "cursor_first") * max(1, rounds // 2):
                t = time.perf_counter()
                if action == "cursor_page":
                    table.action_cursor_page(1)
                else:
                    getattr(table, f"action_{action}")()
                done = asyncio.Event()
                app.call_after_refresh(done.set)
                await wait_event(done)
                keys.append((time.perf_counter() - t) * 1000)
            result["cursor_key_to_paint_ms"] = summary(keys)

            field = screen.query_one("#filter")
            typed = []
            for text in ("j", "jo", "job-01", "job-01[0-9]", "") * max(1, rounds // 5):
                t = time.perf_counter()
                field.value = text  # type: ignore[attr-defined]
                while screen._filter.text != text:  # type: ignore[attr-defined]
                    await asyncio.sleep(0)
                done = asyncio.Event()
                app.call_after_refresh(done.set)
                await wait_event(done)
                typed.append((time.perf_counter() - t) * 1000)
            result["filter_keystroke_ms"] = summary(typed)
    finally:
        probe.restore()
    return result


def split(probe: Probe, transport: Body) -> dict[str, float]:
    """One response's time: worker, UI handler, paint (wall ms) and the UI thread's CPU ms."""
    return {
        "worker": (probe.posted_at - transport.sent_at) * 1000,
        "ui": probe.ui_ms,
        "paint": (probe.painted_at - probe.handed_at) * 1000,
        "ui_cpu": (probe.painted_cpu - transport.sent_cpu) * 1000,
        "cpu": (probe.painted_process - transport.sent_process) * 1000,
    }


async def until_rows(pilot: Any, count: int) -> GroupsTable:
    """Wait until the table shows `count` rows.

    A plain sleep between looks: `pilot.pause` would make every widget of the screen process a
    message each time, work on the UI thread (and for the GIL) that a real session never does.
    """
    deadline = time.monotonic() + 180
    while True:
        table: GroupsTable = pilot.app.screen.query_one(GroupsTable)
        if table.row_count == count:
            return table
        if time.monotonic() > deadline:
            raise SystemExit("bench: the table never showed every group")
        await asyncio.sleep(0.02)


async def wait_event(event: asyncio.Event) -> None:
    await asyncio.wait_for(event.wait(), 120)


def cpu_ms(start: float) -> float:
    return round((time.thread_time() - start) * 1000, 1)


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return {"median": round(statistics.median(ordered), 1), "p90": round(p90, 1), "max": round(ordered[-1], 1)}


def _figure(run: dict[str, Any], path: str) -> float | None:
    value: Any = run
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return float(value) if isinstance(value, int | float) else None


def target_rows(runs: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's pgwtui targets: figure, value (ms), bound (ms), met ("yes", "**no**", or "n/a" when not run)."""
    rows = []
    for groups, path, figure, bound in TARGETS:
        value = _figure(runs[groups], path) if groups in runs else None
        met = "n/a" if value is None else ("yes" if value <= bound else "**no**")
        rows.append({"figure": f"pgwtui, {groups:,} groups: {figure}", "value": value, "bound": bound, "met": met})
    return rows


def markdown_targets(runs: dict[int, dict[str, Any]]) -> list[str]:
    """The targets as a Markdown table (RESULTS.md §7 and the bench's own output)."""
    lines = ["| pgwtui figure | ours | target | met? |", "| --- | ---: | ---: | :---: |"]
    for row in target_rows(runs):
        value = "not run" if row["value"] is None else f"{row['value']:,.0f} ms"
        lines.append(f"| {row['figure']} | {value} | ≤ {row['bound']:,.0f} ms | {row['met']} |")
    return lines


def markdown_run(r: dict[str, Any]) -> list[str]:
    def row(name: str, value: Any) -> str:
        if isinstance(value, dict):
            value = f"{value['median']} · {value['p90']} · {value['max']}"
        return f"| {name} | {value} |"

    first = r["first_load_split_ms"]
    return [
        f"pgwtui with {r['groups']:,} groups ({r['body_bytes'] / 1e6:.1f} MB of /api/v1/metrics):",
        "",
        "| measure (ms; median · p90 · max where repeated) | value |",
        "| --- | --- |",
        row("first load: response → painted table", r["first_load_ms"]),
        row("launch → painted table, the answer ready at once", r.get("launch_to_paint_ms", "—")),
        row(
            "first load split: worker · UI handler · paint · UI-thread CPU · process CPU",
            f"{first['worker']:.0f} · {first['ui']:.0f} · {first['paint']:.0f} · {first['ui_cpu']:.0f}"
            f" · {first['cpu']:.0f}",
        ),
        row("refresh, same data: response → painted", r["refresh_same_ms"]),
        row("refresh, 1% re-pushed: response → painted", r["refresh_1pct_changed_ms"]),
        row("… of which the worker (decode, assess; response → rows posted)", r["refresh_worker_ms"]),
        row("… of which the UI handler (filter, sort, hand rows to the table)", r["refresh_ui_ms"]),
        row("… of which the paint (rows handed over → painted)", r["refresh_paint_ms"]),
        row("UI-thread CPU per refresh (response → painted)", r["refresh_ui_cpu_ms"]),
        row("process CPU per refresh, every thread (response → painted)", r["refresh_cpu_ms"]),
        row("UI handler alone, same snapshot re-published", r["ui_thread_per_refresh_ms"]),
        row("cursor key → painted (down, page, end, home)", r["cursor_key_to_paint_ms"]),
        row("filter keystroke → painted", r["filter_keystroke_ms"]),
        row("pure, CPU: decode every group from scratch", r["parse_ms"]),
        row("pure, CPU: decode the 1%-re-pushed answer against the last one", r.get("parse_refresh_ms", "—")),
        row("pure, CPU: assess every group", r["assess_ms"]),
        row("pure, CPU: refresh the rows (keep the unchanged ones)", r.get("assess_refresh_ms", "—")),
        row("pure, CPU: sort by status", r["sort_ms"]),
        row("pure, CPU: regex filter", r["filter_ms"]),
    ]


def markdown(result: dict[str, Any]) -> str:
    runs = {int(k): v for k, v in result["runs"].items()}
    lines = [f"### pgwtui ({result['machine']}; load average {result['loadavg']})", ""]
    lines += markdown_targets(runs)
    for groups in sorted(runs):
        lines += ["", *markdown_run(runs[groups])]
    seeds = ", ".join(f"{runs[g]['seed_seconds']} s" for g in sorted(runs))
    lines += ["", f"Seeding the stores took {seeds} (not part of any measure)."]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tui", description=__doc__.splitlines()[0])
    parser.add_argument("--groups", default="10000,50000", help="comma-separated store sizes")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    load_before = os.getloadavg()
    runs = {}
    for groups in (int(g) for g in args.groups.split(",")):
        runs[groups] = asyncio.run(measure(groups, args.rounds))
        gc.collect()
    result: dict[str, Any] = {"runs": runs, "targets": target_rows(runs)}
    result["machine"] = (
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}"
    )
    result["loadavg"] = f"{load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after"
    result["when"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"tui-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(result))
    print(f"\nJSON: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
