"""The detail view as pure data: family rows, and series lines with histograms and summaries unfolded."""

from __future__ import annotations

from dataclasses import dataclass

from bridge.protocol.grouping import GroupKey
from bridge.protocol.native import Bucket, schema_of
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
            lines.extend(native_lines(series.native_buckets))
            for bound, count in series.buckets:
                lines.append(SeriesLine(f"    le={bound}", count))
            for quantile, value in series.quantiles:
                lines.append(SeriesLine(f"    quantile={quantile}", value))
        else:
            lines.append(SeriesLine(labels, series.value if series.value is not None else ""))
    return lines


# The API's boundaries code → (lower bound included, upper bound included).
_INCLUSIVE = {0: (False, True), 1: (True, False), 2: (False, False), 3: (True, True)}


def _bucket(entry: tuple[int, str, str, str]) -> Bucket | None:
    boundaries, lower, upper, count = entry
    try:
        low, high, value = float(lower), float(upper), float(count)
    except ValueError:
        return None
    lower_inclusive, upper_inclusive = _INCLUSIVE.get(boundaries, (False, True))
    return Bucket(low, high, value, lower_inclusive, upper_inclusive)


def native_lines(entries: tuple[tuple[int, str, str, str], ...]) -> list[SeriesLine]:
    """A native histogram's lines: its schema (read back from the bounds), zero bucket, then each bucket.

    Intervals are written as Prometheus writes them (`(0.917,1]`, `[-1e-128,1e-128]`); only
    non-empty buckets are listed, lowest first, as the gateway lists them.
    """
    if not entries:
        return []
    parsed = [(entry, _bucket(entry)) for entry in entries]
    schema = next(
        (
            s
            for _, b in parsed
            if b is not None and b.boundaries != 3 and (s := schema_of(b.lower, b.upper)) is not None
        ),
        None,
    )
    lines = [SeriesLine("    native histogram", f"schema {schema}" if schema is not None else "schema unknown")]
    for entry, bucket in parsed:
        count = entry[3]
        if bucket is None:
            lines.append(SeriesLine(f"    {entry[1]}..{entry[2]}", count))
        elif bucket.boundaries == 3 and bucket.lower == -bucket.upper:
            lines.append(SeriesLine(f"    zero bucket {bucket.interval()}", count))
        else:
            lines.append(SeriesLine(f"    {bucket.interval()}", count))
    return lines
