"""Staleness rules as data, and the verdict on one group at one instant (pure; the clock is passed in).

Which maximum age applies to a group, first match wins:

1. the group pushes a `*_max_age_seconds` gauge (as `pgw-bridge exec --max-age` does): its value
   (the smallest one if several);
2. the first per-job rule whose regex matches the whole `job` label;
3. the default maximum age (0 disables it: such groups are never stale).

`pgwtui rules` exports the same rules as Prometheus alerting rules (`pgwtui.rules.staleness`), so
Prometheus and the TUI agree on which groups are stale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import IntEnum

import msgspec

from pgwtui.durations import format_duration
from pgwtui.models import Group

DEFAULT_MAX_AGE = 3600.0
"""A group not pushed for an hour is stale unless a rule or the group itself says otherwise."""


class Status(IntEnum):
    """A group's triage status; the higher the value, the more it needs attention."""

    OK = 0
    STALE = 1
    FAILED = 2
    FAILED_STALE = 3


@dataclass(frozen=True, slots=True)
class StalenessRule:
    """Groups whose `job` matches `job` (a regex, anchored at both ends) are stale after `max_age` s."""

    job: str
    max_age: float
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", re.compile(self.job))

    def matches(self, job: str) -> bool:
        """Whether the rule applies to this job (the whole name must match)."""
        return self.pattern.fullmatch(job) is not None


class Threshold(msgspec.Struct, frozen=True, gc=False):
    """The maximum age that applies to a group, and where it comes from."""

    seconds: float
    source: str

    @property
    def text(self) -> str:
        """`1h (default)`, `26h (rule job=~nightly-.*)`, `2h (pushed backup_max_age_seconds)`."""
        return f"{format_duration(self.seconds)} ({self.source})"


@dataclass(frozen=True, slots=True)
class StalenessPolicy:
    """A default maximum age plus per-job rules."""

    default_max_age: float = DEFAULT_MAX_AGE
    rules: tuple[StalenessRule, ...] = ()
    _by_job: dict[str, Threshold | None] = field(default_factory=dict, init=False, repr=False, compare=False)

    def threshold(self, group: Group) -> Threshold | None:
        """Return the maximum age for `group`, or None if it can never be stale."""
        if group.pushed_max_age is not None:
            name, seconds = group.pushed_max_age
            return Threshold(seconds, f"pushed {name}")
        job = group.job
        cached = self._by_job.get(job, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        found: Threshold | None = None
        for rule in self.rules:
            if rule.matches(job):
                found = Threshold(rule.max_age, f"rule job=~{rule.job}") if rule.max_age > 0 else None
                break
        else:
            if self.default_max_age > 0:
                found = Threshold(self.default_max_age, "default")
        if len(self._by_job) < 100_000:
            self._by_job[job] = found
        return found


_MISSING = object()


class Assessment(msgspec.Struct, frozen=True, gc=False):
    """The verdict on one group at one instant."""

    age: float | None
    threshold: Threshold | None
    stale: bool
    failed: bool

    @property
    def status(self) -> Status:
        """The combined status."""
        if self.failed:
            return Status.FAILED_STALE if self.stale else Status.FAILED
        return Status.STALE if self.stale else Status.OK

    @property
    def label(self) -> str:
        """The status column: `ok`, `stale >1h`, `failed`, `failed, stale >1h`."""
        parts = []
        if self.failed:
            parts.append("failed")
        if self.stale and self.threshold is not None:
            parts.append(f"stale >{format_duration(self.threshold.seconds)}")
        return ", ".join(parts) or "ok"

    def explain(self) -> str:
        """Explain this status in a sentence (detail view and help)."""
        reasons = []
        if self.failed:
            reasons.append("the last push to this group failed (push_failure_time_seconds > push_time_seconds)")
        if self.stale and self.threshold is not None:
            reasons.append(f"no successful push for longer than {self.threshold.text}")
        if not reasons:
            if self.threshold is None:
                return "the last push succeeded; no maximum age applies to this group"
            return f"the last push succeeded, within {self.threshold.text}"
        return "; ".join(reasons)


def assess(group: Group, policy: StalenessPolicy, now: float) -> Assessment:
    """Age, threshold and status of `group` at wall-clock time `now` (seconds)."""
    age = None if group.last_push is None else now - group.last_push
    threshold = policy.threshold(group)
    stale = age is not None and threshold is not None and age > threshold.seconds
    return Assessment(age=age, threshold=threshold, stale=stale, failed=group.failed)
