"""The delimited protobuf codec against an independent implementation (google.protobuf)."""

from __future__ import annotations

import contextlib
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.errors import ProtobufError
from bridge.protocol.model import MetricFamily, MetricType
from bridge.protocol.protobuf import decode_delimited, encode_delimited
from tests.support import metrics_pb
from tests.support.strategies import families


def _same(ours: MetricFamily, theirs: object) -> bool:
    return ours == decode_delimited(metrics_pb.delimited(theirs))[ours.name]


@settings(max_examples=200)
@given(st.lists(families(), min_size=1, max_size=4, unique_by=lambda f: f.name))
def test_our_encoding_decodes_with_google_protobuf_and_back(fams: list[MetricFamily]) -> None:
    data = encode_delimited(fams)
    theirs = metrics_pb.parse_delimited(data)
    assert [f.name for f in theirs] == [f.name for f in fams]
    # Re-encode with google.protobuf and decode with ours: the same families come back.
    assert decode_delimited(metrics_pb.delimited(*theirs)) == {f.name: f for f in fams}


def test_decodes_what_a_go_client_sends() -> None:
    mf = metrics_pb.family(
        "rpc_seconds",
        "HISTOGRAM",
        "RPC latency",
        [{"labels": {"code": "200"}, "histogram": {"count": 5, "sum": 1.5, "buckets": [(0.1, 2), (1.0, 5)]}}],
    )
    decoded = decode_delimited(metrics_pb.delimited(mf))["rpc_seconds"]
    assert decoded.type is MetricType.HISTOGRAM
    assert decoded.help == "RPC latency"
    assert decoded.metrics[0].labels == (("code", "200"),)
    assert decoded.metrics[0].histogram is not None
    assert decoded.metrics[0].histogram.buckets == [(0.1, 2), (1.0, 5)]


def test_proto2_presence_of_help_is_kept() -> None:
    assert decode_delimited(metrics_pb.delimited(metrics_pb.family("a", "GAUGE", "", [{"gauge": 1}])))["a"].help == ""
    assert (
        decode_delimited(metrics_pb.delimited(metrics_pb.family("a", "GAUGE", None, [{"gauge": 1}])))["a"].help is None
    )


def test_missing_type_is_counter_and_last_duplicate_wins() -> None:
    stream = metrics_pb.delimited(
        metrics_pb.family("c", None, None, [{"counter": 1}]), metrics_pb.family("c", None, None, [{"counter": 2}])
    )
    decoded = decode_delimited(stream)["c"]
    assert decoded.type is MetricType.COUNTER
    assert decoded.metrics[0].counter == 2


_ONE = metrics_pb.delimited(metrics_pb.family("c", "GAUGE", None, [{"gauge": 1}]))
_OVERFLOW = "proto:\u00a0variable length integer overflow"
_INVALID = "proto:\u00a0cannot parse invalid wire-format data"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_ONE[:-3], "unexpected EOF"),  # the payload ends early
        (b"\x80", "unexpected EOF"),  # inside a length prefix (1.5.1: the stream simply ended)
        (_ONE + b"\x80", "unexpected EOF"),
        (b"\x05", "unexpected EOF"),  # a prefix and no payload byte (1.5.1: the end)
        (_ONE + b"\x05", "unexpected EOF"),
        (b"\xff\xff\xff", "unexpected EOF"),
        (b"\x80\x80\x40abc", "unexpected EOF"),  # 2**20 declared, 3 bytes there: answered, not allocated
        (b"\x80" * 8 + b"\x10", "unexpected EOF"),  # 2**60 declared (Go 1.11.0 panics allocating it)
        (b"\xff" * 10 + b"\x01", _OVERFLOW),  # ten bytes, all continued
        (b"\xff" * 9 + b"\x02", _OVERFLOW),  # the tenth byte above 1
        (b"\x01\x0f", _INVALID),  # wire type 7
        (b"\x02\x00\x00", _INVALID),  # field number 0
        (b"\x03\x22\x01\x00", _INVALID),  # field number 0 inside a Metric
        (b"\x04\x0a\x05ab", _INVALID),  # a name longer than its message
        (b"\x01\x0c", _INVALID),  # an end-group tag with no group
        (b"\x02\x0b\x14", _INVALID),  # a group closed by another field's end tag
    ],
)
def test_malformed_streams(body: bytes, message: str) -> None:
    with pytest.raises(ProtobufError) as raised:
        decode_delimited(body)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x00",  # a zero-length message: an empty family named ""
        bytes([_ONE[0] | 0x80]) + b"\x80" * 4 + b"\x00" + _ONE[1:],  # a six-byte prefix (1.5.1: invalid varint32)
        bytes([_ONE[0] | 0x80]) + b"\x80" * 8 + b"\x00" + _ONE[1:],  # ten bytes, the tenth 0
    ],
)
def test_streams_protodelim_accepts(body: bytes) -> None:
    decoded = decode_delimited(body)
    assert set(decoded) <= {"", "c"}
    assert all(f.metrics == [] for name, f in decoded.items() if name == "")


def test_gauge_histograms_are_decoded() -> None:
    mf = metrics_pb.family("g", "GAUGE_HISTOGRAM", None, [{"histogram": {"count": 2, "sum": 1.0}}])
    decoded = decode_delimited(metrics_pb.delimited(mf))["g"]
    assert decoded.type is MetricType.GAUGE_HISTOGRAM
    assert decoded.metrics[0].histogram is not None and decoded.metrics[0].histogram.sample_count == 2


@pytest.mark.parametrize("value", [6, 7, -1])
def test_types_outside_client_model_are_refused(value: int) -> None:
    body = bytes([4, 0x18, value & 0x7F, 0x0A, 0x00]) if value >= 0 else b"\x0d\x18" + b"\xff" * 9 + b"\x01\x0a\x00"
    with pytest.raises(ProtobufError, match=f"unsupported type {value}"):
        decode_delimited(body)


def test_non_finite_values_survive() -> None:
    mf = metrics_pb.family(
        "g", "GAUGE", None, [{"labels": {"a": "1"}, "gauge": math.inf}, {"labels": {"a": "2"}, "gauge": math.nan}]
    )
    decoded = decode_delimited(metrics_pb.delimited(mf))["g"]
    assert decoded.metrics[0].gauge == math.inf
    assert decoded.metrics[1].gauge is not None and math.isnan(decoded.metrics[1].gauge)


@settings(max_examples=300)
@given(st.binary(max_size=80))
def test_arbitrary_bytes_decode_or_raise_protobuf_error(body: bytes) -> None:
    # Any other exception (IndexError, struct.error, ...) escaping would fail the test.
    with contextlib.suppress(ProtobufError):
        decode_delimited(body)
