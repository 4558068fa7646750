"""Unit tests: the Go fallback body (a group without one family) parses back to the same families."""

from __future__ import annotations

import json

import pytest

from bridge.protocol.textparse import parse_text
from pgwtui.errors import RepushError
from pgwtui.models import Group, parse_groups
from pgwtui.repush import body_without

GROUP = {
    "labels": {"job": "batch", "instance": ""},
    "last_push_successful": True,
    "c": {"type": "COUNTER", "help": "A \\ counter\nwith newline.", "metrics": [
        {"labels": {"job": "batch", "instance": "", "path": "/a \"b\""}, "value": "1e+21"},
        {"labels": {"job": "batch", "instance": "", "path": ""}, "value": "NaN"},
    ]},
    "h": {"type": "HISTOGRAM", "metrics": [
        {"labels": {"job": "batch", "instance": ""}, "buckets": {"0.5": "1", "+Inf": "2"}, "count": "2", "sum": "0.75"},
    ]},
    "s": {"type": "SUMMARY", "metrics": [
        {"labels": {"job": "batch", "instance": ""}, "quantiles": {"0.9": "-Inf"}, "count": "3", "sum": "1.5"},
    ]},
    "u": {"type": "UNTYPED", "metrics": [{"labels": {"job": "batch", "instance": ""}, "value": "-2"}]},
    "drop_me": {"type": "GAUGE", "metrics": [{"labels": {"job": "batch", "instance": ""}, "value": "7"}]},
    "push_time_seconds": {"type": "GAUGE", "metrics": [{"labels": {"job": "batch", "instance": ""}, "value": "100"}]},
}  # fmt: skip


def group(entry: dict[str, object] = GROUP) -> Group:
    groups, _ = parse_groups(json.dumps({"status": "success", "data": [entry]}))
    return groups[0]


def test_body_without_round_trips():
    families = parse_text(body_without(group(), "drop_me"))
    assert sorted(families) == ["c", "h", "s", "u"], "no dropped family, no gateway timestamps"
    c = families["c"]
    assert c.help == "A \\ counter\nwith newline."
    assert [m.labels for m in c.metrics] == [(("path", '/a "b"'),), (("path", ""),)]
    assert c.metrics[0].counter == 1e21
    h = families["h"].metrics[0].histogram
    assert h is not None and h.buckets == [(0.5, 1), (float("inf"), 2)] and h.sample_sum == 0.75
    s = families["s"].metrics[0].summary
    assert s is not None and s.quantiles == [(0.9, float("-inf"))] and s.sample_count == 3
    assert families["u"].metrics[0].untyped == -2


@pytest.mark.parametrize(
    ("family", "words"), [("push_time_seconds", "maintained by the gateway"), ("nope", "no family")]
)
def test_refusals(family: str, words: str):
    with pytest.raises(RepushError, match=words):
        body_without(group(), family)


def test_types_the_text_format_cannot_carry():
    entry = {**GROUP, "gh": {"type": "GAUGE_HISTOGRAM", "metrics": []}}
    with pytest.raises(RepushError, match="GAUGE_HISTOGRAM"):
        body_without(group(entry), "drop_me")
