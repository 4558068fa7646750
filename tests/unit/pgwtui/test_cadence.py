"""Unit tests: the groups view's cadence column, pure: what to ask for, what is kept, the bars, why not (once)."""

from __future__ import annotations

import pytest

from pgwtui.alerts.ranges import RangeSeries, keys_by_job
from pgwtui.views.cadence import (
    CADENCE_KEEP,
    CADENCE_RETRY,
    CADENCE_TTL,
    NO_CADENCES,
    Cadence,
    bars,
    cell,
    changed_on_screen,
    counts_of,
    query,
    window,
)

NOW = 1_780_000_000.0
A, B, C = (("job", "a"),), (("job", "b"),), (("env", "prod"), ("job", "a"))


def test_only_unknown_or_old_cadences_are_asked_for():
    known = NO_CADENCES.loaded({A: (1,) * 12}, [A, B], NOW)
    assert known.by_key[B] == Cadence(None, NOW)  # asked, not in the answer: no series
    assert known.missing([A, B, C], NOW + 1) == [C]
    assert known.missing([A, B, C], NOW + CADENCE_TTL + 1) == [A, B, C]


def test_after_a_failure_nothing_is_asked_for_a_while():
    failed = NO_CADENCES.failed("Prometheus at … refused us (401)", "refused 401", NOW)
    assert failed.missing([A], NOW + 1) == []
    assert failed.missing([A], NOW + CADENCE_RETRY + 1) == [A]
    assert failed.loaded({A: (0,) * 12}, [A], NOW + 40).error is None


def test_the_oldest_answers_go_first():
    many = NO_CADENCES.loaded({}, [(("job", str(i)),) for i in range(CADENCE_KEEP + 10)], NOW)
    assert len(many.by_key) == CADENCE_KEEP and (("job", "0"),) not in many.by_key
    again = many.loaded({}, [(("job", "10"),)], NOW + 1)  # asked again: now the newest
    assert list(again.by_key)[-1] == (("job", "10"),)


def test_counts_land_in_their_buckets_and_go_to_the_most_specific_group():
    start, _end, step = window(NOW)
    points = ((start, 3.0), (start + 5 * step, 1.0), (NOW, 2.0))
    answer = [RangeSeries(A, points), RangeSeries((("env", "prod"), ("job", "a")), ((NOW, 7.0),))]
    found = counts_of(answer, [A, C], keys_by_job([A, B, C]), NOW)
    assert found[A] == (3, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2)
    assert found[C] == (0,) * 11 + (7,)


def test_the_query_covers_the_last_24h_in_twelve_steps():
    q = query([A, B], NOW)
    assert (q.end, q.end - q.start, q.step) == (NOW, 22 * 3600, 7200)
    assert q.expr.count("changes(") == 6


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ((0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0), "▁▁▁█▁▁█▁▁█▁▁"),
        ((24,) * 12, "█" * 12),
        ((0,) * 12, "▁" * 12),
        ((2, 4, 8, 1), "▃▅█▂"),
    ],
)
def test_bars_scale_to_the_busiest_bucket_and_zero_stays_flat(counts, expected):
    assert bars(counts) == expected


def test_the_cell_says_why_once():
    failed = NO_CADENCES.failed("…", "unreachable", NOW)
    assert cell(None, failed, first_on_screen=True) == "unreachable"
    assert cell(None, failed, first_on_screen=False) == ""
    assert cell(None, NO_CADENCES, first_on_screen=True) == "…"
    assert cell(Cadence(None, NOW), NO_CADENCES, first_on_screen=False) == "no series"
    assert cell(Cadence((1, 0, 3) + (0,) * 9, NOW), NO_CADENCES, first_on_screen=False) == "▃▁█▁▁▁▁▁▁▁▁▁    4"


def test_an_answer_for_rows_scrolled_away_changes_nothing_on_screen():
    known = NO_CADENCES.loaded({A: (1,) * 12}, [A], NOW)
    later = known.loaded({B: (2,) * 12}, [B], NOW + 1)
    assert not changed_on_screen(known, later, [A, C]), "B is not on screen; A's cadence is the same object"
    assert changed_on_screen(known, later, [B])
    assert changed_on_screen(NO_CADENCES, known, [A])
    assert changed_on_screen(known, known.failed("…", "unreachable", NOW + 2), [C]), "the reason shows in row one"
    assert not changed_on_screen(known, known, [A, B, C])
