"""client_model 0.6's `metrics.proto` (and google.protobuf.Timestamp) as a table: field numbers, names, kinds, in declaration order."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    """How a field's value is read from the wire and written back (Go's conversions)."""

    UINT64 = "uint64"
    UINT32 = "uint32"
    INT64 = "int64"
    INT32 = "int32"
    SINT32 = "sint32"
    SINT64 = "sint64"
    ENUM = "enum"
    DOUBLE = "double"
    STRING = "string"
    MESSAGE = "message"

    @property
    def wire(self) -> int:
        """The wire type of one value of this kind."""
        if self is Kind.DOUBLE:
            return 1
        if self is Kind.STRING or self is Kind.MESSAGE:
            return 2
        return 0


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a message; `message` names the type of a MESSAGE field."""

    name: str
    kind: Kind
    repeated: bool = False
    message: str = ""


@dataclass(frozen=True, slots=True)
class MessageSpec:
    """A message: its fields by number, in declaration order (the order prototext prints them in).

    `numbers` is the field numbers in ascending order (the order the binary encoding writes them
    in); proto3 fields have no presence (zero values are not kept).
    """

    name: str
    fields: dict[int, FieldSpec]
    numbers: tuple[int, ...]
    proto3: bool = False


def _message(name: str, *specs: tuple[int, str, Kind, bool, str], proto3: bool = False) -> MessageSpec:
    table = {n: FieldSpec(fname, kind, rep, msg) for n, fname, kind, rep, msg in specs}
    return MessageSpec(name, table, tuple(sorted(table)), proto3)


_ONE, _MANY = False, True
_K = Kind
METRIC_TYPES = ("COUNTER", "GAUGE", "SUMMARY", "UNTYPED", "HISTOGRAM", "GAUGE_HISTOGRAM")
"""`io.prometheus.client.MetricType` value names, by number."""

MESSAGES: dict[str, MessageSpec] = {
    m.name: m
    for m in (
        _message("Timestamp", (1, "seconds", _K.INT64, _ONE, ""), (2, "nanos", _K.INT32, _ONE, ""), proto3=True),
        _message("LabelPair", (1, "name", _K.STRING, _ONE, ""), (2, "value", _K.STRING, _ONE, "")),
        _message("Gauge", (1, "value", _K.DOUBLE, _ONE, "")),
        _message(
            "Counter",
            (1, "value", _K.DOUBLE, _ONE, ""),
            (2, "exemplar", _K.MESSAGE, _ONE, "Exemplar"),
            (3, "created_timestamp", _K.MESSAGE, _ONE, "Timestamp"),
        ),
        _message("Quantile", (1, "quantile", _K.DOUBLE, _ONE, ""), (2, "value", _K.DOUBLE, _ONE, "")),
        _message(
            "Summary",
            (1, "sample_count", _K.UINT64, _ONE, ""),
            (2, "sample_sum", _K.DOUBLE, _ONE, ""),
            (3, "quantile", _K.MESSAGE, _MANY, "Quantile"),
            (4, "created_timestamp", _K.MESSAGE, _ONE, "Timestamp"),
        ),
        _message("Untyped", (1, "value", _K.DOUBLE, _ONE, "")),
        _message(
            "Histogram",
            (1, "sample_count", _K.UINT64, _ONE, ""),
            (4, "sample_count_float", _K.DOUBLE, _ONE, ""),
            (2, "sample_sum", _K.DOUBLE, _ONE, ""),
            (3, "bucket", _K.MESSAGE, _MANY, "Bucket"),
            (15, "created_timestamp", _K.MESSAGE, _ONE, "Timestamp"),
            (5, "schema", _K.SINT32, _ONE, ""),
            (6, "zero_threshold", _K.DOUBLE, _ONE, ""),
            (7, "zero_count", _K.UINT64, _ONE, ""),
            (8, "zero_count_float", _K.DOUBLE, _ONE, ""),
            (9, "negative_span", _K.MESSAGE, _MANY, "BucketSpan"),
            (10, "negative_delta", _K.SINT64, _MANY, ""),
            (11, "negative_count", _K.DOUBLE, _MANY, ""),
            (12, "positive_span", _K.MESSAGE, _MANY, "BucketSpan"),
            (13, "positive_delta", _K.SINT64, _MANY, ""),
            (14, "positive_count", _K.DOUBLE, _MANY, ""),
            (16, "exemplars", _K.MESSAGE, _MANY, "Exemplar"),
        ),
        _message(
            "Bucket",
            (1, "cumulative_count", _K.UINT64, _ONE, ""),
            (4, "cumulative_count_float", _K.DOUBLE, _ONE, ""),
            (2, "upper_bound", _K.DOUBLE, _ONE, ""),
            (3, "exemplar", _K.MESSAGE, _ONE, "Exemplar"),
        ),
        _message("BucketSpan", (1, "offset", _K.SINT32, _ONE, ""), (2, "length", _K.UINT32, _ONE, "")),
        _message(
            "Exemplar",
            (1, "label", _K.MESSAGE, _MANY, "LabelPair"),
            (2, "value", _K.DOUBLE, _ONE, ""),
            (3, "timestamp", _K.MESSAGE, _ONE, "Timestamp"),
        ),
        _message(
            "Metric",
            (1, "label", _K.MESSAGE, _MANY, "LabelPair"),
            (2, "gauge", _K.MESSAGE, _ONE, "Gauge"),
            (3, "counter", _K.MESSAGE, _ONE, "Counter"),
            (4, "summary", _K.MESSAGE, _ONE, "Summary"),
            (5, "untyped", _K.MESSAGE, _ONE, "Untyped"),
            (7, "histogram", _K.MESSAGE, _ONE, "Histogram"),
            (6, "timestamp_ms", _K.INT64, _ONE, ""),
        ),
        _message(
            "MetricFamily",
            (1, "name", _K.STRING, _ONE, ""),
            (2, "help", _K.STRING, _ONE, ""),
            (3, "type", _K.ENUM, _ONE, ""),
            (4, "metric", _K.MESSAGE, _MANY, "Metric"),
            (5, "unit", _K.STRING, _ONE, ""),
        ),
    )
}
