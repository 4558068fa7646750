"""The PostgreSQL row codec keeps every field a family can carry: a replica serves a loaded family as the one that took it.

Pure (no server): each field kind of client_model 0.6, pushed as protobuf (built with google.protobuf,
independently of our codec) or as text, goes through `encode_family` / `decode_family` and must
come back as the same protobuf bytes (upb's own serialisation for protobuf pushes), the same
typed views, and the same text, prototext and API renderings; feed entries likewise. Dropping any
field (a native span, an exemplar, a float count, an unknown field, HELP's presence) fails here.
"""

from __future__ import annotations

import dataclasses
import math
import struct
from typing import Any

import pytest
from google.protobuf import text_format
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.errors import PersistenceError, ProtobufError, UnsupportedSchema
from bridge.gateway.reads.api import family_json
from bridge.gateway.storage.postgres.codec import decode_family, decode_write, encode_family, encode_write
from bridge.gateway.store.types import WIPED, Change, StoredFamily
from bridge.protocol import protobuf
from bridge.protocol.grouping import group_key
from bridge.protocol.model import MetricFamily
from bridge.protocol.prototext import render_prototext
from bridge.protocol.textparse import parse_text
from bridge.protocol.textrender import render_family
from tests.support import metrics_pb, strategies, wire_gen

NOW = 1_700_000_000_123_456_789


def _pb(text: str) -> bytes:
    return bytes(text_format.Parse(text, metrics_pb.MetricFamily()).SerializeToString())


def _field(number: int, payload: bytes) -> bytes:
    return wire_gen.varint(number << 3 | 2) + wire_gen.varint(len(payload)) + payload


def _with_unknown_fields() -> bytes:
    """Unknown fields in a label pair, a value message and the metric; a label pair without a value."""
    label = metrics_pb.CLASSES["LabelPair"](name="a", value="1").SerializeToString() + b"\x18\x01"
    bare = metrics_pb.CLASSES["LabelPair"](name="b").SerializeToString()
    gauge = metrics_pb.CLASSES["Gauge"](value=1.5).SerializeToString() + b"\xa0\x06\x01"  # field 100
    metric = _field(1, label) + _field(1, bare) + _field(2, gauge) + b"\xb8\x06\x07"  # field 103
    return _pb('name: "u" type: GAUGE') + _field(4, metric)


_NAN_PAYLOAD = struct.unpack("<d", struct.pack("<Q", 0x7FF8_0000_0000_0BAD))[0]


def _gauges() -> bytes:
    """-0.0, +Inf, and a NaN whose payload text formats cannot carry."""
    head = _pb(
        'name: "g" type: GAUGE metric { label { name: "k" value: "neg0" } gauge { value: -0.0 } }'
        ' metric { label { name: "k" value: "inf" } gauge { value: inf } }'
    )
    label = metrics_pb.CLASSES["LabelPair"](name="k", value="nan").SerializeToString()
    nan = metrics_pb.CLASSES["Gauge"](value=_NAN_PAYLOAD).SerializeToString()
    return head + _field(4, _field(1, label) + _field(2, nan))


PUSHED: dict[str, bytes] = {
    "counter with exemplar and created timestamp": _pb(
        'name: "c_total" help: "requests" type: COUNTER metric { label { name: "code" value: "200" } counter {'
        ' value: 12 exemplar { label { name: "trace_id" value: "abc" } value: 1 timestamp { seconds: 1700000000 nanos: 5 } }'
        " created_timestamp { seconds: 1699999999 nanos: 7 } } }"
    ),
    "gauge: -0, +Inf, NaN with a payload": _gauges(),
    "untyped with a timestamp": _pb('name: "u" type: UNTYPED metric { untyped { value: 3 } timestamp_ms: -5 }'),
    "summary with quantiles and created timestamp": _pb(
        'name: "s" type: SUMMARY metric { summary { sample_count: 18446744073709551615 sample_sum: 2.5'
        " quantile { quantile: 0.5 value: 1 } quantile { quantile: 0.99 value: nan }"
        " created_timestamp { seconds: 1 } } }"
    ),
    "classic histogram with bucket exemplars": _pb(
        'name: "h" type: HISTOGRAM metric { histogram { sample_count: 4 sample_sum: 2'
        ' bucket { cumulative_count: 1 upper_bound: 0.5 exemplar { label { name: "t" value: "x" } value: 0.2 } }'
        " bucket { cumulative_count: 4 upper_bound: inf } created_timestamp { seconds: 9 } } }"
    ),
    "gauge histogram": _pb(
        'name: "gh" type: GAUGE_HISTOGRAM metric { histogram { sample_count: 2 sample_sum: 1'
        " bucket { cumulative_count: 2 upper_bound: inf } } }"
    ),
    "classic float histogram": _pb(
        'name: "cf" type: HISTOGRAM metric { histogram { sample_count_float: 4.5 sample_sum: 2'
        " bucket { cumulative_count_float: 1.5 upper_bound: 0.5 } bucket { cumulative_count_float: 4.5 upper_bound: inf } } }"
    ),
    "native integer histogram: spans, zero bucket, schema, exemplars": _pb(
        'name: "rpc_seconds" help: "RPC latency." type: HISTOGRAM metric { label { name: "code" value: "200" }'
        " histogram { sample_count: 7 sample_sum: 3.25 schema: 0 zero_threshold: 2.938735877055719e-39 zero_count: 1"
        " negative_span { offset: 0 length: 1 } negative_delta: 1"
        " positive_span { offset: -1 length: 2 } positive_span { offset: 1 length: 1 }"
        " positive_delta: 2 positive_delta: 1 positive_delta: -2"
        " created_timestamp { seconds: 1700000000 nanos: 5 }"
        ' exemplars { label { name: "trace_id" value: "abc" } value: 0.7 timestamp { seconds: 1700000001 } }'
        ' exemplars { label { name: "trace_id" value: "def" } value: -0.3 } } }'
    ),
    "native float histogram": _pb(
        'name: "nf" type: HISTOGRAM metric { histogram { sample_count_float: 7.75 sample_sum: 3.25 schema: -1'
        " zero_threshold: 0.5 zero_count_float: 1.5 negative_span { offset: 0 length: 1 } negative_count: 0.25"
        " positive_span { offset: 1 length: 2 } positive_count: 2.5 positive_count: 3.5 } }"
    ),
    "native gauge histogram with classic buckets too": _pb(
        'name: "mh" type: GAUGE_HISTOGRAM metric { histogram { sample_count: 7 sample_sum: 3'
        " bucket { cumulative_count: 1 upper_bound: 0.5 } bucket { cumulative_count: 4 upper_bound: 1 }"
        " schema: 8 zero_threshold: 0.001 zero_count: 1 positive_span { offset: -1 length: 3 }"
        " positive_delta: 1 positive_delta: 2 positive_delta: -1 } }"
    ),
    "native histogram without spans (zero bucket only)": _pb(
        'name: "z" type: HISTOGRAM metric { histogram { sample_count: 1 sample_sum: 0 schema: 3'
        " zero_threshold: 0 zero_count: 1 } }"
    ),
    "several value fields in one metric": _pb(
        'name: "m" type: GAUGE metric { gauge { value: 1 } counter { value: 2 } untyped { value: 3 } }'
    ),
    "help empty, not absent": _pb('name: "e" help: "" type: COUNTER metric { counter { value: 1 } }'),
    "unknown fields, a label pair without a value": _with_unknown_fields(),
}

TEXT_PUSHED: dict[str, bytes] = {
    "text float histogram": b'# TYPE h histogram\nh_bucket{le="1"} 1.5\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2.5\n',
    "text gauge histogram": b'# TYPE g gaugehistogram\ng_bucket{le="1"} 2\ng_bucket{le="+Inf"} 3\ng_sum 1\ng_count 3\n',
    "text summary, HELP with escapes": b'# HELP s a\\\\b\\nc\n# TYPE s summary\ns{quantile="0.5",x="\\"q\\""} 1\ns_sum 2\ns_count 3\n',
    "text untyped, UTF-8 label value, no HELP": 'x{a="żółw ✓"} NaN\n'.encode(),
}


def _views(family: MetricFamily) -> tuple[Any, ...]:
    """Everything the text format and the API read (the protobuf bytes cover `extras`)."""
    metrics = [repr(dataclasses.replace(m, extras=None)) for m in family.metrics]
    return family.name, family.type, family.help, metrics


def _renderings(family: MetricFamily) -> list[Any]:
    """Text, prototext and API renderings; one that refuses the family (as the store would) by its error."""
    out: list[Any] = []
    for render in (
        render_family,
        lambda f: render_prototext([f], compact=False),
        lambda f: family_json(StoredFamily(f, NOW)),
    ):
        try:
            out.append(render(family))
        except (ValueError, UnsupportedSchema) as exc:
            out.append(f"{type(exc).__name__}: {exc}")
    return out


def assert_same_family(back: MetricFamily, family: MetricFamily) -> None:
    assert protobuf.encode_family(back) == protobuf.encode_family(family)
    assert _views(back) == _views(family)
    assert _renderings(back) == _renderings(family)


def stored_and_back(family: MetricFamily) -> MetricFamily:
    return decode_family(family.name, encode_family(family))


@pytest.mark.parametrize("data", PUSHED.values(), ids=PUSHED.keys())
def test_a_pushed_family_comes_back_as_it_was_pushed(data: bytes) -> None:
    family = protobuf.decode_family(data)
    back = stored_and_back(family)
    assert_same_family(back, family)
    canonical = metrics_pb.MetricFamily.FromString(data).SerializeToString()  # upb, not our codec
    assert encode_family(family) == canonical
    assert protobuf.encode_family(back) == canonical
    assert protobuf.encode_family(stored_and_back(back)) == canonical  # and again: a fixed point


@pytest.mark.parametrize("body", TEXT_PUSHED.values(), ids=TEXT_PUSHED.keys())
def test_a_text_pushed_family_comes_back_as_it_was_parsed(body: bytes) -> None:
    for family in parse_text(body).values():
        assert_same_family(stored_and_back(family), family)


@settings(max_examples=150)
@given(st.lists(wire_gen.message("Metric"), min_size=1, max_size=3), st.sampled_from([0, 1, 2, 3, 4, 5]))
def test_any_decodable_push_is_stored_whole(metrics: list[bytes], mtype: int) -> None:
    data = b"\x0a\x01f\x12\x01h\x18" + bytes([mtype]) + b"".join(_field(4, m) for m in metrics)
    try:
        family = protobuf.decode_family(data)
    except ProtobufError:
        return
    assert_same_family(stored_and_back(family), family)


@settings(max_examples=150)
@given(st.one_of(strategies.families()))
def test_any_model_family_is_stored_whole(family: MetricFamily) -> None:
    assert_same_family(stored_and_back(family), family)


def test_feed_entries_keep_their_families_whole() -> None:
    native = protobuf.decode_family(PUSHED["native integer histogram: spans, zero bucket, schema, exemplars"])
    labels = {"job": "j", "instance": "i"}
    changes = [
        Change(group_key(labels), labels, {native.name: StoredFamily(native, NOW)}, ("old",)),
        WIPED,
        Change(group_key({"job": "k"}), {"job": "k"}, {}, (), group_removed=True),
    ]
    doc, blobs = encode_write(changes)
    back = decode_write(doc, blobs)
    assert back[1] is WIPED
    assert (back[2].labels, back[2].group_removed, back[2].written) == ({"job": "k"}, True, {})
    first = back[0]
    assert (first.key, first.labels, first.removed, first.group_removed) == (group_key(labels), labels, ("old",), False)
    assert list(first.written) == [native.name]
    assert first.written[native.name].timestamp_ns == NOW
    assert_same_family(first.written[native.name].family, native)


@pytest.mark.parametrize(
    ("row_name", "data", "message"),
    [
        ("other", _pb('name: "g" type: GAUGE metric { gauge { value: 1 } }'), "holds family 'g'"),
        ("g", _pb('name: "g" type: GAUGE metric { gauge { value: 1 } }')[:-3], "cannot be decoded"),
        ("g", b"\x0a\x01g\x18\x09", "cannot be decoded"),  # type 9
        ("g", b"[1,null,[[[],[0,1.0]]]]", "cannot be decoded"),  # a row of the file's JSON codec
    ],
    ids=["another-name", "truncated", "unknown-type", "json-row"],
)
def test_bytes_this_codec_did_not_write_are_refused(row_name: str, data: bytes, message: str) -> None:
    with pytest.raises(PersistenceError, match=message):
        decode_family(row_name, data)


def test_nan_payloads_survive() -> None:
    family = protobuf.decode_family(PUSHED["gauge: -0, +Inf, NaN with a payload"])
    back = stored_and_back(family)
    values = [m.gauge for m in back.metrics]
    assert values[0] == 0.0 and math.copysign(1, values[0]) == -1
    assert values[2] is not None and struct.pack("<d", values[2]) == struct.pack("<d", _NAN_PAYLOAD)
