"""Range queries as data (pure): a group's PromQL selector, the queries pgwtui asks, the matrix answer, whose series is whose.

A group's series carry its grouping labels as pushed (Prometheus scrapes the gateway with
`honor_labels: true`), except that empty values are dropped, among them the `instance=""` the
gateway adds to a group without an instance. So a group's selector names every grouping label
exactly and `instance=""` when it has none; and since `{job="a",instance=""}` also selects the
series of `{job=a, env=prod}`, each answer is handed to the group that matches it most
specifically (the rule alerts follow, `pgwtui.alerts.model`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bridge.protocol.grouping import GroupKey
from pgwtui.alerts.model import matches, specificity
from pgwtui.errors import PrometheusError
from pgwtui.rules.names import promql_duration, promql_string

_LEGACY_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
PUSHED = "push_time_seconds"
FAILED = "push_failure_time_seconds"
LOOKBACK = 300.0
"""Longer than any scrape interval (Prometheus's own lookback): see `changes_in_step`."""


@dataclass(frozen=True, slots=True)
class RangeQuery:
    """One `/api/v1/query_range` request: PromQL evaluated at start, start + step, … up to end (Unix seconds)."""

    expr: str
    start: float
    end: float
    step: float


@dataclass(frozen=True, slots=True)
class RangeSeries:
    """One series of a matrix answer: its labels (sorted, `__name__` included when kept) and its points."""

    labels: tuple[tuple[str, str], ...]
    points: tuple[tuple[float, float], ...]

    def label(self, name: str) -> str:
        """A label's value, "" when absent."""
        for key, value in self.labels:
            if key == name:
                return value
        return ""


def selector(key: GroupKey, *matchers: str) -> str:
    """`{job="backup",instance="db-1"}`: every grouping label, exactly; `instance=""` for a group without one."""
    parts = [f"{_name(name)}={promql_string(value)}" for name, value in key]
    if all(name != "instance" for name, _ in key):
        parts.append('instance=""')
    return "{" + ",".join([*parts, *matchers]) + "}"


def _name(name: str) -> str:
    # A UTF-8 label name (--push.enable-utf8-names) is quoted, as Prometheus 3 reads it.
    return name if _LEGACY_NAME.fullmatch(name) else promql_string(name)


def changes_in_step(metric: str, sel: str, step: float) -> str:
    """PromQL for the changes of a series within each step, each change counted in exactly one step.

    `changes(x[step])` misses the change between the last sample of one step and the first of the
    next. Counting over the step plus LOOKBACK, less the changes within that LOOKBACK before the
    step, counts exactly the changes whose later sample falls in the step. A series younger than
    a step has nothing before it: `or … * 0` subtracts nothing then, instead of dropping the point.
    """
    wide, back, offset = promql_duration(step + LOOKBACK), promql_duration(LOOKBACK), promql_duration(step)
    total = f"changes({metric}{sel}[{wide}])"
    return f"{total} - (changes({metric}{sel}[{back}] offset {offset}) or {total} * 0)"


def history_queries(key: GroupKey, start: float, end: float, step: float) -> dict[str, RangeQuery]:
    """What the group detail asks for its chart, by name.

    `pushed`/`failed`: the last push and failure times at each step (each distinct value is the exact
    time of a push a scrape saw); `pushes`/`failures`: their changes within each step (which counts
    the pushes replaced before the next step too); `firing`: the group's alerts while they fire.
    """
    sel = selector(key)
    firing = selector(key, 'alertstate="firing"')
    exprs = {
        "pushed": f"{PUSHED}{sel}",
        "pushes": changes_in_step(PUSHED, sel, step),
        "failed": f"{FAILED}{sel}",
        "failures": changes_in_step(FAILED, sel, step),
        "firing": f"ALERTS{firing}",
    }
    return {name: RangeQuery(expr, start, end, step) for name, expr in exprs.items()}


def cadence_query(keys: Sequence[GroupKey], start: float, end: float, step: float) -> RangeQuery:
    """Pushes per step (`changes_in_step` of push_time_seconds) of several groups in one query: a union of exact selectors."""
    expr = " or ".join(f"({changes_in_step(PUSHED, selector(key), step)})" for key in keys)
    return RangeQuery(expr, start, end, step)


# ----------------------------------------------------------------- the answer
def parse_matrix(body: bytes | str) -> list[RangeSeries]:
    """Read the answer of `/api/v1/query_range` (points that are NaN or infinite are left out).

    Raises:
        PrometheusError: not the JSON a Prometheus sends for a range query.

    """
    try:
        document = json.loads(body)
        if document.get("status") != "success":
            raise PrometheusError(f"the range query failed: {document.get('error')}", "bad answer")
        data = document["data"]
        if data.get("resultType") != "matrix":
            raise TypeError(f"resultType {data.get('resultType')!r}, not a matrix")
        return [_series(entry) for entry in data["result"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PrometheusError(
            f"/api/v1/query_range did not answer Prometheus's JSON ({exc}); is this Prometheus?", "bad answer"
        ) from None


def _series(entry: Mapping[str, object]) -> RangeSeries:
    metric = entry["metric"]
    values = entry["values"]
    if not isinstance(metric, dict) or not isinstance(values, list):
        raise TypeError("a series needs a metric object and a list of values")
    points = []
    for t, v in values:
        value = float(v)
        if math.isfinite(value):
            points.append((float(t), value))
    return RangeSeries(tuple(sorted((str(k), str(v)) for k, v in metric.items())), tuple(points))


# ----------------------------------------------------------------- whose series is whose
def keys_by_job(keys: Iterable[GroupKey]) -> dict[str, list[GroupKey]]:
    """The grouping keys by their `job` value (the candidates a series can belong to)."""
    found: dict[str, list[GroupKey]] = {}
    for key in keys:
        found.setdefault(dict(key).get("job", ""), []).append(key)
    return found


def owners(series: RangeSeries, candidates: Mapping[str, Sequence[GroupKey]]) -> tuple[GroupKey, ...]:
    """The groups a series is about: those it matches, the most specific winning (ties: all of them)."""
    labels = dict(series.labels)
    matching = [k for k in candidates.get(labels.get("job", ""), ()) if matches(k, labels)]
    if not matching:
        return ()
    best = max(map(specificity, matching))
    return tuple(k for k in matching if specificity(k) == best)


def owned_by(
    key: GroupKey, answer: Iterable[RangeSeries], candidates: Mapping[str, Sequence[GroupKey]]
) -> list[RangeSeries]:
    """The series of an answer that are about this group (not about a more specific one beside it)."""
    return [s for s in answer if key in owners(s, candidates)]
