"""A family pushed to one replica is served byte for byte by the others: native histograms, exemplars, float counts, unknown fields.

The push is built with google.protobuf (independently of our codec). Replica B learns it from the
change feed, replica C (started afterwards) from the tables; each family's message in their
protobuf scrapes must be the very bytes replica A serves, which are what a single gateway serves
for the same push, and `/api/v1/metrics` must be the same bytes on every replica.
"""

from __future__ import annotations

import httpx
import pytest
from google.protobuf import text_format

from tests.e2e.conftest import StartBridge
from tests.e2e.replicas import start_replicas, wait_converged
from tests.support import metrics_pb
from tests.support.normalise import OWN_PREFIXES

pytestmark = pytest.mark.slow

PB = {"Content-Type": metrics_pb.PROTO_CT}
SCRAPE = {"Accept": metrics_pb.PROTO_CT, "Accept-Encoding": "identity"}

NATIVE = (
    'name: "rpc_seconds" help: "RPC latency." type: HISTOGRAM metric { label { name: "code" value: "200" }'
    " histogram { sample_count: 7 sample_sum: 3.25 schema: 0 zero_threshold: 2.938735877055719e-39 zero_count: 1"
    " negative_span { offset: 0 length: 1 } negative_delta: 1"
    " positive_span { offset: -1 length: 2 } positive_span { offset: 1 length: 1 }"
    " positive_delta: 2 positive_delta: 1 positive_delta: -2 created_timestamp { seconds: 1700000000 nanos: 5 }"
    ' exemplars { label { name: "trace_id" value: "abc" } value: 0.7 timestamp { seconds: 1700000001 } } } }'
)
FLOAT = (
    'name: "nf" type: GAUGE_HISTOGRAM metric { histogram { sample_count_float: 7.75 sample_sum: 3.25 schema: -1'
    " zero_threshold: 0.5 zero_count_float: 1.5 negative_span { offset: 0 length: 1 } negative_count: 0.25"
    " positive_span { offset: 1 length: 2 } positive_count: 2.5 positive_count: 3.5 } }"
)
COUNTER = (
    'name: "c_total" type: COUNTER metric { counter { value: 12'
    ' exemplar { label { name: "trace_id" value: "x" } value: 1 timestamp { seconds: 1700000000 } }'
    " created_timestamp { seconds: 1699999999 } } }"
)
PUSHED = [text_format.Parse(text, metrics_pb.MetricFamily()) for text in (NATIVE, FLOAT, COUNTER)]


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def scraped_messages(url: str) -> dict[str, bytes]:
    """Each pushed family's message in the delimited protobuf scrape, as the bytes on the wire."""
    answer = httpx.get(f"{url}/metrics", headers=SCRAPE, timeout=10)
    assert answer.status_code == 200 and "encoding=delimited" in answer.headers["content-type"]
    data, pos, out = answer.content, 0, {}
    while pos < len(data):
        size, pos = _varint(data, pos)
        message = data[pos : pos + size]
        pos += size
        name = metrics_pb.MetricFamily.FromString(message).name
        if not name.startswith((*OWN_PREFIXES, "pgw_bridge_")):
            out[name] = message
    return out


def test_a_pushed_native_histogram_is_served_byte_for_byte_by_every_replica(bridge: StartBridge, pg_dsn: str) -> None:
    single = bridge([])
    a, b = start_replicas(bridge, pg_dsn, 2)
    body = metrics_pb.delimited(*PUSHED)
    for server in (single, a):
        assert httpx.put(f"{server.url}/metrics/job/native", content=body, headers=PB).status_code == 200
    wait_converged([a.url, b.url], at_least=1)
    (c,) = start_replicas(bridge, pg_dsn, 1)  # loads the tables; never saw the feed entry
    wait_converged([a.url, b.url, c.url], at_least=1)

    served = {server.url: scraped_messages(server.url) for server in (a, b, c)}
    assert served[b.url] == served[a.url] and served[c.url] == served[a.url]
    assert set(served[a.url]) == {"rpc_seconds", "nf", "c_total", "push_time_seconds", "push_failure_time_seconds"}
    reference = scraped_messages(single.url)
    for family in PUSHED:
        assert served[a.url][family.name] == reference[family.name], f"{family.name}: not as one gateway serves it"
        (metric,) = metrics_pb.MetricFamily.FromString(served[a.url][family.name]).metric
        kind = "histogram" if family.metric[0].HasField("histogram") else "counter"
        # What the client sent, sub-message for sub-message (the grouping labels are the gateway's).
        assert getattr(metric, kind).SerializeToString() == getattr(family.metric[0], kind).SerializeToString()

    api = {server.url: httpx.get(f"{server.url}/api/v1/metrics", timeout=10).content for server in (a, b, c)}
    assert api[b.url] == api[a.url] and api[c.url] == api[a.url]
    one = httpx.get(f"{single.url}/api/v1/metrics", timeout=10).json()["data"][0]
    many = httpx.get(f"{a.url}/api/v1/metrics", timeout=10).json()["data"][0]
    assert many["rpc_seconds"]["metrics"][0]["buckets"], "the native buckets, as 1.11's API lists them"
    for name in ("rpc_seconds", "nf", "c_total"):
        # The arrival time is each gateway's own; everything else as one gateway shows it.
        assert {**many[name], "time_stamp": ""} == {**one[name], "time_stamp": ""}, name
