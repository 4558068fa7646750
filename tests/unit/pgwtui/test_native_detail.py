"""The group detail's native histograms: 1.11's bucket list from `/api/v1/metrics`, shown readably (pure)."""

from __future__ import annotations

import json

import pytest

from bridge.protocol.native import NativeHistogram, Span, api_buckets, schema_of
from pgwtui.errors import RepushError
from pgwtui.models import parse_groups
from pgwtui.repush import body_without
from pgwtui.views.detail import SeriesLine, native_lines, series_lines

# What the gateway (ours or 1.11) lists for schema 3, a zero bucket and both sides.
NATIVE = NativeHistogram(
    schema=3,
    zero_threshold=1e-128,
    zero_count=2,
    negative_spans=(Span(-2, 1),),
    negative_deltas=(4,),
    positive_spans=(Span(0, 2), Span(1, 1)),
    positive_deltas=(3, -1, 2),
)
ENTRY = {
    "labels": {"job": "lat", "instance": "", "path": "/api"},
    "buckets": api_buckets(NATIVE, 0.0),
    "count": "11",
    "sum": "99.23",
}
GROUP = {
    "labels": {"job": "lat", "instance": ""},
    "last_push_successful": True,
    "rpc_seconds": {"type": "HISTOGRAM", "help": "RPC latency.", "metrics": [ENTRY]},
    "other": {"type": "GAUGE", "metrics": [{"labels": {"job": "lat", "instance": ""}, "value": "1"}]},
}


def _group() -> object:
    groups, _ = parse_groups(json.dumps({"status": "success", "data": [GROUP]}))
    return groups[0]


def test_series_lines_show_schema_zero_bucket_and_buckets() -> None:
    group = _group()
    (family,) = [f for f in group.families() if f.name == "rpc_seconds"]  # type: ignore[attr-defined]
    assert series_lines(family, group.key) == [  # type: ignore[attr-defined]
        SeriesLine('{path="/api"}', "count 11   sum 99.23"),
        SeriesLine("    native histogram", "schema 3"),
        SeriesLine("    [-0.8408964152537144,-0.7711054127039704)", "4"),
        SeriesLine("    zero bucket [-1e-128,1e-128]", "2"),
        SeriesLine("    (0.9170040432046711,1]", "3"),
        SeriesLine("    (1,1.0905077326652577]", "2"),
        SeriesLine("    (1.189207115002721,1.2968395546510096]", "4"),
    ]


@pytest.mark.parametrize("schema", [-4, -1, 0, 1, 5, 8])
def test_the_schema_is_read_back_from_the_bounds(schema: int) -> None:
    native = NativeHistogram(schema=schema, positive_spans=(Span(-3, 2),), positive_deltas=(1, 0))
    lines = native_lines(tuple(tuple(b) for b in api_buckets(native, 0.0)))  # type: ignore[misc]
    assert lines[0] == SeriesLine("    native histogram", f"schema {schema}")


def test_only_a_zero_bucket_leaves_the_schema_unknown() -> None:
    assert native_lines(((3, "-0.5", "0.5", "1.5"),)) == [
        SeriesLine("    native histogram", "schema unknown"),
        SeriesLine("    zero bucket [-0.5,0.5]", "1.5"),
    ]
    assert schema_of(-0.5, 0.5) is None


def test_classic_histograms_have_no_native_lines() -> None:
    assert native_lines(()) == []


def test_a_native_histogram_is_not_re_pushed_as_text() -> None:
    with pytest.raises(RepushError, match="native histogram"):
        body_without(_group(), "other")  # type: ignore[arg-type]


def test_float_classic_counts_are_re_pushed_as_floats() -> None:
    entry = {**GROUP, "rpc_seconds": {"type": "HISTOGRAM", "metrics": [
        {"labels": {"job": "lat", "instance": ""}, "buckets": {"0.5": "1.5", "+Inf": "4.5"}, "count": "4.5", "sum": "2"},
    ]}}  # fmt: skip
    groups, _ = parse_groups(json.dumps({"status": "success", "data": [entry]}))
    body = body_without(groups[0], "other")
    assert b'rpc_seconds_bucket{le="0.5"} 1.5\n' in body and b"rpc_seconds_count 4.5\n" in body
