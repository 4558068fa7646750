"""Text format 0.0.4 rendering with expfmt's bytes (escaping, float format, `+Inf` bucket, quoted UTF-8 names).

`render_header` and `render_metric` write names as they are: the fast path, for legacy-valid names.
`render_header_quoted` and `render_metric_quoted` write any name as expfmt 0.67 does: a name that
is not a legacy-valid metric name in double quotes, and a quoted metric name first inside the
braces (`{"my.metric","dotted.label"="x"} 1`), as an `escaping=allow-utf-8` scrape shows it.
"""

from __future__ import annotations

import math

from bridge.protocol.floats import format_text
from bridge.protocol.model import TEXT_TYPE_NAMES, Labels, Metric, MetricFamily, MetricType
from bridge.protocol.names import Escaping, escape_family, is_legacy_metric_name, quote_name

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


def render_header_quoted(name: str, help_text: str | None, mtype: MetricType) -> bytes:
    """`render_header` with the name quoted unless it is legacy-valid."""
    return render_header(quote_name(name), help_text, mtype)


def _quoted_sample(name: str, labels: Labels, extra: str, value: str, suffix: str) -> str:
    """One sample line as writeNameAndLabelPairs writes it: a quoted metric name goes inside the braces."""
    parts = [f'{quote_name(n)}="{v.translate(_LABEL_ESCAPES)}"' for n, v in labels]
    if extra:
        parts.append(extra)
    if is_legacy_metric_name(name):
        head = name + ("{" + ",".join(parts) + "}" if parts else "")
    else:
        head = "{" + ",".join([quote_name(name), *parts]) + "}"
    return f"{head} {value}{suffix}"


def render_metric_quoted(name: str, mtype: MetricType, metric: Metric) -> bytes:
    """`render_metric` with names quoted unless legacy-valid (`escaping=allow-utf-8`).

    Raises:
        ValueError: the metric lacks the value field its family type needs.

    """
    labels = metric.labels
    suffix = f" {metric.timestamp_ms}\n" if metric.timestamp_ms is not None else "\n"
    if mtype is MetricType.COUNTER or mtype is MetricType.GAUGE or mtype is MetricType.UNTYPED:
        value = (
            metric.counter
            if mtype is MetricType.COUNTER
            else (metric.gauge if mtype is MetricType.GAUGE else metric.untyped)
        )
        if value is None:
            raise ValueError(f"expected {mtype.name.lower()} in metric {name}")
        return _encode(_quoted_sample(name, labels, "", format_text(value), suffix))
    out: list[str] = []
    if mtype is MetricType.SUMMARY:
        summary = metric.summary
        if summary is None:
            raise ValueError(f"expected summary in metric {name}")
        for quantile, value in summary.quantiles:
            extra = f'quantile="{format_text(quantile)}"'
            out.append(_quoted_sample(name, labels, extra, format_text(value), suffix))
        out.append(_quoted_sample(name + "_sum", labels, "", format_text(summary.sample_sum), suffix))
        out.append(_quoted_sample(name + "_count", labels, "", format_text(float(summary.sample_count)), suffix))
        return _encode("".join(out))
    if mtype is MetricType.HISTOGRAM or mtype is MetricType.GAUGE_HISTOGRAM:
        # As render_metric: the classic part only, float counts where set.
        histogram = metric.histogram
        if histogram is None:
            raise ValueError(f"expected histogram in metric {name}")
        bucket = name + "_bucket"
        inf_seen = False
        for bound, count in histogram.bucket_values():
            extra = f'le="{format_text(bound)}"'
            out.append(_quoted_sample(bucket, labels, extra, format_text(count), suffix))
            if bound == math.inf:
                inf_seen = True
        total = format_text(histogram.count_value)
        if not inf_seen:
            out.append(_quoted_sample(bucket, labels, 'le="+Inf"', total, suffix))
        out.append(_quoted_sample(name + "_sum", labels, "", format_text(histogram.sample_sum), suffix))
        out.append(_quoted_sample(name + "_count", labels, "", total, suffix))
        return _encode("".join(out))
    raise ValueError(f"unexpected type in metric {name}")


def render_escaped(family: MetricFamily, escaping: Escaping) -> bytes:
    """A whole family as a scrape with `escaping` shows it: names escaped, or quoted for `allow-utf-8`."""
    if not family.metrics:
        return b""
    if escaping is Escaping.ALLOW_UTF8:
        parts = [render_header_quoted(family.name, family.help, family.type)]
        parts.extend(render_metric_quoted(family.name, family.type, m) for m in family.metrics)
        return b"".join(parts)
    return render_family(escape_family(family, escaping))
