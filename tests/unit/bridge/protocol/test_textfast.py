"""The fast lane reads plain bodies exactly as the full parser does, and hands everything else to it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.errors import ParseError
from bridge.protocol.model import MetricType
from bridge.protocol.textfast import parse_plain
from bridge.protocol.textparse import TextParser, parse_text

# Lines the fast lane reads, lines it must hand over, and lines that are errors, mixed at random.
_NAMES = ["a", "a_total", "b", "b_count", "b_sum", "c_bucket", "__name__", "x:y"]
_LINES = st.one_of(
    st.builds(
        lambda n, t: f"# TYPE {n} {t}",
        st.sampled_from(_NAMES),
        st.sampled_from(["counter", "gauge", "untyped", "summary", "histogram", "COUNTER", "gauge "]),
    ),
    st.builds(
        lambda n, h: f"# HELP {n} {h}",
        st.sampled_from(_NAMES),
        st.sampled_from(["Some help.", "with \\n escape", "ünïcode", " leading"]),
    ),
    st.builds(
        lambda n, labels, v: f"{n}{labels} {v}",
        st.sampled_from(_NAMES),
        st.sampled_from(
            [
                "",
                "{}",
                '{k="v"}',
                '{k="v",}',
                '{k="v",k="w"}',
                '{k="a",j="b"}',
                '{__name__="x"}',
                '{quantile="0.5"}',
                '{le="1"}',
                '{k="\\\\"}',
                '{k="a\\"b"}',
            ]
        ),
        st.sampled_from(["1", "-2.5", "1e3", "+Inf", "NaN", "nan", "0x10", "1_0", "1e999", "x", "1 123"]),
    ),
    st.sampled_from(["", "# a comment", "  a 1", "a\t1", "{a} 1"]),
)


def full(data: bytes) -> dict[str, object] | str:
    try:
        return dict(TextParser().parse(data))
    except ParseError as exc:
        return f"error: {exc}"


@settings(max_examples=400, deadline=None)
@given(st.lists(_LINES, max_size=12), st.booleans())
def test_whatever_the_fast_lane_returns_is_what_the_full_parser_returns(lines: list[str], newline: bool) -> None:
    data = ("\n".join(lines) + ("\n" if newline else "")).encode()
    fast = parse_plain(data)
    if fast is not None:
        assert fast == full(data)
    assert (dict(parse_text(data)) if not isinstance(full(data), str) else full(data)) == full(data)


def test_a_batch_job_body_takes_the_fast_lane() -> None:
    body = (
        b"# HELP batch_seconds Duration of the last run.\n# TYPE batch_seconds gauge\nbatch_seconds 12.25\n"
        b'# TYPE batch_records_total counter\nbatch_records_total{kind="read"} 4\n'
        b'batch_records_total{kind="written",stage="x"} 8\nother 1\n'
    )
    fast = parse_plain(body)
    assert fast is not None and fast == full(body)
    assert fast["batch_seconds"].help == "Duration of the last run."
    assert fast["batch_seconds"].metrics[0].gauge == 12.25
    assert fast["batch_records_total"].type is MetricType.COUNTER
    assert fast["batch_records_total"].metrics[1].labels == (("kind", "written"), ("stage", "x"))
    assert fast["other"].type is MetricType.UNTYPED and fast["other"].metrics[0].untyped == 1.0


@pytest.mark.parametrize(
    "body",
    [
        b"a 1",  # no final newline
        b"a 1\n\nb 2\n",  # a blank line
        b"# TYPE s summary\ns_sum 1\n",
        b'a{k="v",k="w"} 1\n',  # an error: the full parser words it
        b"a 1\n# TYPE a gauge\n",  # TYPE after samples: an error
        b"# HELP a x\n# HELP a y\na 1\n",  # second HELP: an error
        b"a 1 1700000000\n",  # a timestamp
        b"a x\n",
        b'a{k="\\xff"} 1\n'.replace(b"\\xff", b"\xff"),  # label value not UTF-8
    ],
)
def test_the_fast_lane_hands_over_what_it_does_not_read(body: bytes) -> None:
    assert parse_plain(body) is None
