"""The text parser's names as 1.11.3 reads them: quotes, a name inside braces, the two rules, `{}` lines (delta §6.1, §6.2)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.errors import ParseError
from bridge.protocol.model import Metric, MetricFamily, MetricType
from bridge.protocol.names import Escaping, is_label_name, is_metric_name
from bridge.protocol.textparse import parse_text
from bridge.protocol.textrender import render_escaped

SUFFIXES = ("_count", "_sum", "_bucket")

# body → {family: [(labels, value)]} in both modes, or the error in each mode (None: accepted).
ACCEPTED_IN_BOTH = [
    (b'{"foo"} 1\n', {"foo": [((), 1.0)]}),
    (b'"foo" 1\n', {"foo": [((), 1.0)]}),
    (b'x{"ab"="v"} 1\n', {"x": [((("ab", "v"),), 1.0)]}),
    (b'"baz"{c="d"} 4\n', {"baz": [((("c", "d"),), 4.0)]}),
    (b"{foo} 1\n", {"foo": [((), 1.0)]}),
    (b'{foo,x="y"} 1\n', {"foo": [((("x", "y"),), 1.0)]}),
    (b'{x="y",foo} 1\n', {"foo": [((("x", "y"),), 1.0)]}),
    (b'{ foo , a = "b" } 2\n', {"foo": [((("a", "b"),), 2.0)]}),
    (b'foo"bar" 1\n', {"foobar": [((), 1.0)]}),
    (b'x{l"ab"="v"} 2\n', {"x": [((("lab", "v"),), 2.0)]}),
    (b'# HELP "foo" text\nfoo 1\n', {"foo": [((), 1.0)]}),
]


@pytest.mark.parametrize(("body", "families"), [c for c in ACCEPTED_IN_BOTH if c[1] is not None])
@pytest.mark.parametrize("utf8", [False, True])
def test_quoted_legacy_names_and_names_in_braces(body: bytes, families: dict[str, object], utf8: bool) -> None:
    parsed = parse_text(body, utf8=utf8)
    got = {name: [(m.labels, m.untyped) for m in mf.metrics] for name, mf in parsed.items()}
    assert got == families


SAME = "same as without the flag"
MODES = [
    # body, line, error without the flag, error with it (None: accepted)
    (b'{"a.b"} 1\n', 1, 'invalid metric name "a.b"', None),
    (b'"a.b" 1\n', 1, 'invalid metric name "a.b"', None),
    (b'x{"a.b"="v"} 1\n', 1, 'invalid label name "a.b"', None),
    (b'ok 1\n{"a.b","c.d"="x"} 1\n', 2, 'invalid metric name "a.b"', None),
    (b'# HELP "foo.bar" text\n', 1, 'invalid metric name "foo.bar"', None),
    (b'# TYPE "foo.bar" gauge\n', 1, 'invalid metric name "foo.bar"', None),
    (b'# HELP "foo.bar"\n', 1, None, None),  # the line ends before the name is checked
    (b'# HELP "" text\n', 1, 'invalid metric name ""', SAME),
    (b'{"\xff"} 1\n', 1, 'invalid metric name "\\xff"', SAME),
    (b'x{"\xff"="v"} 1\n', 1, 'invalid label name "\\xff"', SAME),
    (b'{"",x="y"} 1\n', 1, 'invalid label name for metric ""', SAME),
    (b'x{""="y"} 1\n', 1, 'invalid label name for metric "x"', SAME),
    # The tokenizer's errors.
    (b'x{__name__ "a"} 1\n', 1, "expected '=' after label name, found '\"'", SAME),
    (b'x{__name__="a"} 1\n', 1, 'label name "__name__" is reserved', SAME),
    (b'ok 1\n{"a\nb"} 2\n', 2, 'label name "a" contains unescaped new-line', SAME),
    (b'"x\n', 1, 'metric name "x" contains unescaped new-line', SAME),
    (b'{"a\\qb"} 1\n', 1, "invalid escape sequence '\\q'", SAME),
    (b"{foo,bar} 1\n", 1, 'multiple metric names for metric "foo"', SAME),
    (b"{foo x} 1\n", 1, "unexpected end of metric name 'x'", SAME),
    (b"{a:b} 1\n", 1, "unexpected end of metric name ':'", SAME),
    (b'x{a="b",foo} 1\n', 1, "expected '=' after label name, found '}'", SAME),
    (b'"a"b 1\n', 1, 'expected float as value, got "b"', SAME),
    (b'{"a', 1, "unexpected end of input stream", SAME),
    (b'{"a"', 1, "unexpected end of input stream", SAME),
    # Braces without a metric name: never a panic, never appended to the previous metric (deliberate).
    (b"{} 1\n", 1, "invalid metric name", SAME),
    (b"{ } 1\n", 1, "invalid metric name", SAME),
    (b'{a="b"} 1\n', 1, "invalid metric name", SAME),
    (b"# TYPE x gauge\n{} 1\n", 2, "invalid metric name", SAME),
    (b'# HELP x h\n{a="b"} 1\n', 2, "invalid metric name", SAME),
    (b'x 1\n{a="b"} 2\n', 2, "invalid metric name", SAME),
    (b"x 1\n{} 2\n", 2, "invalid metric name", SAME),
]


@pytest.mark.parametrize(("body", "line", "legacy", "utf8"), MODES)
def test_names_under_each_rule(body: bytes, line: int, legacy: str | None, utf8: str | None) -> None:
    for mode, message in ((False, legacy), (True, legacy if utf8 == SAME else utf8)):
        if message is None:
            parse_text(body, utf8=mode)
            continue
        with pytest.raises(ParseError) as info:
            parse_text(body, utf8=mode)
        assert (info.value.line, info.value.message) == (line, message), f"utf8={mode}"


def test_utf8_names_with_the_flag() -> None:
    families = parse_text(
        b"some_metric 3.14\n"
        b'{"another.metric",instance="testinstance",job="testjob","dotted.label.name"="mylabelvalue"} 42\n'
        b'# HELP "foo.bar" a \\"quoted\\" help\n# TYPE "foo.bar" counter\n"foo.bar"{"l.m"="n"} 1\n',
        utf8=True,
    )
    assert families["another.metric"].metrics == [
        Metric(
            labels=(("instance", "testinstance"), ("job", "testjob"), ("dotted.label.name", "mylabelvalue")),
            untyped=42.0,
        )
    ]
    assert families["foo.bar"] == MetricFamily(
        "foo.bar", MetricType.COUNTER, 'a "quoted" help', [Metric(labels=(("l.m", "n"),), counter=1.0)]
    )


def test_summaries_and_histograms_inside_braces() -> None:
    families = parse_text(
        b'# TYPE "s.x" summary\n{"s.x",quantile="0.5"} 1\n{"s.x_sum"} 2\n{"s.x_count"} 3\n'
        b'# TYPE h histogram\n{h_bucket,"l.m"="n",le="1"} 1\n{h_bucket,"l.m"="n",le="+Inf"} 2\n'
        b'{"h_sum","l.m"="n"} 3\n{"l.m"="n",h_count} 2\n',
        utf8=True,
    )
    summary = families["s.x"].metrics[0].summary
    assert summary is not None and (summary.sample_count, summary.sample_sum, summary.quantiles) == (
        3,
        2.0,
        [(0.5, 1.0)],
    )
    (metric,) = families["h"].metrics
    assert metric.labels == (("l.m", "n"),)
    assert metric.histogram is not None and metric.histogram.sample_count == 2
    assert [count for _, count in metric.histogram.buckets] == [1, 2]


def test_labels_before_the_name_belong_to_its_family() -> None:
    """Deliberate: 1.11 reads them with the previous line's type, so `le` vanished after a histogram."""
    families = parse_text(b'# TYPE h histogram\nh_bucket{le="1"} 1\n{le="2",other} 1\n')
    assert families["other"].metrics == [Metric(labels=(("le", "2"),), untyped=1.0)]
    families = parse_text(b'# TYPE h histogram\nx 1\n{a="b",h_bucket,le="1"} 1\n{h_count,a="b"} 1\n')
    (metric,) = families["h"].metrics
    assert metric.labels == (("a", "b"),)
    assert metric.histogram is not None and metric.histogram.buckets == [(1.0, 1)]


def test_a_label_before_the_name_is_checked_once_the_family_is_known() -> None:
    with pytest.raises(ParseError, match='duplicate label names for metric "foo"'):
        parse_text(b'{a="1",a="2",foo} 1\n')
    with pytest.raises(ParseError, match="expected float as value for 'le' label"):
        parse_text(b'# TYPE h histogram\n{le="x",h_bucket} 1\n')
    with pytest.raises(ParseError, match="invalid label value"):
        parse_text(b'{a="\xff",foo} 1\n')


def test_help_accepts_an_escaped_quote() -> None:
    assert parse_text(b'# HELP hq a \\"quoted\\" \\\\ help\nhq 1\n')["hq"].help == 'a "quoted" \\ help'


# ----------------------------------------------------------------- round trip with allow-utf-8
text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=6)
metric_names = text.filter(lambda n: not n.endswith(SUFFIXES))
# expfmt writes a label name unquoted if it is a legacy *metric* name, so `a:b` comes out bare and
# no parser reads it back (1.11.0 does the same: probe §3.2). Such names are left out here.
label_names = text.filter(
    lambda n: n not in ("__name__", "le", "quantile") and is_metric_name(n, utf8=False) == is_label_name(n, utf8=False)
)
label_values = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6)


@st.composite
def utf8_families(draw: st.DrawFn) -> MetricFamily:
    name = draw(metric_names)
    mtype = draw(st.sampled_from([MetricType.COUNTER, MetricType.GAUGE, MetricType.UNTYPED]))
    sets = draw(
        st.lists(
            st.dictionaries(label_names, label_values, max_size=3).map(lambda d: tuple(sorted(d.items()))),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    metrics = []
    for labels in sets:
        value = draw(st.floats(allow_nan=False))
        if mtype is MetricType.COUNTER:
            metrics.append(Metric(labels=labels, counter=value))
        elif mtype is MetricType.GAUGE:
            metrics.append(Metric(labels=labels, gauge=value))
        else:
            metrics.append(Metric(labels=labels, untyped=value))
    return MetricFamily(name, mtype, draw(st.none() | st.just("some help")), metrics)


@settings(max_examples=300)
@given(st.lists(utf8_families(), min_size=1, max_size=3, unique_by=lambda f: f.name))
def test_render_with_allow_utf8_then_parse_is_identity(families: list[MetricFamily]) -> None:
    body = b"".join(render_escaped(f, Escaping.ALLOW_UTF8) for f in families)
    assert parse_text(body, utf8=True) == {f.name: f for f in families}
