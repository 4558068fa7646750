"""`pgw-bridge serve --persistence.file` keeps what 1.11 pushes bring across a restart: native histograms, exemplars, created timestamps.

A Go-style protobuf push (what a client_golang program sends: integer and float native histograms
with spans, deltas or counts, a zero bucket and exemplars; a mixed classic + native histogram
with bucket exemplars; a native gauge histogram; created timestamps; unknown fields), built with
google.protobuf, and text pushes with float histogram counts and a gauge histogram go to a real
process; it is stopped (SIGTERM or SIGKILL) and started again on the same file. The protobuf
scrape must be byte for byte what it was, `/api/v1/metrics` and the text scrape equal, and the
restored scrape must still hold every exemplar and timestamp that was pushed.
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from google.protobuf.internal import decoder

from tests.e2e.conftest import StartBridge
from tests.e2e.helpers import TIMESTAMP_FAMILIES, api_groups, family_blocks, groups_by_labels, label_key
from tests.support import metrics_pb

TRACE_SECONDS = 1_700_000_000
CREATED_SECONDS = 1_690_000_000
RICH = ("rpc_seconds", "rpc_mixed_seconds", "queue_load", "inflight_hist", "requests_total", "rpc_summary", "odd")
TEXT_FLOAT = "text_float_seconds"
TEXT_GAUGE = "text_gauge_hist"
CLASSIC = "text_classic_total"
FAMILIES = (*RICH, TEXT_FLOAT, TEXT_GAUGE, CLASSIC, *TIMESTAMP_FAMILIES)
TEXT_BODY = f"""# TYPE {TEXT_FLOAT} histogram
{TEXT_FLOAT}_bucket{{le="0.5"}} 1.5
{TEXT_FLOAT}_bucket{{le="+Inf"}} 2.75
{TEXT_FLOAT}_sum 3.125
{TEXT_FLOAT}_count 2.75
# HELP {TEXT_GAUGE} A gauge histogram.
# TYPE {TEXT_GAUGE} gaugehistogram
{TEXT_GAUGE}_bucket{{le="1"}} 2
{TEXT_GAUGE}_bucket{{le="+Inf"}} 3
{TEXT_GAUGE}_sum 4
{TEXT_GAUGE}_count 3
# TYPE {CLASSIC} counter
{CLASSIC}{{path="/a"}} 7
"""


def _exemplar(target: Any, value: float, trace: str, nanos: int) -> None:
    target.value = value
    target.label.add(name="trace_id", value=trace)
    target.timestamp.seconds = TRACE_SECONDS
    target.timestamp.nanos = nanos


def _native(h: Any, *, schema: int = 3) -> None:
    h.sample_count = 11
    h.sample_sum = 99.23
    h.schema = schema
    h.zero_threshold = 2.938735877055719e-39
    h.zero_count = 2
    h.negative_span.add(offset=-2, length=1)
    h.negative_delta.extend([4])
    h.positive_span.add(offset=0, length=2)
    h.positive_span.add(offset=1, length=1)
    h.positive_delta.extend([3, -1, 2])
    h.created_timestamp.seconds = CREATED_SECONDS


def _go_style_push() -> bytes:
    families = []
    rpc = metrics_pb.MetricFamily(name="rpc_seconds", help="RPC latency.", type="HISTOGRAM")
    for code, trace in (("200", "a1"), ("500", "b2")):
        m = rpc.metric.add()
        m.label.add(name="code", value=code)
        _native(m.histogram)
        _exemplar(m.histogram.exemplars.add(), 0.042, trace, 5)
        _exemplar(m.histogram.exemplars.add(), 3.5, trace + "x", 6)
    families.append(rpc)

    mixed = metrics_pb.MetricFamily(name="rpc_mixed_seconds", help="Classic and native.", type="HISTOGRAM")
    h = mixed.metric.add().histogram
    _native(h, schema=0)
    for bound, count in ((0.5, 1), (1.0, 4), (math.inf, 11)):
        h.bucket.add(cumulative_count=count, upper_bound=bound)
    _exemplar(h.bucket[1].exemplar, 0.75, "bucket", 7)
    families.append(mixed)

    load = metrics_pb.MetricFamily(name="queue_load", type="HISTOGRAM")
    f = load.metric.add().histogram
    f.sample_count_float = 7.75
    f.sample_sum = 3.25
    f.schema = -1
    f.zero_threshold = 0.5
    f.zero_count_float = 1.5
    f.negative_span.add(offset=0, length=1)
    f.negative_count.extend([0.25])
    f.positive_span.add(offset=1, length=2)
    f.positive_count.extend([2.5, 3.5])
    families.append(load)

    gauge = metrics_pb.MetricFamily(name="inflight_hist", help="", type="GAUGE_HISTOGRAM")
    _native(gauge.metric.add().histogram, schema=8)
    families.append(gauge)

    requests = metrics_pb.MetricFamily(name="requests_total", help="Requests.", type="COUNTER")
    c = requests.metric.add().counter
    c.value = 5.0
    _exemplar(c.exemplar, 1.5, "abc", 8)
    c.created_timestamp.seconds = CREATED_SECONDS
    c.created_timestamp.nanos = 5
    families.append(requests)

    summary = metrics_pb.MetricFamily(name="rpc_summary", type="SUMMARY")
    s = summary.metric.add().summary
    s.sample_count = 3
    s.sample_sum = 1.5
    s.quantile.add(quantile=0.5, value=0.25)
    s.created_timestamp.seconds = CREATED_SECONDS
    families.append(summary)

    odd = metrics_pb.MetricFamily(name="odd", type="GAUGE")
    m = odd.metric.add()
    m.label.add(name="novalue")
    m.gauge.value = 1.0
    m.gauge.MergeFromString(b"\xa0\x06\x2a")  # field 100: unknown to client_model
    m.MergeFromString(b"\xaa\x06\x03abc")  # field 101
    families.append(odd)
    return metrics_pb.delimited(*families)


def _frames(body: bytes) -> dict[str, bytes]:
    """The protobuf scrape's messages of our families, as served (not re-encoded)."""
    frames: dict[str, bytes] = {}
    pos = 0
    while pos < len(body):
        size, pos = decoder._DecodeVarint32(body, pos)
        message = body[pos : pos + size]
        pos += size
        name = metrics_pb.MetricFamily.FromString(message).name
        if name in FAMILIES:
            frames[name] = message
    return frames


def _view(url: str) -> tuple[dict[Any, Any], str, dict[str, bytes]]:
    with httpx.Client(base_url=url, timeout=10) as client:
        api = groups_by_labels(api_groups(client))
        text = client.get("/metrics")
        proto = client.get("/metrics", headers={"Accept": metrics_pb.PROTO_CT})
    assert text.status_code == 200 and proto.status_code == 200
    return api, family_blocks(text.text, FAMILIES), _frames(proto.content)


def _assert_holds_what_was_pushed(frames: dict[str, bytes]) -> None:
    """The scrape carries the fields the test is about (else equal views before and after would prove little)."""
    assert set(frames) == set(FAMILIES)
    parsed = {name: metrics_pb.MetricFamily.FromString(data) for name, data in frames.items()}
    rpc = parsed["rpc_seconds"].metric
    assert [(e.label[0].value, e.value, e.timestamp.nanos) for e in rpc[1].histogram.exemplars] == [
        ("b2", 0.042, 5),
        ("b2x", 3.5, 6),
    ]
    native = rpc[0].histogram
    assert (native.schema, native.zero_count, list(native.positive_delta)) == (3, 2, [3, -1, 2])
    assert native.created_timestamp.seconds == CREATED_SECONDS
    mixed = parsed["rpc_mixed_seconds"].metric[0].histogram
    assert mixed.bucket[1].exemplar.label[0].value == "bucket" and len(mixed.positive_span) == 2
    load = parsed["queue_load"].metric[0].histogram
    assert (load.sample_count_float, load.zero_count_float, list(load.positive_count)) == (7.75, 1.5, [2.5, 3.5])
    assert parsed["inflight_hist"].type == 5  # GAUGE_HISTOGRAM
    assert parsed["inflight_hist"].metric[0].histogram.schema == 8
    counter = parsed["requests_total"].metric[0].counter
    assert counter.exemplar.value == 1.5 and counter.created_timestamp.nanos == 5
    assert parsed["rpc_summary"].metric[0].summary.created_timestamp.seconds == CREATED_SECONDS
    odd = parsed["odd"].metric[0]
    novalue = [pair for pair in odd.label if pair.name == "novalue"]
    assert len(novalue) == 1 and not novalue[0].HasField("value") and b"\xaa\x06\x03abc" in frames["odd"]
    text_float = parsed[TEXT_FLOAT].metric[0].histogram
    assert text_float.sample_count_float == 2.75 and text_float.bucket[0].cumulative_count_float == 1.5


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGKILL"])
def test_a_go_style_native_push_survives_a_restart_exactly(bridge: StartBridge, tmp_path: Path, stop: str) -> None:
    path = tmp_path / "pgw.sqlite"
    server = bridge([f"--persistence.file={path}"])
    with httpx.Client(base_url=server.url, timeout=10) as client:
        answer = client.put(
            "/metrics/job/gostyle", content=_go_style_push(), headers={"Content-Type": metrics_pb.PROTO_CT}
        )
        assert answer.status_code == 200, answer.text
        answer = client.put("/metrics/job/text/instance/i1", content=TEXT_BODY)
        assert answer.status_code == 200, answer.text
    before = _view(server.url)
    _assert_holds_what_was_pushed(before[2])
    if stop == "SIGKILL":
        server.kill()
    else:
        assert server.stop() == 0

    # What the file holds: a protobuf blob for each family JSON cannot carry, JSON for the classic one.
    conn = sqlite3.connect(path)
    try:
        forms = dict(conn.execute("SELECT name, typeof(data) FROM families").fetchall())
    finally:
        conn.close()
    assert {name: forms[name] for name in (*RICH, TEXT_FLOAT)} == dict.fromkeys((*RICH, TEXT_FLOAT), "blob")
    assert (forms[TEXT_GAUGE], forms[CLASSIC]) == ("text", "text")

    restarted = bridge([f"--persistence.file={path}"])
    after = _view(restarted.url)
    assert after[2] == before[2], "the protobuf scrape differs after the restart"
    assert after[0] == before[0], "/api/v1/metrics differs after the restart"
    assert after[1] == before[1], "the text scrape differs after the restart"
    _assert_holds_what_was_pushed(after[2])
    assert set(after[0]) == {label_key({"job": "gostyle"}), label_key({"job": "text", "instance": "i1"})}
