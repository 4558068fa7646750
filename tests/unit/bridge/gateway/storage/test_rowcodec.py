"""The family row codec: every field the model holds survives a row, bit for bit, whichever form the row takes."""

from __future__ import annotations

import dataclasses
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.errors import PersistenceError, ProtobufError
from bridge.gateway.storage import rowcodec
from bridge.gateway.storage.rowcodec import decode_family, encode_family, needs_protobuf
from bridge.protocol import protobuf
from bridge.protocol.model import Metric, MetricFamily, MetricType
from tests.support import wire_gen
from tests.support.model_strategies import model_families, nan_with_payload, same
from tests.support.strategies import families

EXTRAS = frozenset({"extras"})
"""`Metric.extras` holds wire encodings: compared by what they encode to."""


def assert_kept(family: MetricFamily, again: MetricFamily) -> None:
    """Every field the same (floats by bits), and the same protobuf encoding (what `extras` are for)."""
    assert same(again, family, ignore=EXTRAS), f"{family!r}\nbecame\n{again!r}"
    assert protobuf.encode_family(again) == protobuf.encode_family(family), f"{family!r}\nbecame\n{again!r}"


@settings(max_examples=300)
@given(model_families())
def test_every_field_of_the_model_survives_a_row(family: MetricFamily) -> None:
    # The strategy draws every field the model has: a field the codec forgets fails here.
    assert_kept(family, decode_family(family.name, encode_family(family)))


@settings(max_examples=200)
@given(families())
def test_classic_families_are_compact_json_rows(family: MetricFamily) -> None:
    row = encode_family(family)
    assert isinstance(row, str)
    assert same(decode_family(family.name, row), family)


def _decoded(data: bytes) -> MetricFamily | None:
    try:
        return protobuf.decode_family(data)
    except ProtobufError:  # a type the store cannot hold, and the like: never stored
        return None


@settings(max_examples=300)
@given(wire_gen.message("MetricFamily").map(_decoded).filter(lambda family: family is not None))
def test_every_family_a_protobuf_push_can_bring_survives_a_row(family: MetricFamily) -> None:
    # Whatever the wire codec keeps (exemplars, created timestamps, unknown fields, presence)
    # lives in parts only decoding builds; the row must keep all of it.
    assert_kept(family, decode_family(family.name, encode_family(family)))


@settings(max_examples=200)
@given(model_families())
def test_protobuf_rows_decode_exactly(family: MetricFamily) -> None:
    # The form a family takes when it holds more than JSON carries (gauge histograms included).
    assert_kept(family, decode_family(family.name, protobuf.encode_family(family)))


@given(nan_with_payload)
def test_nan_payloads_and_negative_zero_keep_their_bits(nan: float) -> None:
    family = MetricFamily("x", MetricType.GAUGE, None, [Metric(gauge=nan), Metric(untyped=-0.0)])
    again = decode_family("x", encode_family(family))
    gauge, untyped = again.metrics[0].gauge, again.metrics[1].untyped
    assert gauge is not None and untyped is not None
    bits = struct.Struct("<d").pack
    assert bits(gauge) == bits(nan)
    assert bits(untyped) == bits(-0.0)


def test_rows_of_schema_v1_read_as_they_were() -> None:
    # v1 wrote counts as strings and non-finite floats as their repr.
    row = (
        '[4,null,[[[["job","j"]],[4,"18446744073709551615",12.75,[[0.5,"1"],["inf","9"]]]],'
        '[[["job","k"]],[2,"nan"],[0,"-inf"]]]]'
    )
    family = decode_family("h", row)
    assert family.type is MetricType.HISTOGRAM and family.help is None
    histogram = family.metrics[0].histogram
    assert histogram is not None
    assert (histogram.sample_count, histogram.sample_sum) == (2**64 - 1, 12.75)
    assert histogram.buckets == [(0.5, 1), (float("inf"), 9)]
    second = family.metrics[1]
    assert second.labels == (("job", "k"),)
    assert second.untyped != second.untyped and second.gauge == float("-inf")


def test_gauge_histogram_rows_of_schema_v1_read_as_gauge_histograms() -> None:
    # Schema-1 code that knew gauge histograms (main before schema 2) wrote them as type 5.
    family = decode_family("g", '[5,"",[[[],[4,"3",1.5,[["inf","3"]]]]]]')
    assert family.type is MetricType.GAUGE_HISTOGRAM and family.help == ""
    histogram = family.metrics[0].histogram
    assert histogram is not None and histogram.buckets == [(float("inf"), 3)]
    assert isinstance(encode_family(family), str)  # and a classic one stays JSON


@pytest.mark.parametrize(
    "row",
    [
        '["not", "a family"',
        "[1, null, [[[], [9, 1]]]]",
        "[77, null, []]",
        b"\x0a\x05other",  # a protobuf row naming another family
        b"\x0a\x01h\x22\x05\xff\xff",  # a truncated metric
    ],
    ids=["truncated-json", "unknown-kind", "unknown-type", "another-name", "bad-protobuf"],
)
def test_rows_this_code_did_not_write_are_refused(row: str | bytes) -> None:
    with pytest.raises(PersistenceError, match="cannot be decoded"):
        decode_family("h", row)


# ------------------------------------------------------------------ which form
@dataclasses.dataclass
class _Toy:
    known: int = 0
    extra_list: list[int] = dataclasses.field(default_factory=list)
    extra_float: float = 0.0


def test_a_field_json_does_not_carry_sends_the_family_to_protobuf(monkeypatch: pytest.MonkeyPatch) -> None:
    # The rule is derived from the dataclass fields, so a model field added later needs no entry here.
    monkeypatch.setitem(rowcodec._JSON_FIELDS, _Toy, frozenset({"known"}))
    extras = rowcodec._extras(_Toy)
    assert extras == (("extra_list", []), ("extra_float", 0.0))
    assert not rowcodec._holds_extras(_Toy(known=5), extras)
    assert rowcodec._holds_extras(_Toy(extra_list=[1]), extras)
    assert rowcodec._holds_extras(_Toy(extra_float=-0.0), extras)  # equal to 0.0, not the same float
    assert rowcodec._holds_extras(_Toy(extra_float=float("nan")), extras)


@given(st.sampled_from(list(MetricType)))
def test_a_family_of_json_fields_only_is_json(mtype: MetricType) -> None:
    family = MetricFamily("x", mtype, "", [Metric(labels=(("a", "b"),), counter=1.0, timestamp_ms=-5)])
    assert not needs_protobuf(family)
    assert same(decode_family("x", encode_family(family)), family)


def test_a_lone_surrogate_survives_a_json_row() -> None:
    # msgspec writes UTF-8, which cannot hold a lone surrogate; such a row is escaped as v1 wrote it.
    family = MetricFamily("x", MetricType.GAUGE, "h\udc80", [Metric(labels=(("a", "\ud800b"),), gauge=1.0)])
    row = encode_family(family)
    assert isinstance(row, str)
    assert "\\udc80" in row
    assert same(decode_family("x", row), family)


def test_non_ascii_text_is_written_as_utf8_and_read_back() -> None:
    family = MetricFamily("x", MetricType.COUNTER, "é\u2028\x00", [Metric(labels=(("a", "ü"),), counter=2.5)])
    row = encode_family(family)
    assert isinstance(row, str) and "é" in row
    assert same(decode_family("x", row), family)


@dataclasses.dataclass
class _NoneToy:
    first: object = None
    second: object = None


@pytest.mark.parametrize("fields", [("first",), ("first", "second")])
def test_the_none_default_holder_agrees_with_the_general_rule(fields: tuple[str, ...]) -> None:
    extras = tuple((name, None) for name in fields)
    holds = rowcodec._holder(extras)
    for toy in (_NoneToy(), _NoneToy(first=0.0), _NoneToy(second=[]), _NoneToy(first=False, second=b"")):
        assert holds(toy) == rowcodec._holds_extras(toy, extras), toy
    assert holds(_NoneToy(first=0)) and not holds(_NoneToy())
