"""The real prometheus_client push functions against a real `pgw-bridge serve` process and the Go binary."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import prometheus_client
import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Summary
from prometheus_client.exposition import delete_from_gateway, push_to_gateway, pushadd_to_gateway

from tests.support.diff import normalise_api, normalise_metrics
from tests.support.servers import BridgeProcess, GoGateway

pytestmark = pytest.mark.oracle


@pytest.fixture(autouse=True)
def _no_created_series() -> Iterator[None]:
    """`*_created` samples carry the creation time, which differs between the two pushes."""
    prometheus_client.disable_created_metrics()
    yield
    prometheus_client.enable_created_metrics()


@pytest.fixture
def bridge() -> Iterator[BridgeProcess]:
    process = BridgeProcess(["--web.enable-admin-api"])
    yield process
    process.stop()


def registry(value: float) -> CollectorRegistry:
    reg = CollectorRegistry()
    Gauge("job_last_success_unixtime", "Last time the batch job succeeded", registry=reg).set(value)
    Counter("job_records", "Records processed", ["kind"], registry=reg).labels("a/b").inc(value)
    Histogram("job_duration_seconds", "Duration", buckets=(0.5, 1.0), registry=reg).observe(0.7)
    Summary("job_size_bytes", "Size", registry=reg).observe(42)
    return reg


GROUPINGS = [{}, {"instance": "db/1"}, {"instance": ""}, {"instance": "x", "shard": "ü 1"}]


def exercise(url: str) -> None:
    address = url.removeprefix("http://")
    for i, grouping in enumerate(GROUPINGS):
        push_to_gateway(address, job=f"batch/{i}", registry=registry(i), grouping_key=grouping)
    pushadd_to_gateway(address, job="batch/1", registry=registry(10), grouping_key=GROUPINGS[1])
    extra = CollectorRegistry()
    Gauge("added_later", "Added by pushadd", registry=extra).set(5)
    pushadd_to_gateway(address, job="batch/2", registry=extra, grouping_key=GROUPINGS[2])
    delete_from_gateway(address, job="batch/3", grouping_key=GROUPINGS[3])


def test_push_functions_give_the_same_state_as_on_the_go_gateway(
    bridge: BridgeProcess, go_gateway: Callable[..., GoGateway]
) -> None:
    go = go_gateway()
    exercise(bridge.url)
    exercise(go.url)
    import time

    time.sleep(0.1)  # the Go gateway applies DELETE asynchronously
    ours_api = normalise_api(httpx.get(bridge.url + "/api/v1/metrics").content)
    go_api = normalise_api(httpx.get(go.url + "/api/v1/metrics").content)
    assert ours_api == go_api
    labels = [g["labels"] for g in ours_api]
    assert {"job": "batch/1", "instance": "db/1"} in labels, "a '/' in a value, sent with @base64"
    assert {"job": "batch/2", "instance": ""} in labels, "an empty value"
    assert all(g["labels"].get("shard") != "ü 1" for g in ours_api), "deleted"
    group2 = next(g for g in ours_api if g["labels"] == {"job": "batch/2", "instance": ""})
    assert "added_later" in group2 and "job_records_total" in group2, "pushadd kept the other families"
    ours_text = httpx.get(bridge.url + "/metrics").text
    go_text = httpx.get(go.url + "/metrics").text
    assert normalise_metrics(ours_text, resort=False) == normalise_metrics(go_text, resort=True)


def test_rejected_push_raises_in_the_client(bridge: BridgeProcess) -> None:
    address = bridge.url.removeprefix("http://")
    reg = CollectorRegistry()
    Counter("clash", "a counter", registry=reg).inc()
    push_to_gateway(address, job="a", registry=reg)
    other = CollectorRegistry()
    Gauge("clash_total", "now a gauge", registry=other).set(1)
    with pytest.raises(OSError, match="400"):
        push_to_gateway(address, job="b", registry=other)
    group = next(g for g in httpx.get(bridge.url + "/api/v1/metrics").json()["data"] if g["labels"]["job"] == "b")
    assert group["last_push_successful"] is False
