"""Histograms through the whole gateway, in process: 1.11's `/api/v1/metrics` shapes, the store's verdicts, scrapes.

The API shapes are upstream's own fixtures (`api/v1/api_test.go @ v1.11.3`) and what the 1.11.0
binary answered (tests/differential/cases_native.py checks the same against it live).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bridge.gateway.config import GatewayConfig
from bridge.gateway.runtime import build_app
from tests.support import metrics_pb
from tests.support.inprocess import in_process_client

PB = {"Content-Type": metrics_pb.PROTO_CT}
DELIMITED = {"Accept": metrics_pb.PROTO_CT}


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with in_process_client(build_app(GatewayConfig())) as c:
        yield c


def _histogram_family(name: str, mtype: int = 4, **fields: Any) -> Any:
    mf = metrics_pb.MetricFamily(name=name, type=mtype)
    h = mf.metric.add().histogram
    for key, value in fields.items():
        if key in ("negative_span", "positive_span"):
            for offset, length in value:
                getattr(h, key).add(offset=offset, length=length)
        elif key == "bucket":
            for bucket in value:
                h.bucket.add(**bucket)
        elif isinstance(value, list):
            getattr(h, key).extend(value)
        else:
            setattr(h, key, value)
    return mf


def _push(client: httpx.Client, *families: Any, job: str = "j") -> httpx.Response:
    return client.put(f"/metrics/job/{job}", content=metrics_pb.delimited(*families), headers=PB)


def _api_metric(client: httpx.Client, name: str, job: str = "j") -> dict[str, Any]:
    response = client.get("/api/v1/metrics")
    assert response.status_code == 200, response.text
    (group,) = [g for g in response.json()["data"] if g["labels"]["job"] == job]
    (metric,) = group[name]["metrics"]
    return {k: v for k, v in metric.items() if k != "labels"}


SPANS = [(0, 2), (0, 2)]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param(
            {
                "sample_count": 20,
                "sample_sum": 99.23,
                "schema": 1,
                "zero_threshold": 0.001,
                "negative_span": SPANS,
                "negative_delta": [0, 2, -2, 0],
                "positive_span": SPANS,
                "positive_delta": [0, 2, -2, 0],
            },
            {
                "buckets": [[1, "-1.414213562373095", "-1", "2"], [0, "1", "1.414213562373095", "2"]],
                "count": "20",
                "sum": "99.23",
            },
            id="integer native (upstream's fixture)",
        ),
        pytest.param(
            {
                "sample_count_float": 20,
                "sample_sum": 99.23,
                "schema": 1,
                "zero_threshold": 0.001,
                "negative_span": SPANS,
                "negative_count": [2, 2, -2, 0],
                "positive_span": SPANS,
                "positive_count": [2, 2, -2, 0],
            },
            {
                "buckets": [
                    [1, "-2", "-1.414213562373095", "-2"],
                    [1, "-1.414213562373095", "-1", "2"],
                    [1, "-1", "-0.7071067811865475", "2"],
                    [0, "0.7071067811865475", "1", "2"],
                    [0, "1", "1.414213562373095", "2"],
                    [0, "1.414213562373095", "2", "-2"],
                ],
                "count": "20",
                "sum": "99.23",
            },
            id="float native (upstream's fixture)",
        ),
        pytest.param(
            {
                "sample_count_float": 20,
                "sample_sum": 99.23,
                "bucket": [
                    {"cumulative_count_float": 3, "upper_bound": 250000},
                    {"cumulative_count_float": 17, "upper_bound": 500000},
                ],
            },
            {"buckets": {"250000": "3", "500000": "17"}, "count": "20", "sum": "99.23"},
            id="classic float (upstream's fixture)",
        ),
        pytest.param(
            {
                "sample_count": 10,
                "sample_sum": 3,
                "schema": 0,
                "zero_threshold": 0.001,
                "zero_count": 1,
                "bucket": [{"cumulative_count": 4, "upper_bound": 1}],
                "positive_span": [(-1, 3)],
                "positive_delta": [1, 2, -1],
            },
            {
                "buckets": [
                    [3, "-0.001", "0.001", "1"],
                    [0, "0.25", "0.5", "1"],
                    [0, "0.5", "1", "3"],
                    [0, "1", "2", "2"],
                ],
                "count": "10",
                "sum": "3",
            },
            id="mixed: the native list only",
        ),
        pytest.param(
            {"sample_count": 5, "schema": 3, "zero_count": 5, "zero_threshold": 0.1},
            {"buckets": {}, "count": "5", "sum": "0"},
            id="zero bucket but no span: classic",
        ),
        pytest.param(
            {"positive_span": [(0, 0)]}, {"buckets": [], "count": "0", "sum": "0"}, id="no-op span, no observations"
        ),
        pytest.param(
            {
                "sample_count": 2,
                "sample_count_float": float("nan"),
                "bucket": [{"cumulative_count_float": 1.5, "upper_bound": 1}],
            },
            {"buckets": {"1": "1.5"}, "count": "2", "sum": "0"},
            id="NaN float count: the integer count",
        ),
    ],
)
def test_api_shapes(client: httpx.Client, fields: dict[str, Any], expected: dict[str, Any]) -> None:
    assert _push(client, _histogram_family("h", **fields)).status_code == 200
    assert _api_metric(client, "h") == expected


def test_gauge_histograms_show_a_value_in_the_api_and_a_histogram_in_text(client: httpx.Client) -> None:
    family = _histogram_family(
        "g", mtype=5, sample_count=3, sample_sum=1.5, bucket=[{"cumulative_count": 2, "upper_bound": 1}]
    )
    assert _push(client, family).status_code == 200
    assert _api_metric(client, "g") == {"value": "0"}
    text = client.get("/metrics").text
    assert (
        '# TYPE g histogram\ng_bucket{instance="",job="j",le="1"} 2\ng_bucket{instance="",job="j",le="+Inf"} 3\n'
        in text
    )


def test_a_gauge_histogram_without_a_histogram_is_refused(client: httpx.Client) -> None:
    response = _push(client, metrics_pb.family("g", "GAUGE_HISTOGRAM", None, [{"gauge": 1}]))
    assert response.status_code == 400
    assert "is not a GAUGE_HISTOGRAM" in response.text
    assert client.get("/metrics").text.endswith("\n")


def test_histogram_and_gauge_histogram_of_one_name_conflict(client: httpx.Client) -> None:
    assert _push(client, _histogram_family("h", sample_count=1), job="a").status_code == 200
    response = _push(client, _histogram_family("h", mtype=5, sample_count=1), job="b")
    assert response.status_code == 400
    assert "is not a HISTOGRAM" in response.text


def test_exemplars_and_created_timestamps_are_allowed_but_not_timestamps(client: httpx.Client) -> None:
    mf = metrics_pb.family("c", "COUNTER", None, [{"counter": 1}])
    counter = mf.metric[0].counter
    counter.exemplar.value = 0.5
    counter.exemplar.timestamp.seconds = 1_700_000_000
    counter.created_timestamp.seconds = 1_690_000_000
    assert _push(client, mf).status_code == 200
    stamped = metrics_pb.family("t", "GAUGE", None, [{"gauge": 1, "timestamp_ms": 5}])
    assert _push(client, stamped).status_code == 400


def test_a_schema_without_bounds_answers_1_11_s_api_error_until_it_is_gone(client: httpx.Client) -> None:
    broken = _histogram_family("nh", sample_count=1, schema=9, positive_span=[(0, 1)], positive_delta=[1])
    assert _push(client, broken, job="bad").status_code == 200
    assert _push(client, metrics_pb.family("ok", "GAUGE", None, [{"gauge": 1}]), job="good").status_code == 200
    for _ in range(2):  # not cached: the same answer each time
        response = client.get("/api/v1/metrics")
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/json"
        assert response.headers["access-control-allow-origin"] == "*"
        assert response.content == (
            b'{"status":"error","errorType":"internal",'
            b'"error":"native histogram schema 9 has no bucket bounds (supported: 8 and below)"}'
        )
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", headers=DELIMITED).status_code == 200
    assert client.delete("/metrics/job/bad").status_code == 202
    assert client.get("/api/v1/metrics").status_code == 200


def test_the_protobuf_scrape_is_the_push_with_the_grouping_labels(client: httpx.Client) -> None:
    mf = _histogram_family(
        "nh",
        sample_count=4,
        sample_sum=5,
        schema=0,
        zero_threshold=0.001,
        zero_count=0,
        positive_span=[(0, 2)],
        positive_delta=[4, -1],
        negative_span=[(-2, 1)],
        negative_delta=[1],
    )
    mf.metric[0].histogram.created_timestamp.seconds = 1_690_000_002
    assert _push(client, mf).status_code == 200
    scraped = {f.name: f for f in metrics_pb.parse_delimited(client.get("/metrics", headers=DELIMITED).content)}
    expected = metrics_pb.MetricFamily()
    expected.CopyFrom(mf)
    del expected.metric[0].label[:]
    expected.metric[0].label.add(name="instance", value="")
    expected.metric[0].label.add(name="job", value="j")
    assert scraped["nh"].SerializeToString() == expected.SerializeToString()
    assert json.loads(client.get("/api/v1/metrics").content)["status"] == "success"
