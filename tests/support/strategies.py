"""Hypothesis strategies for the wire model: metric families every parser and renderer must round-trip."""

from __future__ import annotations

import math

from hypothesis import strategies as st

from bridge.protocol.model import Histogram, Metric, MetricFamily, MetricType, Summary

names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda n: not n.endswith(("_count", "_sum", "_bucket"))
)
label_names = st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True).filter(lambda n: n not in ("le", "quantile"))
label_values = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8)
values = st.floats(allow_nan=False, width=64)
labelsets = st.dictionaries(label_names, label_values, max_size=3).map(lambda d: tuple(sorted(d.items())))


@st.composite
def families(draw: st.DrawFn) -> MetricFamily:
    """A family of any classic type with 1-3 distinct label sets; names avoid the `_sum`/`_count`/`_bucket` suffixes."""
    name = draw(names)
    mtype = draw(
        st.sampled_from(
            [MetricType.COUNTER, MetricType.GAUGE, MetricType.UNTYPED, MetricType.SUMMARY, MetricType.HISTOGRAM]
        )
    )
    help_text = draw(
        st.one_of(
            st.none(),
            st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=10).filter(
                lambda h: not h[0].isspace()
            ),
        )
    )
    sets = draw(st.lists(labelsets, min_size=1, max_size=3, unique=True))
    metrics = []
    for labels in sets:
        if mtype is MetricType.SUMMARY:
            quantiles = draw(st.lists(st.tuples(st.floats(0, 1), values), max_size=3))
            metrics.append(Metric(labels=labels, summary=Summary(draw(st.integers(0, 2**53)), draw(values), quantiles)))
        elif mtype is MetricType.HISTOGRAM:
            bounds = draw(st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=3, unique=True))
            buckets = [(b, draw(st.integers(0, 2**53))) for b in sorted(bounds)] + [(math.inf, 7)]
            metrics.append(Metric(labels=labels, histogram=Histogram(7, draw(values), buckets)))
        elif mtype is MetricType.COUNTER:
            metrics.append(Metric(labels=labels, counter=draw(values)))
        elif mtype is MetricType.GAUGE:
            metrics.append(Metric(labels=labels, gauge=draw(values)))
        else:
            metrics.append(Metric(labels=labels, untyped=draw(values)))
    return MetricFamily(name, mtype, help_text, metrics)
