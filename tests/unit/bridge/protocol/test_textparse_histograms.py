"""Histograms in the text format as upstream 1.11.3 (common 0.67) parses and writes them.

Float and negative counts, the all-float normalisation, `gaugehistogram`/`gauge_histogram`, and the
text exposition of float, native-only and gauge histograms; parse → render → parse round trips.
(The Debian 1.11.0 build still truncates float counts: tests/differential/test_deliberate_native.py.)
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.errors import ParseError
from bridge.protocol.model import Histogram, Metric, MetricFamily, MetricType
from bridge.protocol.native import NativeHistogram, Span
from bridge.protocol.textparse import parse_text
from bridge.protocol.textrender import render_family
from tests.support.strategies import labelsets, names


def _histogram(body: bytes, name: str = "h") -> Histogram:
    (metric,) = parse_text(body)[name].metrics
    assert metric.histogram is not None
    return metric.histogram


@pytest.mark.parametrize(
    ("value", "count", "count_float"),
    [
        ("3", 3, None),
        ("-0", 0, None),
        ("1e3", 1000, None),
        ("18446744073709549568", 18446744073709549568, None),  # the largest float64 below 2**64
        ("1.5", 0, 1.5),
        ("18446744073709551616", 0, 2.0**64),  # 2**64 does not fit: a float count
        ("+Inf", 0, math.inf),
    ],
)
def test_count_is_an_integer_only_when_it_is_one(value: str, count: int, count_float: float | None) -> None:
    histogram = _histogram(f"# TYPE h histogram\nh_count {value}\n".encode())
    assert histogram.sample_count == count
    assert histogram.sample_count_float == count_float


def test_nan_count_is_a_float_count() -> None:
    histogram = _histogram(b"# TYPE h histogram\nh_count NaN\n")
    assert histogram.sample_count_float is not None and math.isnan(histogram.sample_count_float)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("h_count -1", 'negative count for histogram "h"'),
        ("h_count -Inf", 'negative count for histogram "h"'),
        ('h_bucket{le="1"} -0.5', 'negative bucket population for histogram "h"'),
    ],
)
def test_negative_counts_are_refused(line: str, message: str) -> None:
    with pytest.raises(ParseError) as raised:
        parse_text(f"# TYPE h histogram\nh_sum 1\n{line}\n".encode())
    assert raised.value.line == 3
    assert raised.value.message == message


def test_summary_counts_still_truncate() -> None:
    (metric,) = parse_text(b"# TYPE s summary\ns_count 2.9\n")["s"].metrics
    assert metric.summary is not None and metric.summary.sample_count == 2


def test_one_float_count_makes_every_count_a_float() -> None:
    body = b'# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="2"} 2.5\nh_bucket{le="+Inf"} 0\nh_count 3\nh_sum 4\n'
    histogram = _histogram(body)
    assert histogram.buckets == [(1.0, 0), (2.0, 0), (math.inf, 0)]
    assert histogram.bucket_floats == [1.0, 2.5, 0.0]
    assert histogram.sample_count == 0 and histogram.sample_count_float == 3.0


def test_an_integer_histogram_stays_integer() -> None:
    histogram = _histogram(b'# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 3\n')
    assert histogram == Histogram(3, 0.0, [(1.0, 1)])


@pytest.mark.parametrize("spelling", ["gaugehistogram", "gauge_histogram", "GAUGEHISTOGRAM", "Gauge_Histogram"])
def test_gauge_histograms_are_parsed_like_histograms(spelling: str) -> None:
    body = f'# TYPE g {spelling}\ng_bucket{{le="1",a="x"}} 2\ng_bucket{{le="+Inf",a="x"}} 3\ng_sum{{a="x"}} 1.5\ng_count{{a="x"}} 3\n'
    families = parse_text(body.encode())
    assert set(families) == {"g"}
    family = families["g"]
    assert family.type is MetricType.GAUGE_HISTOGRAM
    assert family.metrics == [Metric(labels=(("a", "x"),), histogram=Histogram(3, 1.5, [(1.0, 2), (math.inf, 3)]))]


def test_gauge_histograms_are_written_as_histograms() -> None:
    family = parse_text(b'# TYPE g gaugehistogram\ng_bucket{le="1"} 2\ng_sum 1\ng_count 3\n')["g"]
    assert render_family(family) == (
        b'# TYPE g histogram\ng_bucket{le="1"} 2\ng_bucket{le="+Inf"} 3\ng_sum 1\ng_count 3\n'
    )


def test_float_histograms_are_written_with_their_float_counts() -> None:
    histogram = Histogram(0, 2.0, [(1.0, 0)], sample_count_float=4.5, bucket_floats=[1.5])
    family = MetricFamily("f", MetricType.HISTOGRAM, None, [Metric(histogram=histogram)])
    assert (
        render_family(family)
        == b'# TYPE f histogram\nf_bucket{le="1"} 1.5\nf_bucket{le="+Inf"} 4.5\nf_sum 2\nf_count 4.5\n'
    )


def test_a_native_only_histogram_is_its_inf_bucket_sum_and_count() -> None:
    native = NativeHistogram(schema=3, zero_count=2, positive_spans=(Span(0, 1),), positive_deltas=(18,))
    family = MetricFamily(
        "n",
        MetricType.HISTOGRAM,
        "h",
        [Metric(labels=(("job", "j"),), histogram=Histogram(20, 99.23, [], native=native))],
    )
    assert render_family(family) == (
        b'# HELP n h\n# TYPE n histogram\nn_bucket{job="j",le="+Inf"} 20\nn_sum{job="j"} 99.23\nn_count{job="j"} 20\n'
    )


def test_a_mixed_histogram_shows_only_its_classic_part() -> None:
    native = NativeHistogram(schema=0, positive_spans=(Span(0, 1),), positive_deltas=(5,))
    family = MetricFamily(
        "m", MetricType.HISTOGRAM, None, [Metric(histogram=Histogram(5, 1.0, [(0.5, 2)], native=native))]
    )
    assert (
        render_family(family)
        == b'# TYPE m histogram\nm_bucket{le="0.5"} 2\nm_bucket{le="+Inf"} 5\nm_sum 1\nm_count 5\n'
    )


_COUNTS = st.one_of(st.integers(0, 2**53).map(float), st.floats(0, 1e12).filter(lambda v: not v.is_integer()))


@st.composite
def _histogram_families(draw: st.DrawFn) -> MetricFamily:
    """A histogram or gauge histogram family whose counts are integers or floats, as the text format can say."""
    mtype = draw(st.sampled_from([MetricType.HISTOGRAM, MetricType.GAUGE_HISTOGRAM]))
    metrics = []
    for labels in draw(st.lists(labelsets, min_size=1, max_size=2, unique=True)):
        bounds = sorted(draw(st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=3, unique=True)))
        lines = [(b, draw(_COUNTS)) for b in bounds] + [(math.inf, draw(_COUNTS))]
        count, total = draw(_COUNTS), draw(st.floats(allow_nan=False))
        body_lines = [f'x_bucket{{le="{b!r}"}} {c!r}' for b, c in lines] + [f"x_sum {total!r}", f"x_count {count!r}"]
        parsed = parse_text(("# TYPE x histogram\n" + "\n".join(body_lines) + "\n").encode())["x"].metrics[0]
        metrics.append(Metric(labels=labels, histogram=parsed.histogram))
    return MetricFamily(draw(names), mtype, None, metrics)


@settings(max_examples=150)
@given(_histogram_families())
def test_parse_render_parse_keeps_float_and_gauge_histograms(family: MetricFamily) -> None:
    text = render_family(family)
    if family.type is MetricType.GAUGE_HISTOGRAM:
        text = text.replace(b" histogram\n", b" gaugehistogram\n", 1)
    again = parse_text(text)[family.name]
    assert again.type is family.type
    assert again.metrics == family.metrics


@pytest.mark.parametrize("body", [b"x x", b"x 1", b"# TYPE h histogram\nh_count -1"])
def test_a_value_at_the_end_of_input_is_an_unexpected_end(body: bytes) -> None:
    # Go reads the token, meets the end of input and stops before parsing it (found by test_generated).
    with pytest.raises(ParseError, match="unexpected end of input stream"):
        parse_text(body)
