"""The Go-gateway fallback for deleting one family: the group's text body without it (pure).

A stock Pushgateway can only delete whole groups, so removing one family means PUTting the
group again without it. That bumps `push_time_seconds` (the group looks fresh), which is why
the TUI only does it after an explicit warning.
"""

from __future__ import annotations

from bridge.protocol.grouping import GroupKey
from bridge.protocol.model import TIMESTAMP_FAMILIES, Histogram, Metric, MetricFamily, MetricType, Summary
from bridge.protocol.names import Escaping
from bridge.protocol.textrender import render_escaped
from pgwtui.errors import RepushError
from pgwtui.labels import own_labels
from pgwtui.models import Family, Group, Series

_TYPES = {
    "COUNTER": MetricType.COUNTER,
    "GAUGE": MetricType.GAUGE,
    "UNTYPED": MetricType.UNTYPED,
    "SUMMARY": MetricType.SUMMARY,
    "HISTOGRAM": MetricType.HISTOGRAM,
}


def body_without(group: Group, family_name: str) -> bytes:
    """Render the text-format body that re-creates `group` without `family_name` when PUT to its key.

    Grouping labels and the injected `instance=""` are left out of the series: the gateway adds
    them back from the URL. Names that are not legacy-valid are quoted (a gateway with UTF-8 names reads them).

    Raises:
        RepushError: the family is gateway-managed or absent, or another family cannot be re-pushed.

    """
    if family_name in TIMESTAMP_FAMILIES:
        raise RepushError(f"{family_name} is maintained by the gateway and cannot be deleted")
    families = group.families()
    if all(f.name != family_name for f in families):
        raise RepushError(f"the group has no family {family_name!r}")
    parts = [
        render_escaped(_to_model(family, group.key), Escaping.ALLOW_UTF8)
        for family in families
        if family.name != family_name and not family.managed
    ]
    return b"".join(parts)


def _to_model(family: Family, key: GroupKey) -> MetricFamily:
    mtype = _TYPES.get(family.type)
    if mtype is None:
        raise RepushError(f"family {family.name} has type {family.type}, which the text format cannot re-push")
    metrics = [_metric(s, mtype, key, family.name) for s in family.series]
    return MetricFamily(name=family.name, type=mtype, help=family.help, metrics=metrics)


def _histogram(series: Series) -> Histogram:
    """A classic histogram; with float counts (1.11) kept as floats, which the text format carries."""
    count = float(series.count or 0)
    buckets = [(float(b), float(c)) for b, c in series.buckets]
    if count.is_integer() and all(c.is_integer() for _, c in buckets):
        return Histogram(int(count), float(series.sum or 0), [(b, int(c)) for b, c in buckets])
    return Histogram(0, float(series.sum or 0), [(b, 0) for b, _ in buckets], count, [c for _, c in buckets])


def _metric(series: Series, mtype: MetricType, key: GroupKey, name: str) -> Metric:
    labels = own_labels(series.labels, key)
    try:
        if mtype is MetricType.SUMMARY:
            summary = Summary(
                sample_count=int(float(series.count or 0)),
                sample_sum=float(series.sum or 0),
                quantiles=[(float(q), float(v)) for q, v in series.quantiles],
            )
            return Metric(labels=labels, summary=summary)
        if mtype is MetricType.HISTOGRAM:
            if series.native_buckets:
                raise RepushError(f"family {name} is a native histogram, which the text format cannot re-push")
            return Metric(labels=labels, histogram=_histogram(series))
        value = float(series.value if series.value is not None else "nan")
    except ValueError as exc:
        raise RepushError(f"family {name}: unreadable value ({exc})") from None
    if mtype is MetricType.COUNTER:
        return Metric(labels=labels, counter=value)
    if mtype is MetricType.GAUGE:
        return Metric(labels=labels, gauge=value)
    return Metric(labels=labels, untyped=value)
