"""Where we deliberately differ from Go: each test shows the bug on the real binary (1.11.0, 1.5.1 or both), then our fix.

These are the "documented 1.5.1 bugs" of the semantics reference, those 1.11.0 still has, and the
1.11.0 bugs (its dropped connection on a consistency rejection); README's table lists them. The
HTTP edge's (snappy, Accept-Encoding, route prefix, the command line) are in test_deliberate_http.py.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable

import httpx
import pytest

from bridge.gateway.config import GatewayConfig
from tests.support.diff import Pair, Req
from tests.support.metrics_pb import PROTO_CT, delimited, family
from tests.support.servers import GO_1_5, GO_1_11, GO_VERSIONS, GoGateway, ThreadGateway

pytestmark = pytest.mark.oracle
BOTH_VERSIONS = pytest.mark.parametrize("version", GO_VERSIONS)
"""For a bug both Go binaries have."""
DROPPED = "dropped"


def _both(
    go_gateway: Callable[..., GoGateway],
    our_gateway: Callable[..., ThreadGateway],
    *,
    go_args: tuple[str, ...] = (),
    config: GatewayConfig | None = None,
    version: str = GO_1_11,
) -> tuple[str, str]:
    return go_gateway(list(go_args), version=version).url, our_gateway(config).url


def _status(method: str, url: str, body: bytes = b"") -> int | str:
    """The answer's status, or DROPPED where Go closed the connection without one (1.11.0's panics)."""
    try:
        return httpx.request(method, url, content=body).status_code
    except httpx.RemoteProtocolError:
        return DROPPED


@pytest.mark.parametrize(
    "body",
    [b"a 1 1000\n", b"a 1\na 2\n", b'x{__x="1"} 1\n', b"# TYPE c counter\nc 1\n"],
    ids=["timestamp", "duplicate series", "reserved label name", "type clash with another group"],
)
def test_a_consistency_rejection_is_answered_400_not_dropped(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway], body: bytes
) -> None:
    go, ours = _both(go_gateway, our_gateway)
    for url in (go, ours):
        assert httpx.put(url + "/metrics/job/other", content=b"# TYPE c gauge\nc 1\n").status_code == 200
    # Go 1.11.0: the handler's log call panics (promslog), so the client gets no answer at all.
    assert _status("PUT", go + "/metrics/job/a", body) == DROPPED
    response = httpx.put(ours + "/metrics/job/a", content=body)
    assert response.status_code == 400
    assert response.text.startswith("pushed metrics are invalid or inconsistent with existing metrics: ")
    # Both recorded the failure before answering (or not).
    for url in (go, ours):
        group = next(g for g in httpx.get(url + "/api/v1/metrics").json()["data"] if g["labels"]["job"] == "a")
        assert group["last_push_successful"] is False
        assert group["push_failure_time_seconds"]["metrics"][0]["value"] != "0"
        assert group["push_time_seconds"]["metrics"][0]["value"] == "0"


def test_bad_base64_job_does_not_wedge_the_route(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway]
) -> None:
    go, ours = _both(go_gateway, our_gateway, version=GO_1_5)
    assert httpx.put(go + "/metrics/job@base64/Y").status_code == 400
    with pytest.raises(httpx.ReadTimeout):  # Go 1.5.1: the route's mutex stays locked forever.
        httpx.put(go + "/metrics/job@base64/YQ", content=b"x 1\n", timeout=1.0)
    assert httpx.put(ours + "/metrics/job@base64/Y").status_code == 400
    assert httpx.put(ours + "/metrics/job@base64/YQ", content=b"x 1\n", timeout=5.0).status_code == 200


@BOTH_VERSIONS
@pytest.mark.parametrize(
    "poison",
    [Req("PUT", "/metrics/job/b/instance/", b"y 1\n"), Req("PUT", "/metrics/job/b/x@base64/_-8", b"y 1\n")],
    ids=["instance-less twin of an existing group", "grouping value that is not UTF-8"],
)
def test_a_rejected_push_does_not_poison_the_store(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway], poison: Req, version: str
) -> None:
    go, ours = _both(go_gateway, our_gateway, version=version)
    rejected = 400 if version == GO_1_5 else DROPPED
    for url in (go, ours):
        assert httpx.put(url + "/metrics/job/b", content=b"x 1\n").status_code == 200
    assert _status(poison.method, go + poison.path, poison.body) == rejected
    assert httpx.request(poison.method, ours + poison.path, content=poison.body).status_code == 400
    # Go: the failure path stored the bad group; every scrape and every later push now fail.
    assert httpx.get(go + "/metrics").status_code == 500
    assert _status("PUT", go + "/metrics/job/unrelated", b"z 1\n") == rejected
    # Ours: nothing was stored for the bad key; everything keeps working.
    assert httpx.get(ours + "/metrics").status_code == 200
    assert httpx.put(ours + "/metrics/job/unrelated", content=b"z 1\n").status_code == 200
    assert len(httpx.get(ours + "/api/v1/metrics").json()["data"]) == 2


@BOTH_VERSIONS
def test_unchecked_mode_cannot_break_scrapes(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway], version: str
) -> None:
    go, ours = _both(
        go_gateway,
        our_gateway,
        go_args=("--push.disable-consistency-check",),
        config=GatewayConfig(disable_consistency_check=True),
        version=version,
    )
    for url in (go, ours):
        assert httpx.put(url + "/metrics/job/a", content=b"# TYPE c counter\nc 1\n").status_code == 202
        assert httpx.put(url + "/metrics/job/b", content=b"# TYPE c gauge\nc 1\n").status_code == 202
    import time

    time.sleep(0.1)
    assert httpx.get(go + "/metrics").status_code == 500
    response = httpx.get(ours + "/metrics")
    assert response.status_code == 200
    group_b = next(g for g in httpx.get(ours + "/api/v1/metrics").json()["data"] if g["labels"]["job"] == "b")
    assert group_b["last_push_successful"] is False  # the failure is recorded, as for any rejected push


def test_help_winner_is_deterministic(our_gateway: Callable[..., ThreadGateway]) -> None:
    ours = our_gateway().url
    httpx.put(ours + "/metrics/job/a", content=b"# HELP c first\nc 1\n")
    httpx.put(ours + "/metrics/job/b", content=b"# HELP c newest\nc 2\n")
    httpx.put(ours + "/metrics/job/c", content=b"c 3\n")  # no HELP: does not win
    helps = {
        line
        for _ in range(20)
        for line in httpx.get(ours + "/metrics").text.splitlines()
        if line.startswith("# HELP c ")
    }
    assert helps == {"# HELP c newest"}


def test_gauge_histograms_do_not_truncate_metrics(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway]
) -> None:
    go, ours = _both(go_gateway, our_gateway, version=GO_1_5)
    body = b"# TYPE gh gauge_histogram\ngh 1\n"  # a sample without a suffix: an empty histogram
    assert httpx.put(go + "/metrics/job/a", content=body).status_code == 200
    assert httpx.get(go + "/metrics").text.endswith("# TYPE gh")  # truncated, no newline, no push_time_seconds
    # Ours, as upstream 1.11.3: stored as a gauge histogram, written as a histogram (the text format has no other).
    assert httpx.put(ours + "/metrics/job/a", content=body).status_code == 200
    text = httpx.get(ours + "/metrics").text
    assert '# TYPE gh histogram\ngh_bucket{instance="",job="a",le="+Inf"} 0\ngh_sum{instance="",job="a"} 0\n' in text
    assert "push_time_seconds{" in text
    # One without a histogram would still truncate 1.11.3's scrape: refused.
    proto = delimited(family("gh", "GAUGE_HISTOGRAM", None, [{"gauge": 1}]))
    assert httpx.put(ours + "/metrics/job/a", content=proto, headers={"Content-Type": PROTO_CT}).status_code == 400
    assert httpx.get(ours + "/metrics").text.endswith("\n")


def test_invalid_protobuf_metric_names_are_escaped_in_scrapes(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway]
) -> None:
    go, ours = _both(go_gateway, our_gateway, version=GO_1_5)
    proto = delimited(family("1bad", "GAUGE", None, [{"gauge": 1}]))
    headers = {"Content-Type": PROTO_CT}
    assert httpx.put(go + "/metrics/job/a", content=proto, headers=headers).status_code == 200
    assert "\n1bad{" in httpx.get(go + "/metrics").text  # an exposition Prometheus cannot parse
    # Ours, as 1.11: stored as pushed, escaped per scrape (`underscores` unless the scrape asks).
    assert httpx.put(ours + "/metrics/job/a", content=proto, headers=headers).status_code == 200
    assert '\n_bad{instance="",job="a"} 1\n' in httpx.get(ours + "/metrics").text
    assert "1bad" in httpx.get(ours + "/api/v1/metrics").json()["data"][0]


@BOTH_VERSIONS
def test_le_grouping_label_on_a_histogram_is_refused(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway], version: str
) -> None:
    go, ours = _both(go_gateway, our_gateway, version=version)
    body = b'# TYPE rq histogram\nrq_bucket{le="1"} 1\nrq_count 1\n'
    assert httpx.put(go + "/metrics/job/a/le/5", content=body).status_code == 200
    assert 'le="5",le="1"' in httpx.get(go + "/metrics").text
    assert httpx.put(ours + "/metrics/job/a/le/5", content=body).status_code == 400


@BOTH_VERSIONS
def test_family_named_labels_does_not_clobber_the_api(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway], version: str
) -> None:
    go, ours = _both(go_gateway, our_gateway, version=version)
    for url in (go, ours):
        assert httpx.put(url + "/metrics/job/a", content=b"labels 1\nlast_push_successful 2\n").status_code == 200
    go_group = httpx.get(go + "/api/v1/metrics").json()["data"][0]
    assert "job" not in go_group["labels"]  # clobbered by the family
    our_group = httpx.get(ours + "/api/v1/metrics").json()["data"][0]
    assert our_group["labels"] == {"job": "a"}
    assert our_group["last_push_successful"] is True
    assert "labels{" in httpx.get(ours + "/metrics").text  # the families are still exposed


@BOTH_VERSIONS
def test_api_redirects_keep_the_api_prefix(pair: Callable[..., Pair], version: str) -> None:
    p = pair(["--web.enable-admin-api"], GatewayConfig(enable_admin_api=True), version=version)
    go_r = httpx.get(p.go_url + "/api/v1/metrics/")
    our_r = httpx.get(p.our_url + "/api/v1/metrics/")
    assert go_r.status_code == our_r.status_code == 301
    assert go_r.headers["location"] == "/metrics"  # Go loses the prefix: that is the scrape endpoint
    assert our_r.headers["location"] == "/api/v1/metrics"


def test_content_encoding_is_case_insensitive_as_in_1_6(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway]
) -> None:
    """1.5.1 matches `gzip` exactly; ours, as 1.11, in any case (http: gzip content encoding… is the 1.11.0 side)."""
    go, ours = _both(go_gateway, our_gateway, version=GO_1_5)
    body, headers = gzip.compress(b"x 1\n"), {"Content-Encoding": "GZIP"}
    assert httpx.put(go + "/metrics/job/a", content=body, headers=headers).status_code == 400
    assert httpx.put(ours + "/metrics/job/a", content=body, headers=headers).status_code == 200
    # So a GET with that header (and no gzip body) is now a 400 `EOF` where 1.5.1 answered 200.
    assert httpx.get(go + "/-/healthy", headers=headers).status_code == 200
    answer = httpx.get(ours + "/-/healthy", headers=headers)
    assert (answer.status_code, answer.text) == (400, "EOF\n")
