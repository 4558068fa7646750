"""The metric data model shared by the parsers, the renderers and the store (mirrors client_model)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from bridge.protocol.native.histogram import NativeHistogram

Labels = tuple[tuple[str, str], ...]
"""Label pairs. After sanitising they are sorted by name; values may carry surrogate escapes."""


class MetricType(IntEnum):
    """`io.prometheus.client.MetricType`, numbered as on the wire."""

    COUNTER = 0
    GAUGE = 1
    SUMMARY = 2
    UNTYPED = 3
    HISTOGRAM = 4
    GAUGE_HISTOGRAM = 5


TEXT_TYPE_NAMES: dict[MetricType, str] = {
    MetricType.COUNTER: "counter",
    MetricType.GAUGE: "gauge",
    MetricType.SUMMARY: "summary",
    MetricType.UNTYPED: "untyped",
    MetricType.HISTOGRAM: "histogram",
    # Text format 0.0.4 has no gauge histograms: expfmt (common >= 0.67) writes them as histograms.
    MetricType.GAUGE_HISTOGRAM: "histogram",
}


@dataclass(slots=True)
class Summary:
    """A summary sample: count, sum and quantiles in push order."""

    sample_count: int = 0
    sample_sum: float = 0.0
    quantiles: list[tuple[float, float]] = field(default_factory=list)


@dataclass(slots=True)
class Histogram:
    """A histogram sample: count, sum, classic buckets in push order, and what 1.11 adds.

    `buckets` holds each bucket's `(upper_bound, cumulative_count)`; `bucket_floats`, when set,
    each bucket's `cumulative_count_float` beside it (0.0 where absent, as Go's getter reads it).
    `sample_count_float` is None when absent. A float histogram from the text format has every
    count in the float fields and its integer counts absent: the encoder leaves out an integer
    count that is 0 when its float field is set, which is exactly that case.
    Exemplars, created timestamps and unknown fields are not here: a pushed message that has
    them is re-encoded from its wire form (`MetricExtras`).
    """

    sample_count: int = 0
    sample_sum: float = 0.0
    buckets: list[tuple[float, int]] = field(default_factory=list)
    sample_count_float: float | None = None
    bucket_floats: list[float] | None = None
    native: NativeHistogram | None = None

    @property
    def count_value(self) -> float:
        """The sample count text exposition and Prometheus read: the float count if non-zero, else the integer one."""
        value = self.sample_count_float
        return value if value else float(self.sample_count)

    def bucket_values(self) -> list[tuple[float, float]]:
        """(upper bound, count) per classic bucket, each count by the same rule as `count_value`."""
        floats = self.bucket_floats
        if floats is None:
            return [(bound, float(count)) for bound, count in self.buckets]
        return [(b, f if f else float(c)) for (b, c), f in zip(self.buckets, floats, strict=True)]


@dataclass(slots=True)
class MetricExtras:
    """What a pushed `Metric` carried beyond the typed fields, so it goes out again as Go re-encodes it.

    `values` maps a value field's number (2 gauge, 3 counter, 4 summary, 5 untyped, 7 histogram)
    to that sub-message's canonical encoding (exemplars, created timestamps, absent or repeated
    fields, unknown fields: all in there); the typed field beside it is only the view the text
    format and the API read. `labels` maps a label name to (value present, unknown fields) of a
    label pair that had more than a name and a value. `unknown` is the Metric's own unknown fields.
    """

    values: dict[int, bytes] = field(default_factory=dict)
    labels: dict[str, tuple[bool, bytes]] = field(default_factory=dict)
    unknown: bytes = b""


@dataclass(slots=True)
class Metric:
    """One series. Like the protobuf message, several value fields may be present at once."""

    labels: Labels = ()
    gauge: float | None = None
    counter: float | None = None
    untyped: float | None = None
    summary: Summary | None = None
    histogram: Histogram | None = None
    timestamp_ms: int | None = None
    extras: MetricExtras | None = None

    def has_value_for(self, mtype: MetricType) -> bool:
        """Whether this metric carries the value field that `mtype` needs."""
        if mtype is MetricType.COUNTER:
            return self.counter is not None
        if mtype is MetricType.GAUGE:
            return self.gauge is not None
        if mtype is MetricType.UNTYPED:
            return self.untyped is not None
        if mtype is MetricType.SUMMARY:
            return self.summary is not None
        if mtype is MetricType.HISTOGRAM or mtype is MetricType.GAUGE_HISTOGRAM:
            return self.histogram is not None
        return False

    def scalar(self) -> float:
        """The value the API shows for a non-summary, non-histogram metric (gauge, counter, untyped)."""
        if self.gauge is not None:
            return self.gauge
        if self.counter is not None:
            return self.counter
        if self.untyped is not None:
            return self.untyped
        return 0.0


@dataclass(slots=True)
class MetricFamily:
    """A named family. `help is None` means no HELP was given, which differs from an empty HELP."""

    name: str
    type: MetricType = MetricType.COUNTER
    help: str | None = None
    metrics: list[Metric] = field(default_factory=list)


PUSH_TIME = "push_time_seconds"
PUSH_FAILURE_TIME = "push_failure_time_seconds"
PUSH_TIME_HELP = "Last Unix time when changing this group in the Pushgateway succeeded."
PUSH_FAILURE_TIME_HELP = "Last Unix time when changing this group in the Pushgateway failed."
TIMESTAMP_FAMILIES = frozenset({PUSH_TIME, PUSH_FAILURE_TIME})
