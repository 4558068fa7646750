"""The consistency rules client_golang's Gather applies, as pure checks on one family at a time.

Names as 1.11.3 checks them (client_golang 1.23, common 0.67), with or without
`--push.enable-utf8-names`: a label name passes if it is non-empty UTF-8 not starting with `__`;
metric names are not checked (scrapes escape them), except two that 1.11 stores and we refuse:
the empty name, which no text scrape can show (1.11's `/metrics` then answers an empty body), and
a name that is not valid UTF-8 (a protobuf string is not checked on the wire), which the UTF-8
rule itself calls invalid and no text-keyed storage can hold.
"""

from __future__ import annotations

from bridge.protocol.floats import format_g
from bridge.protocol.gostr import go_quote
from bridge.protocol.grouping import is_grouping_label_name
from bridge.protocol.model import Metric, MetricFamily, MetricType
from bridge.protocol.names import is_utf8_name

SUFFIXES = ("_count", "_sum", "_bucket")


def metric_text(metric: Metric) -> str:
    """A compact rendering of a metric for error messages, like Go's proto compact text."""
    parts = [f"label:<name:{go_quote(n)} value:{go_quote(v)} > " for n, v in metric.labels]
    for field in ("gauge", "counter", "untyped"):
        value = getattr(metric, field)
        if value is not None:
            parts.append(f"{field}:<value:{format_g(value)} > ")
    if metric.summary is not None:
        parts.append(f"summary:<sample_count:{metric.summary.sample_count} > ")
    if metric.histogram is not None:
        parts.append(f"histogram:<sample_count:{metric.histogram.sample_count} > ")
    return "".join(parts)


_KNOWN_LABEL_NAMES: set[str] = set()


def _valid_label_name(name: str) -> bool:
    if name in _KNOWN_LABEL_NAMES:
        return True
    valid = is_grouping_label_name(name, utf8=True)
    if valid and len(_KNOWN_LABEL_NAMES) < 10_000:  # a cache of names seen valid; bounded
        _KNOWN_LABEL_NAMES.add(name)
    return valid


def _is_utf8(value: str) -> bool:
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def family_errors(family: MetricFamily) -> list[str]:
    """Problems of a family on its own: name, value fields, label names and values, duplicates.

    Labels must already be sorted by name (as sanitising leaves them).
    """
    errors: list[str] = []
    name = family.name
    if not is_utf8_name(name):
        errors.append(f"metric family {go_quote(name)} has an invalid metric name")
        return errors
    mtype = family.type
    seen: set[tuple[tuple[str, str], ...]] = set()
    for metric in family.metrics:
        error = metric_error(name, mtype, metric)
        if error is None and metric.labels in seen:
            error = (
                f"collected metric {go_quote(name)} {{ {metric_text(metric)}}} was collected before "
                "with the same name and label values"
            )
        if error is not None:
            errors.append(error)
        seen.add(metric.labels)
    return errors


def metric_error(name: str, mtype: MetricType, metric: Metric) -> str | None:
    """The first problem client_golang's checkMetricConsistency (plus our `le` rule) finds."""
    if not metric.has_value_for(mtype):
        return f"collected metric {go_quote(name)} {{ {metric_text(metric)}}} is not a {mtype.name}"
    previous = ""
    for label, value in metric.labels:
        if label == previous:
            return (
                f"collected metric {go_quote(name)} {{ {metric_text(metric)}}} has two or more labels "
                f"with the same name: {label}"
            )
        if not _valid_label_name(label):
            return (
                f"collected metric {go_quote(name)} {{ {metric_text(metric)}}} has a label with an "
                f"invalid name: {label}"
            )
        if label == "quantile" and metric.summary is not None:
            return f'collected metric {go_quote(name)} {{ {metric_text(metric)}}} must not have an explicit "quantile" label'
        if label == "le" and metric.histogram is not None:
            return f'collected metric {go_quote(name)} {{ {metric_text(metric)}}} must not have an explicit "le" label'
        if not _is_utf8(value):
            return (
                f"collected metric {go_quote(name)} {{ {metric_text(metric)}}} has a label named "
                f"{go_quote(label)} whose value is not utf8"
            )
        previous = label
    return None


def suffix_base(name: str) -> tuple[str, str] | None:
    """Split `x_count`, `x_sum`, `x_bucket` into (`x`, suffix), as checkSuffixCollisions does."""
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)], suffix
    return None
