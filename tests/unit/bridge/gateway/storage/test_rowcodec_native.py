"""Every field kind a 1.11 push can bring (native histograms, float counts, exemplars, created timestamps, unknown fields) survives a row.

Each case is a `MetricFamily` message built by google.protobuf (`tests.support.metrics_pb`,
independent of our codec), decoded by `bridge.protocol.protobuf` as a push is, written as a row
and read back. The family must then encode to the very bytes that were pushed (what a protobuf
scrape serves, byte for byte, before and after a restart) and read the same in every typed field
the text format and the API use. Each rich case also shows that the JSON form would lose it, so
it proves that `needs_protobuf` sends that field kind to the protobuf blob.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from typing import Any

import pytest

from bridge.gateway.reads.api import family_json
from bridge.gateway.storage import rowcodec
from bridge.gateway.storage.rowcodec import decode_family, encode_family, needs_protobuf
from bridge.gateway.store.types import StoredFamily
from bridge.protocol import protobuf
from bridge.protocol.model import MetricFamily, MetricType
from tests.support import metrics_pb
from tests.support.model_strategies import same

_NAN_WITH_PAYLOAD = struct.unpack("<d", struct.pack("<Q", 0x7FF0_0000_0000_0BAD))[0]
_UNKNOWN_VARINT = b"\xa0\x06\x2a"  # field 100, varint 42: no client_model message has it
_UNKNOWN_BYTES = b"\xaa\x06\x03abc"  # field 101, bytes "abc"


def _family(name: str, mtype: str = "HISTOGRAM", help_text: str | None = "Help.") -> Any:
    mf = metrics_pb.MetricFamily(name=name, type=mtype)
    if help_text is not None:
        mf.help = help_text
    return mf


def _exemplar(target: Any, value: float, trace: str, seconds: int | None = None) -> None:
    target.value = value
    target.label.add(name="trace_id", value=trace)
    if seconds is not None:
        target.timestamp.seconds = seconds
        target.timestamp.nanos = 123_456_789


def _native_int(h: Any) -> None:
    h.sample_count = 11
    h.sample_sum = 99.25
    h.schema = 3
    h.zero_threshold = 2.938735877055719e-39
    h.zero_count = 2
    h.negative_span.add(offset=-2, length=1)
    h.negative_delta.extend([4])
    h.positive_span.add(offset=0, length=2)
    h.positive_span.add(offset=1, length=1)
    h.positive_delta.extend([3, -1, 2])


def native_integer() -> Any:
    mf = _family("nh_int_seconds")
    m = mf.metric.add()
    m.label.add(name="code", value="200")
    _native_int(m.histogram)
    return mf


def native_float() -> Any:
    mf = _family("nh_float")
    h = mf.metric.add().histogram
    h.sample_count_float = 7.75
    h.sample_sum = -3.25
    h.schema = -1
    h.zero_threshold = 0.5
    h.zero_count_float = 1.5
    h.negative_span.add(offset=0, length=1)
    h.negative_count.extend([0.25])
    h.positive_span.add(offset=1, length=2)
    h.positive_count.extend([2.5, _NAN_WITH_PAYLOAD])
    return mf


def native_exemplars_and_created() -> Any:
    mf = _family("nh_exemplars_seconds")
    h = mf.metric.add().histogram
    _native_int(h)
    h.created_timestamp.seconds = 1_690_000_000
    h.created_timestamp.nanos = 5
    _exemplar(h.exemplars.add(), 0.042, "abc", 1_700_000_000)
    _exemplar(h.exemplars.add(), -7.5, "def")
    return mf


def mixed_classic_and_native() -> Any:
    mf = _family("nh_mixed_seconds")
    h = mf.metric.add().histogram
    _native_int(h)
    for bound, count in ((0.5, 1), (1.0, 4), (math.inf, 11)):
        h.bucket.add(cumulative_count=count, upper_bound=bound)
    _exemplar(h.bucket[1].exemplar, 0.75, "bucket", 1_700_000_001)
    return mf


def native_no_op_span_and_explicit_zero_schema() -> Any:
    # A `{0, 0}` span is what makes an empty histogram native (1.10+); `schema: 0` is present.
    mf = _family("nh_noop")
    h = mf.metric.add().histogram
    h.sample_count = 0
    h.sample_sum = 0.0
    h.schema = 0
    h.zero_threshold = 0.0
    h.zero_count = 0
    h.positive_span.add(offset=0, length=0)
    return mf


def native_gauge_histogram() -> Any:
    mf = _family("nh_gauge", "GAUGE_HISTOGRAM", None)
    h = mf.metric.add().histogram
    _native_int(h)
    h.zero_count_float = -0.0
    return mf


def classic_float_counts() -> Any:
    mf = _family("classic_float", "GAUGE_HISTOGRAM", "")
    h = mf.metric.add().histogram
    h.sample_count_float = 4.5
    h.sample_sum = 2.0
    h.bucket.add(cumulative_count_float=1.5, upper_bound=0.5)
    h.bucket.add(cumulative_count_float=4.5, upper_bound=math.inf)
    return mf


def counter_exemplar_and_created() -> Any:
    mf = _family("requests_total", "COUNTER")
    c = mf.metric.add().counter
    c.value = 5.0
    _exemplar(c.exemplar, 1.5, "abc", 1_700_000_000)
    c.created_timestamp.seconds = 1_690_000_000
    return mf


def summary_created() -> Any:
    mf = _family("latency_summary", "SUMMARY")
    s = mf.metric.add().summary
    s.sample_count = 3
    s.sample_sum = 1.5
    s.quantile.add(quantile=0.5, value=0.25)
    s.created_timestamp.seconds = 1_690_000_000
    s.created_timestamp.nanos = 999_999_999
    return mf


def histogram_created_only() -> Any:
    # A classic histogram that JSON would hold, but for its created timestamp.
    mf = _family("classic_created_seconds")
    h = mf.metric.add().histogram
    h.sample_count = 2
    h.sample_sum = 0.5
    h.bucket.add(cumulative_count=2, upper_bound=1.0)
    h.created_timestamp.seconds = 1
    return mf


def unknown_fields() -> Any:
    # Unknown fields in a value message and in the Metric itself; a label pair without a value.
    mf = _family("odd_gauge", "GAUGE")
    m = mf.metric.add()
    m.label.add(name="a", value="1")
    m.label.add(name="novalue")
    m.gauge.value = 1.0
    m.gauge.MergeFromString(_UNKNOWN_VARINT)
    m.MergeFromString(_UNKNOWN_BYTES)
    return mf


RICH: dict[str, Callable[[], Any]] = {
    f.__name__: f
    for f in (
        native_integer,
        native_float,
        native_exemplars_and_created,
        mixed_classic_and_native,
        native_no_op_span_and_explicit_zero_schema,
        native_gauge_histogram,
        classic_float_counts,
        counter_exemplar_and_created,
        summary_created,
        histogram_created_only,
        unknown_fields,
    )
}


def _pushed(build: Callable[[], Any]) -> tuple[bytes, MetricFamily]:
    data: bytes = build().SerializeToString()
    family = protobuf.decode_family(data)
    # google.protobuf writes known fields in number order, unknown ones last: our canonical form.
    assert protobuf.encode_family(family) == data, "the push itself is not kept exactly"
    return data, family


def _api(family: MetricFamily) -> dict[str, Any]:
    return family_json(StoredFamily(family, 1_700_000_000_000_000_000))


@pytest.mark.parametrize("build", RICH.values(), ids=RICH.keys())
def test_a_rich_family_is_a_protobuf_row_that_gives_the_pushed_bytes_back(build: Callable[[], Any]) -> None:
    data, family = _pushed(build)
    row = encode_family(family)
    assert isinstance(row, bytes) and needs_protobuf(family)
    again = decode_family(family.name, row)
    assert protobuf.encode_family(again) == data
    assert metrics_pb.MetricFamily.FromString(protobuf.encode_family(again)) == build()
    assert same(again, family, ignore=frozenset({"extras"}))  # the typed views, floats by bits
    assert _api(again) == _api(family)


@pytest.mark.parametrize("build", RICH.values(), ids=RICH.keys())
def test_a_json_row_would_lose_each_rich_case(build: Callable[[], Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # What makes the cases above mean something: written as JSON, every one of them loses a field.
    data, family = _pushed(build)
    monkeypatch.setattr(rowcodec, "needs_protobuf", lambda family: False)
    row = encode_family(family)
    assert isinstance(row, str)
    assert protobuf.encode_family(decode_family(family.name, row)) != data


def test_every_case_holds_what_it_is_named_for() -> None:
    # Guards the builders: a case that silently lost its field would make the tests above vacuous.
    seen = {name: _pushed(build)[1] for name, build in RICH.items()}
    native = seen["native_integer"].metrics[0].histogram
    assert native is not None and native.native is not None and native.native.is_native
    assert native.native.positive_deltas == (3, -1, 2) and native.native.negative_spans[0].offset == -2
    floats = seen["native_float"].metrics[0].histogram
    assert floats is not None and floats.native is not None and floats.native.positive_counts[0] == 2.5
    assert floats.sample_count_float == 7.75 and floats.native.zero_count_float == 1.5
    gauge = seen["native_gauge_histogram"]
    assert gauge.type is MetricType.GAUGE_HISTOGRAM and gauge.help is None
    classic = seen["classic_float_counts"].metrics[0].histogram
    assert classic is not None and classic.bucket_floats == [1.5, 4.5] and classic.native is None
    for name in ("native_exemplars_and_created", "counter_exemplar_and_created", "summary_created"):
        extras = seen[name].metrics[0].extras
        assert extras is not None and extras.values, name  # the value message as pushed, timestamps and all
    odd = seen["unknown_fields"].metrics[0]
    assert odd.extras is not None and odd.extras.unknown == _UNKNOWN_BYTES
    assert odd.extras.labels == {"novalue": (False, b"")}


def test_classic_families_from_protobuf_stay_json_rows() -> None:
    # The other side of the rule: what JSON carries is not sent to the (slower) blob.
    mf = _family("classic_seconds", "GAUGE_HISTOGRAM", None)
    m = mf.metric.add()
    m.label.add(name="le_not", value="x")
    m.histogram.sample_count = 3
    m.histogram.sample_sum = 1.0
    m.histogram.bucket.add(cumulative_count=3, upper_bound=math.inf)
    m.timestamp_ms = -5
    data, family = _pushed(lambda: mf)
    row = encode_family(family)
    assert isinstance(row, str)
    assert protobuf.encode_family(decode_family(family.name, row)) == data
