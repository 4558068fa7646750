"""Where we deliberately differ from the real 1.11.0 (Debian build) on histograms and protobuf: its answer, then ours.

Ours answers as upstream 1.11.3 does where the Debian build links older libraries (float histogram
counts in text, the text parser's histogram rules, gauge histograms), and answers at all where
1.11.0 drops the connection. README's table of deliberate differences lists each.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from google.protobuf import text_format

from tests.support import metrics_pb
from tests.support.nativehist_oracle import pushgateway_111
from tests.support.servers import ThreadGateway

pytestmark = pytest.mark.oracle
PB = {"Content-Type": metrics_pb.PROTO_CT}


@pytest.fixture
def urls() -> Iterator[tuple[str, str]]:
    ours = ThreadGateway()
    try:
        with pushgateway_111() as go:
            yield go, ours.url
    finally:
        ours.stop()


def _fam(text: str) -> bytes:
    return metrics_pb.delimited(text_format.Parse(text, metrics_pb.MetricFamily()))


def _lines(url: str, prefix: str) -> list[str]:
    return [line for line in httpx.get(url + "/metrics").text.splitlines() if line.startswith(prefix)]


def test_float_histogram_counts_in_text(urls: tuple[str, str]) -> None:
    go, ours = urls
    body = _fam(
        'name: "cf" type: HISTOGRAM metric { histogram { sample_count_float: 4.5 sample_sum: 2'
        " bucket { cumulative_count_float: 1.5 upper_bound: 0.5 } } }"
    )
    for url in urls:
        assert httpx.put(url + "/metrics/job/f", content=body, headers=PB).status_code == 200
    # 1.11.0 reads only the integer fields (common 0.62): every count 0.
    assert _lines(go, "cf_") == [
        'cf_bucket{instance="",job="f",le="0.5"} 0',
        'cf_bucket{instance="",job="f",le="+Inf"} 0',
        'cf_sum{instance="",job="f"} 2',
        'cf_count{instance="",job="f"} 0',
    ]
    assert _lines(ours, "cf_") == [
        'cf_bucket{instance="",job="f",le="0.5"} 1.5',
        'cf_bucket{instance="",job="f",le="+Inf"} 4.5',
        'cf_sum{instance="",job="f"} 2',
        'cf_count{instance="",job="f"} 4.5',
    ]


def test_float_and_negative_histogram_counts_in_a_text_push(urls: tuple[str, str]) -> None:
    go, ours = urls
    body = b'# TYPE h histogram\nh_bucket{le="1"} 1.5\nh_count 2.5\n'
    for url in urls:
        assert httpx.put(url + "/metrics/job/t", content=body).status_code == 200
    assert _lines(go, "h_count") == ['h_count{instance="",job="t"} 2']  # truncated with uint64()
    assert _lines(ours, "h_count") == ['h_count{instance="",job="t"} 2.5']
    negative = b"# TYPE n histogram\nn_count -1\n"
    assert httpx.put(go + "/metrics/job/n", content=negative).status_code == 200
    assert _lines(go, "n_count") == ['n_count{instance="",job="n"} 1.8446744073709552e+19']  # wrapped
    refused = httpx.put(ours + "/metrics/job/n", content=negative)
    assert (refused.status_code, refused.text) == (
        400,
        'text format parsing error in line 2: negative count for histogram "n"\n',
    )


def test_gaugehistogram_in_a_text_push(urls: tuple[str, str]) -> None:
    go, ours = urls
    body = b'# TYPE g gaugehistogram\ng_bucket{le="1"} 1\ng_sum 2\ng_count 3\n'
    answer = httpx.put(go + "/metrics/job/g", content=body)
    assert (answer.status_code, answer.text) == (
        400,
        'text format parsing error in line 1: unknown metric type "gaugehistogram"\n',
    )
    assert httpx.put(ours + "/metrics/job/g", content=body).status_code == 200
    assert httpx.get(ours + "/api/v1/metrics").json()["data"][0]["g"]["type"] == "GAUGE_HISTOGRAM"


def test_gauge_histogram_in_a_text_push_is_one_family(urls: tuple[str, str]) -> None:
    go, ours = urls
    body = b'# TYPE g gauge_histogram\ng_bucket{le="1"} 1\ng_sum 2\ng_count 3\n'
    for url in urls:
        assert httpx.put(url + "/metrics/job/g", content=body).status_code == 200
    (go_group,) = httpx.get(go + "/api/v1/metrics").json()["data"]
    (our_group,) = httpx.get(ours + "/api/v1/metrics").json()["data"]
    assert {k: v["type"] for k, v in go_group.items() if k.startswith("g_")} == {
        "g_bucket": "UNTYPED",
        "g_sum": "UNTYPED",
        "g_count": "UNTYPED",
    }
    assert "g" not in go_group
    assert our_group["g"]["type"] == "GAUGE_HISTOGRAM" and not any(k.startswith("g_") for k in our_group)


def test_gauge_histograms_in_the_text_scrape(urls: tuple[str, str]) -> None:
    go, ours = urls
    body = _fam('name: "gh" type: GAUGE_HISTOGRAM metric { histogram { sample_count: 3 sample_sum: 1.5 } }')
    for url in urls:
        assert httpx.put(url + "/metrics/job/gh", content=body, headers=PB).status_code == 200
    assert httpx.get(go + "/metrics").text.endswith("# TYPE gh")  # truncated: everything after it is lost
    text = httpx.get(ours + "/metrics").text
    assert '# TYPE gh histogram\ngh_bucket{instance="",job="gh",le="+Inf"} 3\n' in text and "push_time_seconds{" in text


def test_a_gauge_histogram_without_a_histogram(urls: tuple[str, str]) -> None:
    go, ours = urls
    body = metrics_pb.delimited(metrics_pb.family("gg", "GAUGE_HISTOGRAM", None, [{"gauge": 1}]))
    assert httpx.put(go + "/metrics/job/gg", content=body, headers=PB).status_code == 200
    assert httpx.get(go + "/metrics").text.endswith("# TYPE gg")
    refused = httpx.put(ours + "/metrics/job/gg", content=body, headers=PB)
    assert refused.status_code == 400 and "is not a GAUGE_HISTOGRAM" in refused.text


def test_api_with_a_schema_without_bounds(urls: tuple[str, str]) -> None:
    go, ours = urls
    body = _fam(
        'name: "s9" type: HISTOGRAM metric { histogram { sample_count: 1 schema: 9 positive_span { offset: 0 length: 1 } positive_delta: 1 } }'
    )
    for url in urls:
        assert httpx.put(url + "/metrics/job/s9", content=body, headers=PB).status_code == 200
    with pytest.raises(httpx.RemoteProtocolError):  # 1.11.0: a panic, no response at all
        httpx.get(go + "/api/v1/metrics")
    answer = httpx.get(ours + "/api/v1/metrics")
    assert answer.status_code == 500
    assert answer.json() == {
        "status": "error",
        "errorType": "internal",
        "error": "native histogram schema 9 has no bucket bounds (supported: 8 and below)",
    }


def test_a_huge_declared_length(urls: tuple[str, str]) -> None:
    go, ours = urls
    body = b"\x80" * 8 + b"\x10abc"  # 2**60 bytes declared
    with pytest.raises(httpx.RemoteProtocolError):  # 1.11.0 tries to allocate it and panics
        httpx.put(go + "/metrics/job/big", content=body, headers=PB)
    answer = httpx.put(ours + "/metrics/job/big", content=body, headers=PB)
    assert (answer.status_code, answer.text) == (400, "unexpected EOF\n")
