"""Text format 0.0.4 rendering with expfmt's bytes (escaping, float format, `+Inf` bucket)."""

from __future__ import annotations

import math

from bridge.protocol.floats import format_text
from bridge.protocol.model import TEXT_TYPE_NAMES, Labels, Metric, MetricFamily, MetricType

_LABEL_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", '"': '\\"'})
_HELP_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n"})


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def render_header(name: str, help_text: str | None, mtype: MetricType) -> bytes:
    """`# HELP` (only when a HELP was given) and `# TYPE` lines of a family."""
    type_line = f"# TYPE {name} {TEXT_TYPE_NAMES[mtype]}\n"
    if help_text is None:
        return _encode(type_line)
    return _encode(f"# HELP {name} {help_text.translate(_HELP_ESCAPES)}\n{type_line}")


# Rendered `name="value"` per label pair: stored series share their pairs (see textparse), so
# most are rendered once. Bounded; starts over when full.
_PAIR_TEXT: dict[tuple[str, str], str] = {}
_MAX_PAIR_TEXT = 1 << 16


def _pair_text(pair: tuple[str, str]) -> str:
    text = _PAIR_TEXT.get(pair)
    if text is None:
        if len(_PAIR_TEXT) >= _MAX_PAIR_TEXT:
            _PAIR_TEXT.clear()
        text = _PAIR_TEXT[pair] = f'{pair[0]}="{pair[1].translate(_LABEL_ESCAPES)}"'
    return text


def _label_text(labels: Labels) -> str:
    return ",".join([_pair_text(pair) for pair in labels])


def render_metric(name: str, mtype: MetricType, metric: Metric) -> bytes:
    """Every sample line of one metric, in expfmt's order.

    Raises:
        ValueError: the metric lacks the value field its family type needs.

    """
    labels = _label_text(metric.labels)
    suffix = f" {metric.timestamp_ms}\n" if metric.timestamp_ms is not None else "\n"
    if mtype is MetricType.COUNTER or mtype is MetricType.GAUGE or mtype is MetricType.UNTYPED:
        value = (
            metric.counter
            if mtype is MetricType.COUNTER
            else (metric.gauge if mtype is MetricType.GAUGE else metric.untyped)
        )
        if value is None:
            raise ValueError(f"expected {mtype.name.lower()} in metric {name}")
        if labels:
            return _encode(f"{name}{{{labels}}} {format_text(value)}{suffix}")
        return _encode(f"{name} {format_text(value)}{suffix}")
    prefix = labels + "," if labels else ""
    plain = "{" + labels + "}" if labels else ""
    out: list[str] = []
    if mtype is MetricType.SUMMARY:
        summary = metric.summary
        if summary is None:
            raise ValueError(f"expected summary in metric {name}")
        for quantile, value in summary.quantiles:
            out.append(f'{name}{{{prefix}quantile="{format_text(quantile)}"}} {format_text(value)}{suffix}')
        out.append(f"{name}_sum{plain} {format_text(summary.sample_sum)}{suffix}")
        out.append(f"{name}_count{plain} {format_text(float(summary.sample_count))}{suffix}")
        return _encode("".join(out))
    if mtype is MetricType.HISTOGRAM or mtype is MetricType.GAUGE_HISTOGRAM:
        # Only the classic part: a native-only histogram is its +Inf bucket, sum and count. Counts
        # are the float fields where non-zero (common >= 0.67; 1.11.0's Debian build reads only
        # the integer fields, so a float histogram shows 0 there).
        histogram = metric.histogram
        if histogram is None:
            raise ValueError(f"expected histogram in metric {name}")
        inf_seen = False
        for bound, count in histogram.bucket_values():
            out.append(f'{name}_bucket{{{prefix}le="{format_text(bound)}"}} {format_text(count)}{suffix}')
            if bound == math.inf:
                inf_seen = True
        total = format_text(histogram.count_value)
        if not inf_seen:
            out.append(f'{name}_bucket{{{prefix}le="+Inf"}} {total}{suffix}')
        out.append(f"{name}_sum{plain} {format_text(histogram.sample_sum)}{suffix}")
        out.append(f"{name}_count{plain} {total}{suffix}")
        return _encode("".join(out))
    raise ValueError(f"unexpected type in metric {name}")


def render_family(family: MetricFamily) -> bytes:
    """A whole family as given (no sorting); nothing for a family without metrics."""
    if not family.metrics:
        return b""
    parts = [render_header(family.name, family.help, family.type)]
    parts.extend(render_metric(family.name, family.type, m) for m in family.metrics)
    return b"".join(parts)
