"""The family row codec of the persistence file: compact JSON for classic families, protobuf for the rest.

A row's `data` is either TEXT or a BLOB, and its type says which codec wrote it:

- **TEXT, JSON** (schema v1's format, read unchanged): `[type, help or null, [metric, ...]]`,
  each metric `[labels, [kind, fields...], ...]`. It carries exactly what a classic family
  holds: labels, gauge / counter / untyped values, summaries, classic histograms and the
  sample timestamp (kind 5, new in v2; the store never holds one today). Floats that JSON
  cannot hold are strings: `"inf"`, `"-inf"`, `"nan"`, and `"nan:<16 hex digits>"` for a NaN
  whose bits are not Python's own NaN (a stale marker keeps its payload).
- **BLOB, protobuf**: the family's `io.prometheus.client.MetricFamily` encoding
  (`bridge.protocol.protobuf`). Everything else the model holds (native histograms, float
  counts, exemplars, created timestamps, unknown fields, presence) goes this way, so whatever
  the wire codec keeps, the file keeps.

Why two: on a 7-family, 12-series push the JSON codec encodes in 36 µs and decodes in 33 µs,
the pure-Python protobuf codec in 56 µs and 112 µs (measured for schema v2); JSON keeps the
common push and the start-up load cheap, protobuf keeps the rare rich family exact. Since then
msgspec writes the JSON (the bench's 5-family push: 37 → 10 µs with the faster `needs_protobuf`);
the standard library still reads it, so rows written before and after read alike. Which
family needs protobuf is derived from the model's dataclass fields, not listed by hand: any
field JSON does not know that holds something other than its default sends the family to
protobuf, so a field added to the model is stored without touching this module. A field whose
*shape* changes (a bucket tuple growing) is not seen here; the round-trip property test over
the whole model (`tests/unit/bridge/gateway/storage/test_rowcodec.py`) fails until this module
follows.
"""

from __future__ import annotations

import dataclasses
import json
import struct
from collections.abc import Callable
from itertools import islice
from operator import attrgetter
from typing import Any

import msgspec

from bridge.errors import PersistenceError, ProtobufError
from bridge.protocol import protobuf
from bridge.protocol.model import Histogram, Metric, MetricFamily, MetricType, Summary

_KIND_GAUGE, _KIND_COUNTER, _KIND_UNTYPED, _KIND_SUMMARY, _KIND_HISTOGRAM, _KIND_TIMESTAMP = range(6)
_DOUBLE = struct.Struct("<d")
_BITS = struct.Struct("<Q")
_PYTHON_NAN = _DOUBLE.pack(float("nan"))
_INF, _NEG_INF = float("inf"), float("-inf")
_loads = json.JSONDecoder().raw_decode  # a row is written without surrounding whitespace
_encode_json = msgspec.json.Encoder().encode  # compact, non-ASCII as UTF-8; _loads reads it as it reads v1's rows

# The fields the JSON form carries, per class; every other field must hold its default.
_JSON_FIELDS: dict[type, frozenset[str]] = {
    MetricFamily: frozenset({"name", "type", "help", "metrics"}),
    Metric: frozenset({"labels", "gauge", "counter", "untyped", "summary", "histogram", "timestamp_ms"}),
    Summary: frozenset({"sample_count", "sample_sum", "quantiles"}),
    Histogram: frozenset({"sample_count", "sample_sum", "buckets"}),
}
_NO_DEFAULT = object()


def _extras(cls: type) -> tuple[tuple[str, Any], ...]:
    """The fields of `cls` the JSON form does not carry, with their defaults."""
    extras = []
    for field in dataclasses.fields(cls):
        if field.name in _JSON_FIELDS[cls]:
            continue
        if field.default is not dataclasses.MISSING:
            default: Any = field.default
        elif field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        else:
            default = _NO_DEFAULT
        extras.append((field.name, default))
    return tuple(extras)


_FAMILY_EXTRAS = _extras(MetricFamily)
_METRIC_EXTRAS = _extras(Metric)
_SUMMARY_EXTRAS = _extras(Summary)
_HISTOGRAM_EXTRAS = _extras(Histogram)


def _differs(value: Any, default: Any) -> bool:
    if value is default:
        return False
    if value != default:
        return True
    # Equal but maybe not the same float (-0.0 == 0.0).
    return isinstance(value, float) and _DOUBLE.pack(value) != _DOUBLE.pack(default)


def _holds_extras(obj: object, extras: tuple[tuple[str, Any], ...]) -> bool:
    return any(_differs(getattr(obj, name), default) for name, default in extras)


def _holder(extras: tuple[tuple[str, Any], ...]) -> Callable[[object], bool]:
    """`_holds_extras` for one class, a single C call when every default is None (a test per metric)."""
    if not extras:
        return lambda obj: False
    if all(default is None for _, default in extras):
        get = attrgetter(*(name for name, _ in extras))
        if len(extras) == 1:
            return lambda obj: get(obj) is not None
        nones = (None,) * len(extras)
        return lambda obj: bool(get(obj) != nones)
    return lambda obj: _holds_extras(obj, extras)


_family_holds = _holder(_FAMILY_EXTRAS)
_metric_holds = _holder(_METRIC_EXTRAS)
_summary_holds = _holder(_SUMMARY_EXTRAS)
_histogram_holds = _holder(_HISTOGRAM_EXTRAS)


def needs_protobuf(family: MetricFamily) -> bool:
    """Whether `family` holds anything the JSON form does not carry."""
    if _family_holds(family):
        return True
    for metric in family.metrics:
        if _metric_holds(metric):
            return True
        summary, histogram = metric.summary, metric.histogram
        if summary is not None and _summary_holds(summary):
            return True
        if histogram is not None and _histogram_holds(histogram):
            return True
    return False


# ------------------------------------------------------------------ JSON form
def _float(value: float) -> Any:
    """JSON has no NaN/Inf: store them as strings (a NaN with a payload as its bits)."""
    if value != value:
        packed = _DOUBLE.pack(value)
        return "nan" if packed == _PYTHON_NAN else f"nan:{_BITS.unpack(packed)[0]:016x}"
    if value in (_INF, _NEG_INF):
        return repr(value)
    return value


def _unfloat(value: Any) -> float:
    if type(value) is float:
        return value
    if isinstance(value, str) and value.startswith("nan:"):
        unpacked: float = _DOUBLE.unpack(_BITS.pack(int(value[4:], 16)))[0]
        return unpacked
    return float(value)


def _json_metric(m: Metric) -> list[Any]:
    fields: list[Any] = [m.labels]  # tuples encode as JSON arrays, like the lists they were
    if m.gauge is not None:
        fields.append([_KIND_GAUGE, _float(m.gauge)])
    if m.counter is not None:
        fields.append([_KIND_COUNTER, _float(m.counter)])
    if m.untyped is not None:
        fields.append([_KIND_UNTYPED, _float(m.untyped)])
    if m.summary is not None:
        s = m.summary
        quantiles = [[_float(q), _float(v)] for q, v in s.quantiles]
        fields.append([_KIND_SUMMARY, str(s.sample_count), _float(s.sample_sum), quantiles])
    if m.histogram is not None:
        h = m.histogram
        buckets = [[_float(b), str(c)] for b, c in h.buckets]
        fields.append([_KIND_HISTOGRAM, str(h.sample_count), _float(h.sample_sum), buckets])
    if m.timestamp_ms is not None:
        fields.append([_KIND_TIMESTAMP, m.timestamp_ms])
    return fields


def _json_decode(name: str, data: str) -> MetricFamily:
    mtype, help_text, metrics = _loads(data)[0]
    family = MetricFamily(name, MetricType(mtype), help_text, [])
    append = family.metrics.append
    for fields in metrics:
        # map(tuple) turns the [name, value] lists back into pairs in C: a third of the load time.
        metric = Metric(labels=tuple(map(tuple, fields[0])))
        for value in islice(fields, 1, None):
            kind = value[0]
            if kind == _KIND_GAUGE:
                metric.gauge = _unfloat(value[1])
            elif kind == _KIND_COUNTER:
                metric.counter = _unfloat(value[1])
            elif kind == _KIND_UNTYPED:
                metric.untyped = _unfloat(value[1])
            elif kind == _KIND_SUMMARY:
                quantiles = [(_unfloat(q), _unfloat(v)) for q, v in value[3]]
                metric.summary = Summary(int(value[1]), _unfloat(value[2]), quantiles)
            elif kind == _KIND_HISTOGRAM:
                buckets = [(_unfloat(b), int(c)) for b, c in value[3]]
                metric.histogram = Histogram(int(value[1]), _unfloat(value[2]), buckets)
            elif kind == _KIND_TIMESTAMP:
                metric.timestamp_ms = int(value[1])
            else:
                raise ValueError(f"unknown value kind {kind}")
        append(metric)
    return family


# ------------------------------------------------------------------ the row
def encode_family(family: MetricFamily) -> str | bytes:
    """The row for `family`: JSON text if that carries all of it, else its protobuf encoding."""
    if needs_protobuf(family):
        return protobuf.encode_family(family)
    row = [int(family.type), family.help, [_json_metric(m) for m in family.metrics]]
    try:
        return _encode_json(row).decode()
    except UnicodeEncodeError:  # a lone surrogate, which UTF-8 cannot hold: escaped, as v1 rows are
        return json.dumps(row, separators=(",", ":"))


def decode_family(name: str, data: str | bytes) -> MetricFamily:
    """Inverse of `encode_family` (and the reader of every v1 row).

    Raises:
        PersistenceError: the row is not a family this code wrote.

    """
    try:
        if isinstance(data, bytes):
            family = protobuf.decode_family(data)
            if family.name != name:
                raise ValueError(f"the row holds family {family.name!r}")
            return family
        return _json_decode(name, data)
    except (ValueError, TypeError, IndexError, KeyError, ProtobufError) as exc:
        raise PersistenceError(f"family {name!r} cannot be decoded: {exc}") from None
