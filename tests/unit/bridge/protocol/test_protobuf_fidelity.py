"""What a Pushgateway 1.11 keeps of a protobuf push, we keep: checked against upb (google.protobuf).

upb and Go's protobuf-go marshal alike: known fields in field-number order, repeated scalars
unpacked (proto2), shortest varints, repeated singular messages merged, unknown fields last in
arrival order. So for any wire form a client sends, our re-encoding must equal upb's parse and
re-serialise; the live check against the 1.11.0 binary is tests/differential/test_native_push.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from google.protobuf import timestamp_pb2
from google.protobuf.message import DecodeError
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.errors import ProtobufError
from bridge.protocol import canonical, protobuf
from bridge.protocol.model import Histogram, Metric, MetricFamily, MetricType
from bridge.protocol.native import NativeHistogram, Span
from bridge.protocol.protobuf import decode_delimited, decode_family, encode_family
from bridge.protocol.schema import MESSAGES
from tests.support import metrics_pb, wire_gen


def _upb(name: str) -> Any:
    return timestamp_pb2.Timestamp if name == "Timestamp" else metrics_pb.CLASSES[name]


def _reencoded_by_upb(name: str, data: bytes) -> bytes | None:
    """upb's parse and re-serialisation, or None where upb refuses the data."""
    try:
        result: bytes = _upb(name).FromString(data).SerializeToString()
    except DecodeError:
        return None
    return result


def _ours(encode: Callable[[], bytes]) -> bytes | None:
    try:
        return encode()
    except ProtobufError:
        return None


@settings(max_examples=150)
@given(st.sampled_from(sorted(MESSAGES)).flatmap(lambda n: st.tuples(st.just(n), wire_gen.message(n))))
def test_every_message_is_re_encoded_as_upb_re_encodes_it(case: tuple[str, bytes]) -> None:
    name, data = case
    assert _ours(lambda: canonical.canonical(name, data)) == _reencoded_by_upb(name, data)


_VALUE_FIELDS = {2: "Gauge", 3: "Counter", 4: "Summary", 5: "Untyped", 7: "Histogram"}


@st.composite
def _metric_wire(draw: st.DrawFn) -> bytes:
    """A Metric: distinct label names, value sub-messages in any form (some twice), unknown fields, any order."""
    parts: list[bytes] = []
    for name in draw(st.lists(st.sampled_from(["a", "b", "job", "le", "x_y"]), unique=True, max_size=3)):
        pair = draw(
            st.one_of(st.just(b"\x0a" + bytes([len(name)]) + name.encode() + b"\x12\x01v"), wire_gen.label_pair(name))
        )
        parts.append(b"\x0a" + wire_gen.varint(len(pair)) + pair)
    for number in draw(st.lists(st.sampled_from(sorted(_VALUE_FIELDS)), max_size=3)):
        body = draw(wire_gen.message(_VALUE_FIELDS[number], 1))
        parts.append(bytes([number << 3 | 2]) + wire_gen.varint(len(body)) + body)
    if draw(st.booleans()):
        parts.append(b"\x30" + wire_gen.varint(draw(st.integers(0, (1 << 64) - 1))))
    if draw(st.booleans()):
        parts.append(b"\xb8\x06" + wire_gen.varint(draw(st.integers(0, 1000))))  # field 103, a varint
    return b"".join(draw(st.permutations(parts)))


@settings(max_examples=300)
@given(st.lists(_metric_wire(), min_size=1, max_size=3))
def test_a_family_goes_out_as_go_marshals_it(metrics: list[bytes]) -> None:
    data = b"\x0a\x01f\x18\x04" + b"".join(b"\x22" + wire_gen.varint(len(m)) + m for m in metrics)
    assert _ours(lambda: encode_family(decode_family(data))) == _reencoded_by_upb("MetricFamily", data)


def test_unit_and_unknown_family_fields_are_dropped_as_1_11_drops_them() -> None:
    mf = metrics_pb.family("g", "GAUGE", "h", [{"gauge": 1.0}])
    mf.unit = "seconds"
    data = mf.SerializeToString() + b"\xa0\x06\x01"  # and field 100, unknown
    out = metrics_pb.MetricFamily.FromString(encode_family(decode_family(data)))
    assert not out.HasField("unit")
    assert out.metric[0].gauge.value == 1.0
    assert (
        encode_family(decode_family(data)) == metrics_pb.family("g", "GAUGE", "h", [{"gauge": 1.0}]).SerializeToString()
    )


def _go_style_native() -> object:
    """What client_golang writes for a native histogram with exemplars and a created timestamp."""
    mf = metrics_pb.MetricFamily(name="rpc_seconds", help="RPC latency.", type=4)
    m = mf.metric.add()
    m.label.add(name="code", value="200")
    h = m.histogram
    h.sample_count = 7
    h.sample_sum = 3.25
    h.schema = 0  # explicit: proto2 presence must keep it
    h.zero_threshold = 2.938735877055719e-39
    h.zero_count = 1
    h.positive_span.add(offset=-1, length=2)
    h.positive_span.add(offset=1, length=1)
    h.positive_delta.extend([2, 1, -2])
    h.negative_span.add(offset=0, length=1)
    h.negative_delta.append(1)
    h.created_timestamp.seconds, h.created_timestamp.nanos = 1_700_000_000, 5
    ex = h.exemplars.add(value=0.7)
    ex.label.add(name="trace_id", value="abc")
    ex.timestamp.seconds = 1_700_000_001
    return mf


def test_a_go_style_native_histogram_survives_byte_for_byte() -> None:
    mf = _go_style_native()
    data = mf.SerializeToString()  # type: ignore[attr-defined]
    family = decode_family(data)
    assert encode_family(family) == data
    histogram = family.metrics[0].histogram
    assert histogram is not None and histogram.native is not None
    assert histogram.native.schema == 0 and histogram.native.is_native
    assert histogram.native.positive_spans == (Span(-1, 2), Span(1, 1))
    assert histogram.native.positive_deltas == (2, 1, -2)
    assert histogram.sample_count == 7 and histogram.buckets == []


def test_explicit_defaults_keep_their_presence() -> None:
    with_schema = metrics_pb.Metric()
    with_schema.histogram.schema = 0
    without = metrics_pb.Metric()
    without.histogram.sample_sum = 0.0
    for message in (with_schema, without):
        data = b"\x0a\x01h\x18\x04\x22" + bytes([message.ByteSize()]) + message.SerializeToString()
        assert encode_family(decode_family(data)) == data


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        # sample_sum before sample_count, packed deltas, an unknown field in the middle
        (
            "11000000000000224008056a0208019806072802",
            "0805110000000000002240280268086801980607",
        ),
        # a bucket with its fields reversed and an unknown field; the histogram sent twice (merged)
        ("1a0e98060711000000000000f03f08030805", "08051a0e080311000000000000f03f980607"),
    ],
)
def test_out_of_order_and_packed_forms_come_back_canonical(wire: str, expected: str) -> None:
    metric = bytes.fromhex("3a") + bytes([len(bytes.fromhex(wire))]) + bytes.fromhex(wire)
    decoded = decode_family(b"\x0a\x01h\x18\x04\x22" + bytes([len(metric)]) + metric)
    assert protobuf.encode_metric(decoded.metrics[0]).hex() == "3a" + f"{len(bytes.fromhex(expected)):02x}" + expected


@st.composite
def _native(draw: st.DrawFn) -> NativeHistogram:
    spans = st.lists(st.builds(Span, st.integers(-5, 5), st.integers(0, 4)), max_size=3).map(tuple)
    deltas = st.lists(st.integers(-(1 << 63), (1 << 63) - 1), max_size=5).map(tuple)
    counts = st.lists(st.floats(allow_nan=False), max_size=5).map(tuple)
    return NativeHistogram(
        schema=draw(st.integers(-4, 8)),
        zero_threshold=draw(st.floats(0, 1)),
        zero_count=draw(st.integers(0, 1 << 40)),
        zero_count_float=draw(st.floats(0, 10)),
        negative_spans=draw(spans),
        negative_deltas=draw(deltas),
        negative_counts=draw(counts),
        positive_spans=draw(spans),
        positive_deltas=draw(deltas),
        positive_counts=draw(counts),
    )


@settings(max_examples=200)
@given(_native(), st.one_of(st.none(), st.floats(0, 100)))
def test_native_histograms_built_in_code_round_trip(native: NativeHistogram, count_float: float | None) -> None:
    histogram = Histogram(3, 1.5, [], sample_count_float=count_float, native=native)
    family = MetricFamily("h", MetricType.HISTOGRAM, None, [Metric(labels=(("a", "1"),), histogram=histogram)])
    data = encode_family(family)
    decoded = decode_family(data).metrics[0].histogram
    assert decoded is not None and decoded.native == native
    assert decoded.sample_count_float == count_float
    assert encode_family(decode_family(data)) == data


def test_float_histograms_from_text_keep_only_float_counts() -> None:
    histogram = Histogram(0, 2.0, [(1.0, 0), (math.inf, 0)], sample_count_float=4.5, bucket_floats=[1.5, 4.5])
    data = encode_family(MetricFamily("f", MetricType.HISTOGRAM, None, [Metric(histogram=histogram)]))
    theirs = metrics_pb.MetricFamily.FromString(data).metric[0].histogram
    assert not theirs.HasField("sample_count") and theirs.sample_count_float == 4.5
    assert [b.HasField("cumulative_count") for b in theirs.bucket] == [False, False]
    assert [b.cumulative_count_float for b in theirs.bucket] == [1.5, 4.5]
    assert decode_delimited(protobuf.delimit(data))["f"].metrics[0].histogram == histogram


def test_label_pairs_with_unknown_fields_or_no_value_survive() -> None:
    pair_unknown = b"\x0a\x01a\x12\x01v\xb8\x06\x01"  # name, value, field 103
    pair_no_value = b"\x0a\x01b"
    metric = (
        b"\x0a"
        + bytes([len(pair_unknown)])
        + pair_unknown
        + b"\x0a\x03"
        + pair_no_value
        + b"\x1a\x09\x09"
        + b"\x00" * 8
    )
    data = b"\x0a\x01c\x18\x00\x22" + bytes([len(metric)]) + metric
    family = decode_family(data)
    assert family.metrics[0].labels == (("a", "v"), ("b", ""))
    assert encode_family(family) == data


def test_an_overlong_tag_of_an_unknown_field_is_written_again_as_go_does() -> None:
    # Field 17 as a three-byte tag (0x88 0x81 0x00): protobuf-go keeps the value, rewrites the tag (upb would not).
    histogram = b"\x08\x01" + b"\x88\x81\x00\x05"
    metric = b"\x3a" + bytes([len(histogram)]) + histogram + b"\xb8\x86\x00\x07"  # and field 103 in the Metric
    data = b"\x0a\x01h\x18\x04\x22" + bytes([len(metric)]) + metric
    assert protobuf.encode_metric(decode_family(data).metrics[0]) == b"\x3a\x05\x08\x01\x88\x01\x05\xb8\x06\x07"


@settings(max_examples=200)
@given(st.lists(_metric_wire(), min_size=1, max_size=3))
def test_a_stored_family_is_its_protobuf_bytes(metrics: list[bytes]) -> None:
    """What persistence relies on: encoding is a fixed point, and decoding it gives the same views."""
    data = b"\x0a\x01f\x12\x00\x18\x04" + b"".join(b"\x22" + wire_gen.varint(len(m)) + m for m in metrics)
    first = _ours(lambda: encode_family(decode_family(data)))
    if first is None:
        return
    again = decode_family(first)
    assert encode_family(again) == first
    original = decode_family(data)
    assert again.help == "" and again.type is original.type
    for theirs, ours in zip(original.metrics, again.metrics, strict=True):
        for field in ("labels", "gauge", "counter", "untyped", "summary", "histogram", "timestamp_ms"):
            assert repr(getattr(ours, field)) == repr(getattr(theirs, field)), field
