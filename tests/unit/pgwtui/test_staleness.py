"""Unit tests: staleness rules (pushed max age, per-job regex, default), statuses and their wording."""

from __future__ import annotations

import re

import pytest

from pgwtui.models import Group
from pgwtui.staleness import StalenessPolicy, StalenessRule, Status, assess

NOW = 1_000_000.0


def group(
    job: str = "backup", *, age: float | None = 10.0, failed: bool = False, max_age: float | None = None
) -> Group:
    return Group(
        key=(("job", job),),
        last_push=None if age is None else NOW - age,
        last_failure=NOW - 1 if failed else None,
        last_push_successful=not failed,
        family_count=1,
        series_count=1,
        pushed_max_age=None if max_age is None else ("job_max_age_seconds", max_age),
        raw="{}",
    )


POLICY = StalenessPolicy(3600, (StalenessRule("nightly-.*", 26 * 3600), StalenessRule("never-.*", 0)))


@pytest.mark.parametrize(
    ("g", "seconds", "source"),
    [
        (group("backup"), 3600, "default"),
        (group("nightly-report"), 93600, "rule job=~nightly-.*"),
        (group("nightly-report", max_age=60), 60, "pushed job_max_age_seconds"),  # pushed wins over rules
        (group("x-nightly-report"), 3600, "default"),  # rules match the whole job name
    ],
)
def test_threshold_precedence(g: Group, seconds: float, source: str):
    threshold = POLICY.threshold(g)
    assert threshold is not None
    assert (threshold.seconds, threshold.source) == (seconds, source)


def test_zero_disables_staleness():
    assert POLICY.threshold(group("never-mind")) is None
    assert StalenessPolicy(0).threshold(group("backup")) is None
    assert not assess(group("backup", age=1e9), StalenessPolicy(0), NOW).stale


@pytest.mark.parametrize(
    ("g", "status", "label"),
    [
        (group(age=10), Status.OK, "ok"),
        (group(age=3601), Status.STALE, "stale >1h"),
        (group(age=3600), Status.OK, "ok"),  # exactly at the threshold is not past it
        (group(age=10, failed=True), Status.FAILED, "failed"),
        (group(age=7200, failed=True), Status.FAILED_STALE, "failed, stale >1h"),
        (group(age=None, failed=True), Status.FAILED, "failed"),  # never pushed successfully
    ],
)
def test_status_and_label(g: Group, status: Status, label: str):
    verdict = assess(g, POLICY, NOW)
    assert verdict.status is status
    assert verdict.label == label


def test_explanations_name_the_rule():
    assert "26h (rule job=~nightly-.*)" in assess(group("nightly-x", age=10), POLICY, NOW).explain()
    text = assess(group(age=7200, failed=True), POLICY, NOW).explain()
    assert "last push to this group failed" in text and "longer than 1h (default)" in text


def test_status_orders_by_severity():
    assert Status.OK < Status.STALE < Status.FAILED < Status.FAILED_STALE


def test_invalid_rule_regex_raises():
    with pytest.raises(re.error):
        StalenessRule("(", 10)
