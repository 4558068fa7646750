"""The detail view as pure data: family rows, and series lines with histograms and summaries unfolded."""

from __future__ import annotations

from dataclasses import dataclass

from bridge.protocol.grouping import GroupKey
from pgwtui.labels import metric_name, own_labels, pairs_text
from pgwtui.models import Family, Series


@dataclass(frozen=True, slots=True)
class SeriesLine:
    """One line of the series table: what it is and its value."""

    what: str
    value: str


def family_row(family: Family) -> tuple[str, str, str]:
    """Return the FAMILY, TYPE and SERIES cells."""
    return (metric_name(family.name), family.type.lower(), str(len(family.series)))


def family_title(family: Family) -> str:
    """Title the series pane: name, type, series count and HELP."""
    help_text = f": {family.help}" if family.help else ""
    managed = " (maintained by the gateway)" if family.managed else ""
    return f"{metric_name(family.name)} · {family.type.lower()} · {len(family.series)} series{managed}{help_text}"


def series_labels(series: Series, key: GroupKey) -> str:
    """Show a series' own labels, without the grouping labels and the injected `instance=""`: `{kind="a"}`."""
    return "{" + pairs_text(own_labels(series.labels, key), sep=", ") + "}"


def series_lines(family: Family, key: GroupKey) -> list[SeriesLine]:
    """Every line of a family: scalars as one line; histograms and summaries as count, sum, then buckets."""
    lines: list[SeriesLine] = []
    kind = family.type.upper()
    for series in family.series:
        labels = series_labels(series, key)
        if kind in ("HISTOGRAM", "GAUGE_HISTOGRAM", "SUMMARY"):
            lines.append(SeriesLine(labels, f"count {series.count or '0'}   sum {series.sum or '0'}"))
            for bound, count in series.buckets:
                lines.append(SeriesLine(f"    le={bound}", count))
            for quantile, value in series.quantiles:
                lines.append(SeriesLine(f"    quantile={quantile}", value))
        else:
            lines.append(SeriesLine(labels, series.value if series.value is not None else ""))
    return lines
