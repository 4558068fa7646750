"""The metric data model shared by the parsers, the renderers and the store (mirrors client_model)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

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
}


@dataclass(slots=True)
class Summary:
    """A summary sample: count, sum and quantiles in push order."""

    sample_count: int = 0
    sample_sum: float = 0.0
    quantiles: list[tuple[float, float]] = field(default_factory=list)


@dataclass(slots=True)
class Histogram:
    """A classic histogram sample: count, sum and cumulative buckets in push order."""

    sample_count: int = 0
    sample_sum: float = 0.0
    buckets: list[tuple[float, int]] = field(default_factory=list)


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
        if mtype is MetricType.HISTOGRAM:
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
