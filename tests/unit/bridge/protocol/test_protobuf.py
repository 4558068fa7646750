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


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"\xff\xff\xff\xff\xff\xff", "invalid varint32"),
        (metrics_pb.delimited(metrics_pb.family("c", "GAUGE", None, [{"gauge": 1}]))[:-3], "unexpected EOF"),
    ],
)
def test_malformed_streams(body: bytes, message: str) -> None:
    with pytest.raises(ProtobufError, match=message):
        decode_delimited(body)


@pytest.mark.parametrize("body", [b"", b"\x80", b"\x05"])
def test_streams_that_simply_end(body: bytes) -> None:
    assert decode_delimited(body) == {}


def test_gauge_histogram_is_refused() -> None:
    with pytest.raises(ProtobufError, match="GAUGE_HISTOGRAM"):
        decode_delimited(metrics_pb.delimited(metrics_pb.family("g", "GAUGE_HISTOGRAM", None, [])))


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
