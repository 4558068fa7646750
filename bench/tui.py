"""pgwtui with 10,000 groups: time from API response to painted table, refresh cost, UI-thread time, key latency.

Run: `python -m bench.tui [--groups N] [--rounds R]`. Prints Markdown, writes JSON to bench/out/.

The `/api/v1/metrics` body comes from our real gateway's store, seeded in-process (3 families,
~6 series per group; a tenth stale, a twentieth failed); the app reads it through an
`httpx.MockTransport` so the numbers are the client's and the TUI's, not the gateway's. The
real app runs headless (`run_test`, 140x40). "Painted" is Textual's `call_after_refresh`
after the table received its rows.
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
from pgwtui.app import PgwApp, create_app
from pgwtui.config import Settings
from pgwtui.connection import Connection
from pgwtui.models import Snapshot, parse_groups
from pgwtui.staleness import StalenessPolicy
from pgwtui.views.groups import RowFilter, build_rows, sort_rows
from pgwtui.widgets.groups_table import GroupsTable

NOW = 1_780_000_000.0
OUT = Path(__file__).resolve().parent / "out"


def seeded_body(groups: int, bump: int = 0) -> bytes:
    """The /api/v1/metrics body of a gateway with `groups` groups; `bump` of them re-pushed later."""
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
            f"batch_last_success_timestamp_seconds {NOW - age}\n"
        ).encode()
        grouping = {"job": job, "instance": f"host-{i:05d}.example.com:9100"}
        gateway.store.push(grouping, parse_text(body), replace=True, now_ns=int((NOW - age) * 1e9))
        if i % 20 == 0:
            bad = b"# TYPE batch_duration_seconds gauge\nbatch_duration_seconds 1 1000\n"
            gateway.store.push(grouping, parse_text(bad), replace=False, now_ns=int((NOW - 5) * 1e9))
    return gateway.api_metrics()


class Body(httpx.AsyncBaseTransport):
    """Serves a fixed /api/v1/metrics body and notes when each response left the transport."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.sent_at = 0.0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != "/api/v1/metrics":
            return httpx.Response(404)
        self.sent_at = time.perf_counter()
        return httpx.Response(200, content=self.body, headers={"Content-Type": "application/json"})


class Probe:
    """Timestamp of the first paint after the table received new rows."""

    def __init__(self, app: PgwApp) -> None:
        self.app = app
        self.painted: asyncio.Event = asyncio.Event()
        self.painted_at = 0.0
        self.ui_ms: list[float] = []
        table_cls: Any = GroupsTable
        original = table_cls.set_rows
        probe = self

        def set_rows(table: GroupsTable, rows: Any, *args: Any, **kwargs: Any) -> None:
            original(table, rows, *args, **kwargs)

            def mark() -> None:
                probe.painted_at = time.perf_counter()
                probe.painted.set()

            table.app.call_after_refresh(mark)

        table_cls.set_rows = set_rows
        self._restore: Callable[[], None] = lambda: setattr(table_cls, "set_rows", original)

    def restore(self) -> None:
        self._restore()


async def measure(groups: int, rounds: int) -> dict[str, Any]:
    started = time.perf_counter()
    body = seeded_body(groups)
    changed = seeded_body(groups, bump=groups // 100)
    seed_s = time.perf_counter() - started
    gc.collect()  # the seeding gateways' garbage is not the app's: do not bill it to the first measure
    result: dict[str, Any] = {"groups": groups, "body_bytes": len(body), "seed_seconds": round(seed_s, 2)}

    # Pure pieces (what a refresh does besides drawing).
    t = time.perf_counter()
    parsed, _ = parse_groups(body)
    result["parse_ms"] = ms(t)
    policy = StalenessPolicy(3600)
    t = time.perf_counter()
    rows = build_rows(parsed, policy, NOW)
    result["assess_ms"] = ms(t)
    t = time.perf_counter()
    sort_rows(rows, "status", True)
    result["sort_ms"] = ms(t)
    t = time.perf_counter()
    RowFilter.parse("job-01[0-9] host-0").apply(rows)
    result["filter_ms"] = ms(t)

    transport = Body(body)
    settings = Settings(Connection("http://bench:9091"), refresh_interval=0, policy=policy)
    app = create_app(settings, transport=transport, clock=lambda: NOW, tz=UTC)
    probe = Probe(app)
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            table = await until_rows(pilot, groups)
            await probe.painted.wait()
            result["first_load_ms"] = round((probe.painted_at - transport.sent_at) * 1000, 1)

            async def refresh_once(payload: bytes) -> float:
                transport.body = payload
                probe.painted.clear()
                app.refresh_groups()
                await app.workers.wait_for_complete()
                await wait_event(probe.painted)
                return (probe.painted_at - transport.sent_at) * 1000

            same = [await refresh_once(body) for _ in range(rounds)]
            moved = [await refresh_once(changed if i % 2 == 0 else body) for i in range(rounds)]
            result["refresh_same_ms"] = summary(same)
            result["refresh_1pct_changed_ms"] = summary(moved)

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
                probe.painted.clear()
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
            for text in ("j", "jo", "job-01", "job-01[0-9]", ""):
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


async def until_rows(pilot: Any, count: int) -> GroupsTable:
    deadline = time.monotonic() + 120
    while True:
        table: GroupsTable = pilot.app.screen.query_one(GroupsTable)
        if table.row_count == count:
            return table
        if time.monotonic() > deadline:
            raise SystemExit("bench: the table never showed every group")
        await pilot.pause(0.005)


async def wait_event(event: asyncio.Event) -> None:
    await asyncio.wait_for(event.wait(), 60)


def ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return {"median": round(statistics.median(ordered), 1), "p90": round(p90, 1), "max": round(ordered[-1], 1)}


def markdown(r: dict[str, Any]) -> str:
    def row(name: str, value: Any) -> str:
        if isinstance(value, dict):
            value = f"median {value['median']} · p90 {value['p90']} · max {value['max']}"
        return f"| {name} | {value} |"

    lines = [
        f"### pgwtui with {r['groups']:,} groups ({r['body_bytes'] / 1e6:.1f} MB of /api/v1/metrics)",
        "",
        "| measure (ms unless noted) | value |",
        "| --- | --- |",
        row("first load: response → painted table", r["first_load_ms"]),
        row("refresh, same data: response → painted", r["refresh_same_ms"]),
        row("refresh, 1% re-pushed: response → painted", r["refresh_1pct_changed_ms"]),
        row("UI-thread time per refresh (filter, sort, hand rows to the table)", r["ui_thread_per_refresh_ms"]),
        row("cursor key → painted (down, page, end, home)", r["cursor_key_to_paint_ms"]),
        row("filter keystroke → painted", r["filter_keystroke_ms"]),
        row("parse JSON → groups (worker thread)", r["parse_ms"]),
        row(f"assess {r['groups']:,} groups (staleness; worker thread)", r["assess_ms"]),
        row("sort by status", r["sort_ms"]),
        row("regex filter", r["filter_ms"]),
        "",
        f"{r['machine']}. Seeding the store took {r['seed_seconds']} s (not part of any measure).",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tui", description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    result = asyncio.run(measure(args.groups, args.rounds))
    result["machine"] = (
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}"
    )
    result["when"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"tui-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(result))
    print(f"\nJSON: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
