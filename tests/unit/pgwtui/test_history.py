"""Unit tests: a group's push history, pure: selectors and queries, the matrix answer, the cadence, the rule fit, the chart."""

from __future__ import annotations

import json
from bisect import bisect_right
from datetime import UTC

import pytest

from pgwtui.alerts.ranges import (
    RangeSeries,
    cadence_query,
    changes_in_step,
    history_queries,
    keys_by_job,
    owned_by,
    owners,
    parse_matrix,
    selector,
)
from pgwtui.errors import PrometheusError
from pgwtui.staleness import Threshold
from pgwtui.views.history import RANGES, History, Span, Window, cadence, history_range
from pgwtui.views.history_chart import age_ticks, chart, nice_step
from pgwtui.views.history_figures import figures, fit, suggest

NOW = 1_780_000_000.0
HOUR = 3600.0
CRON = (("instance", ""), ("job", "cron-cleanup"))


def history_of(pushes: list[float], span: str = "24h", *, now: float = NOW, **extra: object) -> History:
    """What Prometheus answers for a group whose pushes a 15 s scrape saw (push times exact, changes per step)."""
    window = Window.ending(history_range(span), now)
    steps = [window.start + i * window.step for i in range(round((window.end - window.start) / window.step) + 1)]
    pushes = sorted(pushes)

    def last(t: float) -> float:
        i = bisect_right(pushes, t)
        return pushes[i - 1] if i else 0.0

    pushed = tuple((t, last(t)) for t in steps if pushes and pushes[0] <= t)
    counts = tuple((t, float(bisect_right(pushes, t) - bisect_right(pushes, t - window.step))) for t, _ in pushed)
    return History(CRON, history_range(span), window, now, pushed=pushed, pushes=counts, **extra)  # type: ignore[arg-type]


def every(interval: float, last: float, count: int) -> list[float]:
    return [last - i * interval for i in range(count)][::-1]


# ----------------------------------------------------------------- PromQL
@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ((("job", "backup"),), '{job="backup",instance=""}'),
        ((("instance", ""), ("job", "cron")), '{instance="",job="cron"}'),
        ((("instance", "db-1"), ("job", "backup")), '{instance="db-1",job="backup"}'),
        ((("job", 'we"ird\\'),), '{job="we\\"ird\\\\",instance=""}'),
        ((("job", "a"), ("région", "eu")), '{job="a","région"="eu",instance=""}'),
    ],
)
def test_selector_names_every_grouping_label_and_an_absent_instance(key, expected):
    assert selector(key) == expected


def test_changes_are_counted_in_exactly_one_step():
    assert changes_in_step("push_time_seconds", '{job="a"}', 7200) == (
        'changes(push_time_seconds{job="a"}[2h5m]) - (changes(push_time_seconds{job="a"}[5m] offset 2h)'
        ' or changes(push_time_seconds{job="a"}[2h5m]) * 0)'
    )


def test_history_queries_cover_pushes_failures_and_firing_alerts():
    queries = history_queries(CRON, NOW - HOUR, NOW, 10)
    assert {name: q.expr for name, q in queries.items()} == {
        "pushed": 'push_time_seconds{instance="",job="cron-cleanup"}',
        "pushes": changes_in_step("push_time_seconds", '{instance="",job="cron-cleanup"}', 10),
        "failed": 'push_failure_time_seconds{instance="",job="cron-cleanup"}',
        "failures": changes_in_step("push_failure_time_seconds", '{instance="",job="cron-cleanup"}', 10),
        "firing": 'ALERTS{instance="",job="cron-cleanup",alertstate="firing"}',
    }
    assert {(q.start, q.end, q.step) for q in queries.values()} == {(NOW - HOUR, NOW, 10)}


def test_a_cadence_query_is_one_union_for_a_screenful():
    query = cadence_query([(("job", "a"),), (("job", "b"),)], 0, 86400, 7200)
    assert query.expr.count(" or ") == 3 and query.expr.startswith('(changes(push_time_seconds{job="a"')


@pytest.mark.parametrize(
    ("name", "seconds", "step"),
    [("1h", 3600, 10), ("24h", 86400, 240), ("7d", 604800, 1680), ("30d", 2592000, 7200)],
)
def test_ranges_and_their_steps(name, seconds, step):
    window = Window.ending(history_range(name), NOW)
    assert (window.end - window.start, window.step) == (seconds, step)


# ----------------------------------------------------------------- the answer
def matrix(*series: dict[str, object], status: str = "success") -> bytes:
    return json.dumps({"status": status, "data": {"resultType": "matrix", "result": list(series)}}).encode()


def test_parse_matrix_keeps_labels_and_finite_points():
    body = matrix({"metric": {"job": "a", "__name__": "x"}, "values": [[1, "2"], [2, "NaN"], [3, "+Inf"], [4, "5e0"]]})
    assert parse_matrix(body) == [RangeSeries((("__name__", "x"), ("job", "a")), ((1.0, 2.0), (4.0, 5.0)))]


@pytest.mark.parametrize(
    "body",
    [
        b"<html>not json</html>",
        json.dumps({"status": "error", "errorType": "bad_data", "error": "parse error"}).encode(),
        json.dumps({"status": "success", "data": {"resultType": "vector", "result": []}}).encode(),
        json.dumps({"status": "success", "data": {"resultType": "matrix", "result": [{"metric": 1}]}}).encode(),
    ],
)
def test_parse_matrix_refuses_what_is_not_a_matrix(body):
    with pytest.raises(PrometheusError) as caught:
        parse_matrix(body)
    assert caught.value.short == "bad answer"


def test_a_series_belongs_to_the_most_specific_matching_group():
    plain, prod = (("job", "backup"),), (("env", "prod"), ("job", "backup"))
    other = (("instance", "db-1"), ("job", "backup"))
    candidates = keys_by_job([plain, prod, other])
    of_prod = RangeSeries((("env", "prod"), ("job", "backup")), ())
    of_plain = RangeSeries((("job", "backup"),), ())
    of_db1 = RangeSeries((("instance", "db-1"), ("job", "backup")), ())
    assert owners(of_prod, candidates) == (prod,)
    assert owners(of_plain, candidates) == (plain,)
    assert owners(of_db1, candidates) == (other,)
    assert owned_by(plain, [of_prod, of_plain, of_db1], candidates) == [of_plain]
    assert owners(RangeSeries((("job", "elsewhere"),), ()), candidates) == ()


# ----------------------------------------------------------------- cadence
def test_a_six_hourly_job_is_known_to_the_second():
    pushes = every(6 * HOUR, NOW - 5 * HOUR, 6)  # one before the range
    seen = cadence(history_of(pushes), pushes[-1], NOW)
    assert (seen.pushes, seen.usual, seen.exact, seen.last_long_gap) == (4, 6 * HOUR, True, None)


def test_a_fast_job_is_estimated_from_the_rate():
    pushes = every(300, NOW - 60, 9000)  # every 5 min for a month: 24 per 2 h step
    seen = cadence(history_of(pushes, "30d"), pushes[-1], NOW)
    assert not seen.exact
    assert seen.usual == pytest.approx(300, rel=0.01)
    assert seen.pushes == sum(1 for p in pushes if p > NOW - 30 * 86400)


def test_the_last_long_gap_and_the_current_one():
    pushes = [*every(6 * HOUR, NOW - 32 * HOUR, 5), *every(6 * HOUR, NOW - 2 * HOUR, 3)]
    seen = cadence(history_of(pushes, "7d"), pushes[-1], NOW)
    assert seen.usual == 6 * HOUR
    assert seen.last_long_gap is not None and not seen.ongoing
    assert (seen.last_long_gap.start, seen.last_long_gap.end) == (NOW - 32 * HOUR, NOW - 14 * HOUR)
    stopped = cadence(history_of(every(HOUR, NOW - 5 * HOUR, 20)), NOW - 5 * HOUR, NOW)
    assert stopped.ongoing and stopped.last_long_gap is not None
    assert stopped.last_long_gap.end == NOW


def test_a_push_after_the_last_step_counts_from_the_gateway():
    pushes = every(6 * HOUR, NOW - 6 * HOUR, 5)
    seen = cadence(history_of(pushes), NOW - 30, NOW)  # pushed 30 s ago, after Prometheus's last scrape
    assert seen.pushes == 4 and seen.last_long_gap is None  # -18h, -12h, -6h and the gateway's -30s


def test_too_few_pushes_have_no_usual_interval():
    assert cadence(history_of([NOW - HOUR, NOW - 2 * HOUR]), NOW - HOUR, NOW).usual is None


# ----------------------------------------------------------------- does the rule fit
DEFAULT = Threshold(HOUR, "default")


@pytest.mark.parametrize(
    ("threshold", "usual", "hint", "says", "suggested"),
    [
        (DEFAULT, 6 * HOUR, True, "goes stale between pushes (5h of every 6h)", 12 * HOUR),
        (Threshold(7 * HOUR, "rule job=~cron-.*"), 6 * HOUR, True, "tight: 7h is 1.2×", 12 * HOUR),
        (Threshold(26 * HOUR, "rule job=~nightly-.*"), 24 * HOUR, True, "tight", 2 * 86400),
        (Threshold(26 * HOUR, "rule job=~nightly-.*"), 12 * HOUR, False, "fits: 26h is 2.2×", None),
        (DEFAULT, 60.0, True, "loose: 1h is 60×", 120.0),
        (None, 600.0, True, "no maximum age applies", 1200.0),
        (DEFAULT, None, False, "too few pushes in 24h", None),
    ],
)
def test_fit(threshold, usual, hint, says, suggested):
    verdict = fit(threshold, usual, "24h")
    assert says in verdict.text
    assert (verdict.hint, verdict.suggested) == (hint, suggested)


@pytest.mark.parametrize(
    ("usual", "expected"), [(15, 30), (45, 90), (20 * 60, 2400), (6 * HOUR, 12 * HOUR), (25 * HOUR, 3 * 86400)]
)
def test_suggest_rounds_twice_the_interval_up(usual, expected):
    assert suggest(usual) == expected


def when(ts: float) -> str:
    return f"t{ts - NOW:+.0f}"


def test_figures_of_a_six_hourly_job_with_the_one_hour_default():
    pushes = every(6 * HOUR, NOW - 5 * HOUR, 6)
    firing = (Span("PushgatewayGroupStale", NOW - 4 * HOUR + 300, NOW),)
    lines = figures(history_of(pushes, firing=firing), DEFAULT, pushes[-1], NOW, when)
    by_label = {f.label: f for f in lines}
    assert by_label["Pushes"].text == "4 in 24h, usual interval ~6h"
    assert by_label["Last success"].text == "5h00m ago"
    assert by_label["Rule"].text == "1h (default)"
    assert by_label["Fit"].hint and "pushes every ~6h but the maximum age is 1h" in by_label["Fit"].text
    assert by_label["Alerts"].text == "1 span in 24h; firing now, since t-14100"
    assert lines[-1].text == 'about 12h fits: a [[staleness.rules]] entry with job = "cron-cleanup", max_age = "12h"'


def test_figures_when_the_job_pushes_its_own_max_age():
    pushes = every(6 * HOUR, NOW - HOUR, 6)
    lines = figures(history_of(pushes), Threshold(HOUR, "pushed backup_max_age_seconds"), pushes[-1], NOW, when)
    assert "pgw-bridge exec --max-age 12h" in lines[-1].text


def test_figures_without_data_say_what_to_check():
    empty = History(CRON, RANGES[0], Window.ending(RANGES[0], NOW), NOW)
    (only,) = figures(empty, DEFAULT, None, NOW, when)
    assert only.hint and "honor_labels: true" in only.text


# ----------------------------------------------------------------- the chart
def test_the_chart_is_a_sawtooth_against_the_max_age():
    pushes = every(6 * HOUR, NOW - 5 * HOUR, 6)
    data = chart(history_of(pushes), HOUR, pushes[-1], UTC)
    start = NOW - 86400
    assert data.line[0] == (start, start - pushes[1])
    assert data.line[1:3] == ((pushes[2], 6 * HOUR), (pushes[2], 0.0))
    assert data.line[-1] == (NOW, 5 * HOUR)
    assert data.pushes == tuple(pushes[2:])
    assert data.max_age == HOUR and (HOUR, "1h") in data.yticks
    assert data.xticks[0] == (start, "20:26") and data.xticks[-1] == (NOW, "20:26")
    assert data.ylim[1] > 6 * HOUR and not data.empty


def test_the_chart_of_nothing_says_so():
    empty = History(CRON, RANGES[3], Window.ending(RANGES[3], NOW), NOW)
    assert "No push_time_seconds" in chart(empty, HOUR, None, UTC).empty


@pytest.mark.parametrize(("extent", "step"), [(50, 15), (3600, 900), (6.9 * HOUR, 7200), (30 * 86400, 1209600)])
def test_nice_steps(extent, step):
    assert nice_step(extent) == step


def test_age_ticks_make_room_for_the_max_age_label():
    assert age_ticks(4 * HOUR, 3700) == (
        (0.0, "0"),
        (3700, "1h1m40s"),
        (7200.0, "2h"),
        (10800.0, "3h"),
        (14400.0, "4h"),
    )
