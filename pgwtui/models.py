"""The read model of a Pushgateway, parsed from `/api/v1/metrics` only (pure: no I/O, no clock).

The grouping key of a group is exactly the `labels` object of its API entry: never rebuilt from
`/metrics` sample labels (that is how cleaners end up deleting the wrong group). Families are
kept raw and parsed on demand, so reading 10,000 groups stays cheap.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pgwtui.errors import GatewayProtocolError

GroupKey = tuple[tuple[str, str], ...]
"""A grouping key: label pairs sorted by name, `job` included."""

PUSH_TIME = "push_time_seconds"
PUSH_FAILURE_TIME = "push_failure_time_seconds"
TIMESTAMP_FAMILIES = frozenset({PUSH_TIME, PUSH_FAILURE_TIME})
MAX_AGE_SUFFIX = "_max_age_seconds"
_ENTRY_FIELDS = frozenset({"labels", "last_push_successful"})


@dataclass(frozen=True, slots=True)
class Series:
    """One series of a family, values as the gateway printed them (no precision lost)."""

    labels: tuple[tuple[str, str], ...]
    value: str | None = None
    count: str | None = None
    sum: str | None = None
    buckets: tuple[tuple[str, str], ...] = ()
    quantiles: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Family:
    """One metric family of a group."""

    name: str
    type: str
    help: str | None
    pushed_at: str
    series: tuple[Series, ...]

    @property
    def managed(self) -> bool:
        """Whether the gateway maintains this family itself (`push_time_seconds`, ...)."""
        return self.name in TIMESTAMP_FAMILIES


@dataclass(frozen=True, slots=True)
class Group:
    """One group: its grouping key, timestamps and (raw) families."""

    key: GroupKey
    last_push: float | None
    last_failure: float | None
    last_push_successful: bool
    family_count: int
    series_count: int
    pushed_max_age: tuple[str, float] | None
    raw: Mapping[str, Any] = field(repr=False, compare=False, hash=False)

    @property
    def labels(self) -> dict[str, str]:
        """The grouping labels as a dict."""
        return dict(self.key)

    @property
    def job(self) -> str:
        """The `job` label (every group has one)."""
        return self.labels.get("job", "")

    @property
    def failed(self) -> bool:
        """Whether the last push to this group failed."""
        return not self.last_push_successful

    def families(self) -> tuple[Family, ...]:
        """Every family, user families first (by name), then the gateway's timestamps."""
        parsed = [_family(name, body) for name, body in self.raw.items() if name not in _ENTRY_FIELDS]
        parsed.sort(key=lambda f: (f.managed, f.name))
        return tuple(parsed)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything one read of `/api/v1/metrics` returned.

    `unreadable` counts entries whose grouping key cannot be trusted (on the Go gateway a family
    named `labels` overwrites the key); they are left out, never guessed at.
    """

    groups: tuple[Group, ...]
    fetched_at: float
    unreadable: int = 0


def label_text(key: GroupKey) -> str:
    """Write a grouping key as one line, `job` first: `job=backup instance="" path=/var/log`."""
    pairs = sorted(key, key=lambda kv: (kv[0] != "job", kv[0]))
    return " ".join(f"{name}={_show(value)}" for name, value in pairs)


def _show(value: str) -> str:
    if value == "" or any(c.isspace() or c in '"=' for c in value):
        return json.dumps(value, ensure_ascii=False)
    return value


def parse_groups(body: bytes | str) -> tuple[list[Group], int]:
    """Parse the groups of an `/api/v1/metrics` answer, and how many entries had no trustworthy key.

    Raises:
        GatewayProtocolError: not JSON, or not the shape a Pushgateway >= 1.2 sends.

    """
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise GatewayProtocolError(f"/api/v1/metrics did not answer JSON ({exc}); is this a Pushgateway?") from None
    if not isinstance(document, dict) or document.get("status") != "success" or "data" not in document:
        raise GatewayProtocolError("/api/v1/metrics did not answer {status: success, data: [...]}")
    data = document["data"]
    if not isinstance(data, list):
        raise GatewayProtocolError("/api/v1/metrics: `data` is not a list of groups")
    groups: list[Group] = []
    unreadable = 0
    for entry in data:
        group = parse_group(entry)
        if group is None:
            unreadable += 1
        else:
            groups.append(group)
    return groups, unreadable


def parse_group(entry: object) -> Group | None:
    """One API entry as a Group, or None when its grouping key cannot be trusted."""
    if not isinstance(entry, dict):
        return None
    labels = entry.get("labels")
    if not isinstance(labels, dict) or not labels.get("job"):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items()):
        return None
    key: GroupKey = tuple(sorted(labels.items()))
    family_count = 0
    series_count = 0
    max_age: tuple[str, float] | None = None
    for name, body in entry.items():
        if name in _ENTRY_FIELDS or name in TIMESTAMP_FAMILIES or not isinstance(body, dict):
            continue
        metrics = body.get("metrics")
        family_count += 1
        series_count += len(metrics) if isinstance(metrics, list) else 0
        if name.endswith(MAX_AGE_SUFFIX):
            value = _first_value(body)
            if value is not None and value > 0 and (max_age is None or value < max_age[1]):
                max_age = (name, value)
    return Group(
        key=key,
        last_push=_timestamp(entry.get(PUSH_TIME)),
        last_failure=_timestamp(entry.get(PUSH_FAILURE_TIME)),
        last_push_successful=entry.get("last_push_successful") is not False,
        family_count=family_count,
        series_count=series_count,
        pushed_max_age=max_age,
        raw=entry,
    )


def _timestamp(body: object) -> float | None:
    """Read a gateway timestamp family's value; 0 (what a successful push stores as failure time) is None."""
    value = _first_value(body)
    return value if value is not None and value > 0 else None


def _first_value(body: object) -> float | None:
    if not isinstance(body, dict):
        return None
    metrics = body.get("metrics")
    if not isinstance(metrics, list) or not metrics or not isinstance(metrics[0], dict):
        return None
    try:
        value = float(metrics[0].get("value", "nan"))
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def _pairs(mapping: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(mapping, dict):
        return ()
    return tuple((str(k), str(v)) for k, v in mapping.items())


def _sorted_numeric(pairs: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    def bound(pair: tuple[str, str]) -> float:
        try:
            return float(pair[0])
        except ValueError:
            return math.inf

    return tuple(sorted(pairs, key=bound))


def _family(name: str, body: object) -> Family:
    if not isinstance(body, dict):
        return Family(name, "UNKNOWN", None, "", ())
    series: list[Series] = []
    for metric in body.get("metrics") or ():
        if not isinstance(metric, dict):
            continue
        labels = tuple(sorted(_pairs(metric.get("labels"))))
        series.append(
            Series(
                labels=labels,
                value=_opt_str(metric.get("value")),
                count=_opt_str(metric.get("count")),
                sum=_opt_str(metric.get("sum")),
                buckets=_sorted_numeric(_pairs(metric.get("buckets"))),
                quantiles=_sorted_numeric(_pairs(metric.get("quantiles"))),
            )
        )
    help_text = body.get("help")
    return Family(
        name=name,
        type=str(body.get("type", "UNTYPED")),
        help=help_text if isinstance(help_text, str) else None,
        pushed_at=str(body.get("time_stamp", "")),
        series=tuple(series),
    )


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)
