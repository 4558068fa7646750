"""Prometheus 2.53.3 (`--enable-feature=native-histograms`) scrapes ours and the real 1.11.0 and sees the same native histograms.

Both gateways get the same protobuf push (built with our codec); one Prometheus scrapes both
(`honor_labels: false`, so their series stay apart) over the protobuf format it asks for, and its
query API must give the same histogram for each, and the buckets our `/api/v1/metrics` shows.
Buckets touching the zero bucket are avoided: Prometheus clamps them to the zero threshold, the
gateway's API does not (a difference between the two, not between the gateways).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bridge.protocol.model import Histogram, Metric, MetricFamily, MetricType
from bridge.protocol.native import NativeHistogram, Span
from bridge.protocol.protobuf import encode_delimited
from tests.e2e.conftest import StartBridge
from tests.e2e.helpers import poll
from tests.support import oracles
from tests.support.metrics_pb import PROTO_CT
from tests.support.nativehist_oracle import pushgateway_111
from tests.support.prometheus import PrometheusProcess

pytestmark = [pytest.mark.prometheus, pytest.mark.oracle, pytest.mark.slow]

# Counts add up (count = zero bucket + every bucket): Prometheus refuses the whole scrape otherwise.
INTEGER = NativeHistogram(
    schema=3,
    zero_threshold=1e-128,
    zero_count=2,
    negative_spans=(Span(-2, 1),),
    negative_deltas=(4,),
    positive_spans=(Span(0, 2), Span(1, 1)),
    positive_deltas=(3, -1, 2),
)
FLOAT = NativeHistogram(
    schema=-1,
    zero_threshold=0.5,
    zero_count_float=1.5,
    negative_spans=(Span(1, 1),),
    negative_counts=(0.25,),
    positive_spans=(Span(1, 2),),
    positive_counts=(2.5, 3.5),
)
MIXED = NativeHistogram(
    schema=0, zero_threshold=0.001, zero_count=1, positive_spans=(Span(1, 3),), positive_deltas=(1, 2, -1)
)
FAMILIES = [
    MetricFamily(
        "nh", MetricType.HISTOGRAM, "native int", [Metric(histogram=Histogram(15, 99.23, [], native=INTEGER))]
    ),
    MetricFamily(
        "nf",
        MetricType.HISTOGRAM,
        None,
        [Metric(histogram=Histogram(0, 3.25, [], sample_count_float=7.75, native=FLOAT))],
    ),
    MetricFamily(
        "mh",
        MetricType.HISTOGRAM,
        None,
        [Metric(histogram=Histogram(7, 3.0, [(0.5, 1), (1.0, 4)], native=MIXED))],
    ),
]


@pytest.fixture
def gateways(bridge: StartBridge) -> Iterator[tuple[str, str]]:
    ours = bridge()
    with pushgateway_111() as go:
        body = encode_delimited(FAMILIES)
        for url in (go, ours.url):
            response = httpx.put(f"{url}/metrics/job/nat", content=body, headers={"Content-Type": PROTO_CT})
            assert response.status_code == 200, response.text
        yield go, ours.url


@pytest.fixture
def prometheus(gateways: tuple[str, str]) -> Iterator[PrometheusProcess]:
    binary = str(oracles.require(oracles.PROMETHEUS))
    server = PrometheusProcess(binary, list(gateways), honor_labels=False, args=["--enable-feature=native-histograms"])
    try:
        yield server
    finally:
        server.stop()


def _by_gateway(prometheus: PrometheusProcess, expr: str) -> dict[str, dict[str, Any]] | None:
    """`expr`'s native histogram per scrape job (pushgateway0: 1.11.0, pushgateway1: ours), once both are there."""
    found = {r["metric"]["job"]: r["histogram"][1] for r in prometheus.query(expr) if "histogram" in r}
    return found if len(found) == 2 else None


@pytest.mark.parametrize("name", ["nh", "nf", "mh"])
def test_prometheus_sees_the_same_native_histogram_from_both(
    gateways: tuple[str, str], prometheus: PrometheusProcess, name: str
) -> None:
    seen = poll(lambda: _by_gateway(prometheus, name), timeout=30, what=f"{name} scraped from both gateways")
    assert seen["pushgateway1"] == seen["pushgateway0"]
    assert all(t["health"] == "up" for t in prometheus.targets()), prometheus.targets()
    (group,) = [g for g in httpx.get(gateways[1] + "/api/v1/metrics").json()["data"] if g["labels"]["job"] == "nat"]
    (metric,) = group[name]["metrics"]
    assert seen["pushgateway1"]["buckets"] == metric["buckets"]
    assert seen["pushgateway1"]["count"] == metric["count"]


def test_the_classic_part_of_a_mixed_histogram_is_not_ingested(prometheus: PrometheusProcess) -> None:
    poll(lambda: _by_gateway(prometheus, "mh"), timeout=30, what="mh scraped from both gateways")
    assert prometheus.query("mh_bucket") == []
    assert [r["value"][1] for r in prometheus.query("histogram_count(mh)")] == ["7", "7"]
