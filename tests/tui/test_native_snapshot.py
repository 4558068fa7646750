"""Snapshot of the group detail showing a native histogram (schema, zero bucket, buckets), beside the seeded demo.

Update after an intended change with `pytest tests/tui/test_native_snapshot.py --snapshot-update`,
then look at the SVG in `__snapshots__/` before committing it.
"""

from __future__ import annotations

from typing import Any

import httpx

from bridge.protocol.model import Histogram, Metric, MetricFamily, MetricType
from bridge.protocol.native import NativeHistogram, Span
from pgwtui.screens.group_detail import GroupDetailScreen
from tests.support.tui import table, wait_for
from tests.tui.conftest import NOW, SIZE, demo_gateway
from tests.tui.test_snapshots import FixedIdentity, app_for

KEY = (("instance", "api-1"), ("job", "latency"))
NATIVE = NativeHistogram(
    schema=3,
    zero_threshold=1e-128,
    zero_count=2,
    negative_spans=(Span(-2, 1),),
    negative_deltas=(4,),
    positive_spans=(Span(0, 2), Span(1, 1)),
    positive_deltas=(3, -1, 2),
)


def _gateway_with_a_native_histogram() -> Any:
    app = demo_gateway()
    family = MetricFamily(
        "rpc_seconds",
        MetricType.HISTOGRAM,
        "RPC latency (native).",
        [Metric(labels=(("path", "/api"),), histogram=Histogram(11, 99.23, [], native=NATIVE))],
    )
    verdict = app.gateway.seed(dict(KEY), {"rpc_seconds": family}, replace=True, now_ns=int((NOW - 30) * 1e9))
    assert verdict.accepted
    return app


def test_group_detail_with_a_native_histogram(snap_compare: Any) -> None:
    async def run(pilot: Any) -> None:
        await wait_for(pilot, lambda: table(pilot.app).row_count > 0 and pilot.app.state.info is not None, "loaded")
        table(pilot.app).move_to(KEY)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, GroupDetailScreen), "detail")

    transport = FixedIdentity(httpx.ASGITransport(app=_gateway_with_a_native_histogram()))
    assert snap_compare(app_for(transport), terminal_size=SIZE, run_before=run)
