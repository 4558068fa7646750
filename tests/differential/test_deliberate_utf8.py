"""Where ours deliberately differs from the real 1.11.0 (or 1.5.1) on names: each test shows the binary's answer beside ours.

Two kinds (README, "Where we deliberately differ"): upstream changes after the Debian build
(1.11.2: the text parser validates names, protobuf label names follow the UTF-8 rule without
the flag; 1.11.3: delimited scrapes are escaped), where ours follows upstream 1.11.3; and
1.11 bugs, fixed rather than copied: `{}` lines, the five-hex-digit `U__` decoder, the `__` check
on the escaped grouping name, labels before the name inside braces, the empty metric name. Last,
what 1.5.1 (which had no UTF-8 names) answers where ours follows 1.11.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from bridge.gateway.config import GatewayConfig
from tests.support.metrics_pb import PROTO_CT, delimited, family, parse_delimited
from tests.support.servers import GO_1_5, GO_1_11, GoGateway, ThreadGateway

pytestmark = pytest.mark.oracle

PB = {"Content-Type": PROTO_CT}
DELIMITED = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"


@pytest.fixture
def both(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway]
) -> Callable[..., tuple[str, str]]:
    """(1.11.0's URL, ours) with UTF-8 names off, or on with `utf8=True`."""

    def start(*, utf8: bool = False) -> tuple[str, str]:
        go = go_gateway(["--push.enable-utf8-names"] if utf8 else [], version=GO_1_11)
        return go.url, our_gateway(GatewayConfig(enable_utf8_names=utf8)).url

    return start


def dropped(method: str, url: str, **kwargs: object) -> bool:
    """Whether the server closed the connection without an answer (Go's recovered panic)."""
    try:
        httpx.request(method, url, **kwargs)  # type: ignore[arg-type]
    except httpx.RemoteProtocolError:
        return True
    return False


def families(url: str) -> dict[str, object]:
    return {k: v for g in httpx.get(url + "/api/v1/metrics").json()["data"] for k, v in g.items() if k != "labels"}


def label_names(url: str) -> set[str]:
    return {name for g in httpx.get(url + "/api/v1/metrics").json()["data"] for name in g["labels"]}


# ------------------------------------------------------------- upstream changes after the Debian build
@pytest.mark.parametrize("body", [b'{"a.b"} 1\n', b'"a.b" 1\n', b'# HELP "a.b" help\na_b 1\n'])
def test_without_the_flag_the_parser_refuses_utf8_metric_names(
    both: Callable[..., tuple[str, str]], body: bytes
) -> None:
    """1.11.2+ validates names in the parser; Debian's 1.11.0 (common 0.62) stores `a.b` without the flag."""
    go, ours = both()
    answer = httpx.put(go + "/metrics/job/a", content=body)
    assert answer.status_code == 200
    if b"HELP" not in body:
        assert "a.b" in families(go)
    answer = httpx.put(ours + "/metrics/job/a", content=body)
    assert (answer.status_code, answer.text) == (
        400,
        'text format parsing error in line 1: invalid metric name "a.b"\n',
    )


def test_without_the_flag_protobuf_label_names_follow_the_utf8_rule(both: Callable[..., tuple[str, str]]) -> None:
    """1.11.2+: any non-empty UTF-8 label name not starting with `__`; 1.11.0 drops the connection."""
    go, ours = both()
    body = delimited(family("m", "GAUGE", None, [{"labels": {"bad-label": "x", "a.b": "y"}, "gauge": 1}]))
    assert dropped("PUT", go + "/metrics/job/a", content=body, headers=PB)
    assert httpx.put(ours + "/metrics/job/a", content=body, headers=PB).status_code == 200
    assert 'm{a_b="y",bad_label="x",instance="",job="a"} 1\n' in httpx.get(ours + "/metrics").text
    reserved = delimited(family("m", "GAUGE", None, [{"labels": {"__x": "y"}, "gauge": 1}]))
    assert httpx.put(ours + "/metrics/job/a", content=reserved, headers=PB).status_code == 400


def test_delimited_scrapes_are_escaped(both: Callable[..., tuple[str, str]]) -> None:
    """1.11.3 escapes every scrape format; Debian's 1.11.0 leaves delimited protobuf verbatim (probe §3.2)."""
    go, ours = both(utf8=True)
    body = delimited(family("my.metric", "GAUGE", None, [{"labels": {"dotted.label": "x"}, "gauge": 1}]))
    for url in (go, ours):
        assert httpx.put(url + "/metrics/job/a", content=body, headers=PB).status_code == 200

    def scraped(url: str, accept: str) -> tuple[str, list[str]]:
        answer = httpx.get(url + "/metrics", headers={"Accept": accept})
        (mf,) = [f for f in parse_delimited(answer.content) if "my" in f.name]
        return answer.headers["content-type"], [mf.name, *(p.name for p in mf.metric[0].label)]

    content_type = f"{DELIMITED.replace(';', '; ')}; escaping=underscores"
    assert scraped(go, DELIMITED) == (content_type, ["my.metric", "dotted.label", "instance", "job"])
    assert scraped(ours, DELIMITED) == (content_type, ["my_metric", "dotted_label", "instance", "job"])
    values = DELIMITED + ";escaping=values"
    assert scraped(ours, values)[1] == ["U__my_2e_metric", "U__dotted_2e_label", "instance", "job"]
    assert scraped(go, DELIMITED + ";escaping=allow-utf-8")[1] == scraped(ours, DELIMITED + ";escaping=allow-utf-8")[1]


def test_with_the_flag_invalid_utf8_names_are_refused(both: Callable[..., tuple[str, str]]) -> None:
    """The UTF-8 rule is "valid UTF-8": 1.11.0 stores a name of one 0xFF byte (scraped as `_`)."""
    go, ours = both(utf8=True)
    assert httpx.put(go + "/metrics/job/a", content=b'{"\xff"} 1\n').status_code == 200
    assert '\n_{instance="",job="a"} 1\n' in httpx.get(go + "/metrics").text
    answer = httpx.put(ours + "/metrics/job/a", content=b'{"\xff"} 1\n')
    assert (answer.status_code, answer.text) == (
        400,
        'text format parsing error in line 1: invalid metric name "\\xff"\n',
    )


# ------------------------------------------------------------- 1.11 bugs, fixed
@pytest.mark.parametrize("utf8", [False, True], ids=["flag off", "flag on"])
@pytest.mark.parametrize(
    ("body", "line"),
    [(b"{} 1\n", 1), (b"{ } 1\n", 1), (b"# TYPE x gauge\n{} 1\n", 2), (b'# HELP x h\n{a="b"} 1\n', 2)],
)
def test_braces_without_a_metric_name_are_a_parse_error(
    both: Callable[..., tuple[str, str]], body: bytes, line: int, utf8: bool
) -> None:
    """1.11's parser panics (nil metric), so Go drops the connection; ours answers 400 as 1.5.1 did."""
    go, ours = both(utf8=utf8)
    assert dropped("PUT", go + "/metrics/job/a", content=body)
    answer = httpx.put(ours + "/metrics/job/a", content=body)
    assert (answer.status_code, answer.text) == (
        400,
        f"text format parsing error in line {line}: invalid metric name\n",
    )


def test_braces_without_a_name_after_a_sample_are_not_a_duplicate(both: Callable[..., tuple[str, str]]) -> None:
    """1.11 appends the labels to the previous line's metric a second time: a consistency failure, recorded."""
    go, ours = both()
    body = b'x 1\n{a="b"} 2\n'
    assert dropped("PUT", go + "/metrics/job/a", content=body)
    (group,) = httpx.get(go + "/api/v1/metrics").json()["data"]
    assert group["last_push_successful"] is False
    answer = httpx.put(ours + "/metrics/job/a", content=body)
    assert (answer.status_code, answer.text) == (400, "text format parsing error in line 2: invalid metric name\n")
    assert httpx.get(ours + "/api/v1/metrics").json()["data"] == []


def test_labels_before_the_name_in_braces_belong_to_that_name(both: Callable[..., tuple[str, str]]) -> None:
    """1.11 reads them with the previous line's family type: after a histogram, `le` vanishes."""
    go, ours = both()
    body = b'# TYPE h histogram\nh_bucket{le="1"} 1\n{le="2",other} 1\n'
    for url in (go, ours):
        assert httpx.put(url + "/metrics/job/a", content=body).status_code == 200
    assert '\nother{instance="",job="a"} 1\n' in httpx.get(go + "/metrics").text
    assert '\nother{instance="",job="a",le="2"} 1\n' in httpx.get(ours + "/metrics").text


@pytest.mark.parametrize(("name", "decoded"), [("U__x_01F600_y", "x😀y"), ("U__x_10FFFF_y", "x\U0010ffffy")])
def test_six_hex_digit_codes_are_decoded(both: Callable[..., tuple[str, str]], name: str, decoded: str) -> None:
    """1.11's UnescapeName gives up at the sixth hex digit (`j >= 6` before the closing `_`)."""
    go, ours = both(utf8=True)
    for url in (go, ours):
        assert httpx.put(url + f"/metrics/job/a/{name}/v", content=b"m 1\n").status_code == 200
    assert label_names(go) == {"job", name}
    assert label_names(ours) == {"job", decoded}


@pytest.mark.parametrize("name", ["U______foo", "U___5f__5f_foo"])
def test_an_escaped_reserved_grouping_name_is_refused(both: Callable[..., tuple[str, str]], name: str) -> None:
    """1.11 checks `__` on the escaped name: `__foo` gets in, fails the consistency check, and poisons the store."""
    go, ours = both(utf8=True)
    assert dropped("PUT", go + f"/metrics/job/a/{name}/x", content=b"m 1\n")
    assert httpx.get(go + "/metrics").status_code == 500
    answer = httpx.put(ours + f"/metrics/job/a/{name}/x", content=b"m 1\n")
    assert (answer.status_code, answer.text) == (400, f'improper label name "{name}"\n')
    assert httpx.get(ours + "/metrics").status_code == 200
    assert httpx.put(ours + "/metrics/job/b", content=b"n 1\n").status_code == 200


def test_a_protobuf_metric_name_that_is_not_utf8_is_refused(both: Callable[..., tuple[str, str]]) -> None:
    """1.11 never checks protobuf metric names: one with a 0xFF byte is stored (and scraped as `a_b`)."""
    go, ours = both()
    body = bytearray(delimited(family("aXb", "GAUGE", None, [{"gauge": 1}])))
    body[body.index(b"aXb") + 1] = 0xFF
    assert httpx.put(go + "/metrics/job/a", content=bytes(body), headers=PB).status_code == 200
    assert '\na_b{instance="",job="a"} 1\n' in httpx.get(go + "/metrics").text
    answer = httpx.put(ours + "/metrics/job/a", content=bytes(body), headers=PB)
    assert answer.status_code == 400
    assert 'metric family "a\\xffb" has an invalid metric name' in answer.text


def test_an_empty_protobuf_metric_name_is_refused(both: Callable[..., tuple[str, str]]) -> None:
    """1.11 stores it, and every text scrape is then an empty body (MetricFamilyToText fails on the first family)."""
    go, ours = both()
    body = delimited(family("", "GAUGE", None, [{"gauge": 1}]))
    assert httpx.put(go + "/metrics/job/a", content=body, headers=PB).status_code == 200
    assert httpx.get(go + "/metrics").text == ""
    answer = httpx.put(ours + "/metrics/job/a", content=body, headers=PB)
    assert answer.status_code == 400
    assert 'metric family "" has an invalid metric name' in answer.text
    assert httpx.get(ours + "/metrics").text.startswith("# HELP process_")


# ------------------------------------------------------------- 1.5.1, which had none of it
def test_1_5_1_scrapes_have_no_escaping_term(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway]
) -> None:
    """1.5.1 names no escaping and ignores `escaping=` in Accept; ours, as 1.11, answers with the one it used."""
    old, ours = go_gateway(version=GO_1_5).url, our_gateway().url
    for accept, escaping in [("", "underscores"), ("text/plain;escaping=allow-utf-8", "allow-utf-8")]:
        old_type = httpx.get(old + "/metrics", headers={"Accept": accept}).headers["content-type"]
        assert old_type == "text/plain; version=0.0.4; charset=utf-8"
        ours_type = httpx.get(ours + "/metrics", headers={"Accept": accept}).headers["content-type"]
        assert ours_type == f"{old_type}; escaping={escaping}"


def test_1_5_1_refuses_quoted_names_braces_and_escaped_quotes_in_help(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway]
) -> None:
    """1.5.1's parser knows neither quoted names nor `{name}` nor `\\"` in HELP; 1.11 (and ours) store them."""
    old, new, ours = go_gateway(version=GO_1_5).url, go_gateway(version=GO_1_11).url, our_gateway().url
    bodies = {
        b'{"foo"} 1\n': "invalid metric name",
        b'"foo" 1\n': "invalid metric name",
        b"{foo} 1\n": "invalid metric name",
        b'# HELP foo a \\"q\\"\nfoo 1\n': "invalid escape sequence '\\\"'",
    }
    for body, error in bodies.items():
        answer = httpx.put(old + "/metrics/job/a", content=body)
        assert (answer.status_code, answer.text) == (400, f"text format parsing error in line 1: {error}\n")
        for url in (new, ours):
            assert httpx.put(url + "/metrics/job/a", content=body).status_code == 200
            assert '\nfoo{instance="",job="a"} 1\n' in httpx.get(url + "/metrics").text


def test_1_5_1_refuses_protobuf_label_names_like_bad_label(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway]
) -> None:
    """1.5.1's consistency check wants legacy label names (1.11.0 drops the connection: the row above)."""
    old, ours = go_gateway(version=GO_1_5).url, our_gateway().url
    body = delimited(family("m", "GAUGE", None, [{"labels": {"bad-label": "x"}, "gauge": 1}]))
    answer = httpx.put(old + "/metrics/job/a", content=body, headers=PB)
    assert answer.status_code == 400
    assert answer.text.startswith("pushed metrics are invalid or inconsistent with existing metrics: ")
    assert httpx.put(ours + "/metrics/job/a", content=body, headers=PB).status_code == 200
    assert 'm{bad_label="x",instance="",job="a"} 1\n' in httpx.get(ours + "/metrics").text


def test_1_5_1_reports_the_reserved_name_before_the_missing_equals(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway]
) -> None:
    """1.11's lexer sees the missing `=` first (checked against 1.11.0 in cases_utf8.py)."""
    old, ours = go_gateway(version=GO_1_5).url, our_gateway().url
    body = b'x{__name__ "a"} 1\n'
    answers = [httpx.put(url + "/metrics/job/a", content=body) for url in (old, ours)]
    assert [(a.status_code, a.text) for a in answers] == [
        (400, 'text format parsing error in line 1: label name "__name__" is reserved\n'),
        (400, "text format parsing error in line 1: expected '=' after label name, found '\"'\n"),
    ]
