"""The text parser: expfmt's verdicts, line numbers, and parse → render → parse round trips."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.errors import ParseError
from bridge.protocol.model import Histogram, Metric, MetricFamily, Summary
from bridge.protocol.textparse import parse_text
from bridge.protocol.textrender import render_family
from tests.support.strategies import families

ERRORS = [
    (b"x 1", 1, "unexpected end of input stream"),
    (b"x 1 \n", 1, 'expected integer as timestamp, got ""'),
    (b"x 1\r\n", 1, 'expected float as value, got "1\\r"'),
    (b"a 1\nb 2\n\n# c\nc{ 3\n", 5, "invalid label name"),
    (b'x{a="b",a="c"} 1\n', 1, "duplicate label names"),
    (b'x{__name__="x"} 1\n', 1, 'label name "__name__" is reserved'),
    (b'x{a="\\q"} 1\n', 1, "invalid escape sequence"),
    (b'x{a="\xff"} 1\n', 1, "invalid label value"),
    (b"# TYPE t gauge extra\nt 1\n", 1, 'unknown metric type "gauge extra"'),
    (b"t 1\n# TYPE t gauge\n", 2, "TYPE reported after samples"),
    (b"# HELP t a\n# HELP t b\n", 2, "second HELP line"),
    (b"# HELP 1x h\n", 1, "invalid metric name in comment"),
    (b"1x 1\n", 1, "invalid metric name"),
    (b"x 1 123 4\n", 1, "spurious string after timestamp"),
    (b'x{a="x\ny"} 1\n', 1, "unescaped new-line"),
    (b"x 1\n#", 2, "unexpected end of input stream"),
    (b"x abc\n", 1, 'expected float as value, got "abc"'),
    # A token cut by the end of the body is Go's EOF error, valid or not (both binaries, measured).
    (b"x abc", 1, "unexpected end of input stream"),
    (b"x 1\nx 1x", 2, "unexpected end of input stream"),
    (b"x 1 z", 1, "unexpected end of input stream"),
    (b'# TYPE h histogram\nh_bucket{le="x"} 1\n', 2, "expected float as value for 'le' label"),
]


@pytest.mark.parametrize(("body", "line", "message"), ERRORS)
def test_rejections_carry_the_line(body: bytes, line: int, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_text(body)
    assert info.value.line == line
    assert message in info.value.message


def test_quirks_go_accepts() -> None:
    families = parse_text(b'  x  {  a = "b" , }2\n\n#\n# EOF\n# TYPE\ny{}3\nz{l="t\tr\r"} 4\n# HELP y late\n')
    assert families["x"].metrics[0].labels == (("a", "b"),)
    assert families["x"].metrics[0].untyped == 2.0
    assert families["y"].help == "late"
    assert families["z"].metrics[0].labels == (("l", "t\tr\r"),)


def test_families_without_samples_are_dropped() -> None:
    assert set(parse_text(b"# HELP lonely h\n# TYPE alone gauge\nx 1\n")) == {"x"}


def test_summary_and_histogram_assembly() -> None:
    families = parse_text(
        b'# TYPE s summary\ns{quantile="0.5",a="1"} 1\ns_sum{a="1"} 2\ns_count{a="1"} 3\n'
        b'# TYPE h histogram\nh_bucket{le="1.0"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2\n'
    )
    assert families["s"].metrics == [Metric(labels=(("a", "1"),), summary=Summary(3, 2.0, [(0.5, 1.0)]))]
    assert families["h"].metrics == [Metric(histogram=Histogram(2, 3.0, [(1.0, 1), (math.inf, 2)]))]


def test_help_with_invalid_utf8_survives_to_render() -> None:
    families = parse_text(b"# HELP hh \xff\xfe ok\nhh 1\n")
    assert render_family(families["hh"]).startswith(b"# HELP hh \xff\xfe ok\n")


def test_timestamps_are_parsed() -> None:
    assert parse_text(b"x 1 -5\n")["x"].metrics[0].timestamp_ms == -5


# ---------------------------------------------------------------- round trips
@settings(max_examples=300)
@given(st.lists(families(), min_size=1, max_size=4, unique_by=lambda f: f.name))
def test_render_then_parse_is_identity(fams: list[MetricFamily]) -> None:
    body = b"".join(render_family(f) for f in fams)
    parsed = parse_text(body)
    assert parsed == {f.name: f for f in fams}


@settings(max_examples=300)
@given(st.binary(max_size=64))
def test_arbitrary_bytes_parse_or_raise_parse_error(body: bytes) -> None:
    try:
        parse_text(body)
    except ParseError as exc:
        assert exc.line >= 1
