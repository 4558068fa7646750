"""Where we deliberately differ from the real 1.11.0 (Debian build) or 1.5.1 on histograms and protobuf: its answer, then ours.

Ours answers as upstream 1.11.3 does where the Debian build links older libraries (float histogram
counts in text, the text parser's histogram rules, gauge histograms), and answers at all where
1.11.0 drops the connection; where 1.5.1 answered otherwise (its text histogram counts, its
length prefixes) ours follows 1.11. README's table of deliberate differences lists each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from google.protobuf import text_format

from tests.support import metrics_pb
from tests.support.nativehist_oracle import pushgateway_111
from tests.support.servers import GO_1_5, GO_VERSIONS, GoGateway, ThreadGateway

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


@pytest.mark.parametrize("version", GO_VERSIONS)
def test_float_and_negative_histogram_counts_in_a_text_push(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway], version: str
) -> None:
    go, ours = go_gateway(version=version).url, our_gateway().url
    body = b'# TYPE h histogram\nh_bucket{le="1"} 1.5\nh_count 2.9\n'
    for url in (go, ours):
        assert httpx.put(url + "/metrics/job/t", content=body).status_code == 200
    # Both binaries truncate with uint64(); ours reads float counts (and makes every count a float).
    assert _lines(go, "h_") == [
        'h_bucket{instance="",job="t",le="1"} 1',
        'h_bucket{instance="",job="t",le="+Inf"} 2',
        'h_sum{instance="",job="t"} 0',
        'h_count{instance="",job="t"} 2',
    ]
    assert _lines(ours, "h_") == [
        'h_bucket{instance="",job="t",le="1"} 1.5',
        'h_bucket{instance="",job="t",le="+Inf"} 2.9',
        'h_sum{instance="",job="t"} 0',
        'h_count{instance="",job="t"} 2.9',
    ]
    for negative, wrapped, error in [
        (b"# TYPE n histogram\nn_count -1\n", "n_count", 'negative count for histogram "n"'),
        (b'# TYPE n histogram\nn_bucket{le="1"} -5\n', "n_bucket", 'negative bucket population for histogram "n"'),
    ]:
        assert httpx.put(go + "/metrics/job/n", content=negative).status_code == 200
        assert "1.8446744073709552e+19" in _lines(go, wrapped)[0]  # wrapped
        refused = httpx.put(ours + "/metrics/job/n", content=negative)
        assert (refused.status_code, refused.text) == (400, f"text format parsing error in line 2: {error}\n")


def test_length_prefixes_on_1_5_1(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway]
) -> None:
    go, ours = go_gateway(version=GO_1_5).url, our_gateway().url
    answers = {
        b"\x80": ((200, ""), (400, "unexpected EOF\n")),  # EOF inside a length prefix
        b"\x05": ((200, ""), (400, "unexpected EOF\n")),  # a length and no payload
        b"\xff" * 6: ((400, "invalid varint32 encountered\n"), (400, "unexpected EOF\n")),
    }
    for index, (body, (go_answer, our_answer)) in enumerate(answers.items()):
        for url, expected in ((go, go_answer), (ours, our_answer)):
            answer = httpx.put(f"{url}/metrics/job/j{index}", content=body, headers=PB)
            assert (answer.status_code, answer.text) == expected
    # 1.5.1 stored an empty group for each body it read as the end of the stream; ours stored nothing.
    groups = {
        url: [g["labels"]["job"] for g in httpx.get(url + "/api/v1/metrics").json()["data"]] for url in (go, ours)
    }
    assert sorted(groups[go]) == ["j0", "j1"]
    assert groups[ours] == []


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
