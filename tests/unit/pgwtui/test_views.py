"""Unit tests: the groups view as data (sorting, the `/` filter, counts, cell text)."""

from __future__ import annotations

import re
from datetime import UTC

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pgwtui.models import Group
from pgwtui.staleness import StalenessPolicy
from pgwtui.views.groups import (
    COLUMN_IDS,
    CellFormatter,
    Counts,
    RowFilter,
    build_rows,
    in_key_order,
    refresh_rows,
    same_rows,
    sort_rows,
)

NOW = 1_780_000_000.0  # 2026-05-28 20:26:40 UTC


def group(
    job: str, age: float | None, *, families: int = 1, series: int = 1, failed_at: float | None = None, **labels: str
) -> Group:
    return Group(
        key=tuple(sorted({"job": job, **labels}.items())),
        last_push=None if age is None else NOW - age,
        last_failure=failed_at,
        last_push_successful=failed_at is None,
        family_count=families,
        series_count=series,
        pushed_max_age=None,
        raw="{}",
    )


GROUPS = [
    group("b", 10, families=3, series=9),
    group("a", 7200, families=1, series=1, instance=""),
    group("c", 100, families=2, series=4, failed_at=NOW - 5),
    group("d", None, failed_at=NOW - 50),
]
ROWS = build_rows(GROUPS, StalenessPolicy(3600), NOW)


def texts(rows) -> list[str]:
    return [r.text for r in rows]


@pytest.mark.parametrize(
    ("column", "descending", "expected"),
    [
        ("key", False, ['job=a instance=""', "job=b", "job=c", "job=d"]),
        ("key", True, ["job=d", "job=c", "job=b", 'job=a instance=""']),
        ("families", True, ["job=b", "job=c", 'job=a instance=""', "job=d"]),
        ("series", True, ["job=b", "job=c", 'job=a instance=""', "job=d"]),
        ("last_push", False, ["job=d", 'job=a instance=""', "job=c", "job=b"]),
        ("last_failure", True, ["job=c", "job=d", 'job=a instance=""', "job=b"]),
        ("status", True, ["job=d", "job=c", 'job=a instance=""', "job=b"]),
    ],
)
def test_sort_every_column(column: str, descending: bool, expected: list[str]):
    assert texts(sort_rows(ROWS, column, descending)) == expected


def test_every_column_sorts():
    for column in COLUMN_IDS:
        assert len(sort_rows(ROWS, column, False)) == len(ROWS)
    with pytest.raises(KeyError):
        sort_rows(ROWS, "nope", False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ["job=b", 'job=a instance=""', "job=c", "job=d"]),
        ("job=[ab]", ["job=b", 'job=a instance=""']),
        ("JOB=C", ["job=c"]),
        ('instance=""', ['job=a instance=""']),
        ("!job=[ab]", ["job=c", "job=d"]),
        ("(", []),  # not a regex: literal
        ("!", ["job=b", 'job=a instance=""', "job=c", "job=d"]),
    ],
)
def test_filter(text: str, expected: list[str]):
    f = RowFilter.parse(text)
    assert texts(f.apply(ROWS)) == expected


def test_invalid_regex_is_literal():
    f = RowFilter.parse("a[")
    assert f.literal and f.pattern is not None and f.pattern.pattern == r"a\["


def test_counts_a_group_can_be_failed_and_stale():
    counts = Counts.of(build_rows([group("x", 7200, failed_at=NOW - 1), group("y", 1)], StalenessPolicy(3600), NOW))
    assert counts == Counts(total=2, ok=1, failed=1, stale=1)


def test_cells():
    fmt = CellFormatter(NOW, UTC)
    row = sort_rows(ROWS, "key", False)[0]  # job=a, 2h old, never failed
    assert fmt.cells(row) == ('job=a instance=""', "1", "1", " 2h00m 18:26:40", "-", "stale >1h")
    assert fmt.when(NOW - 2 * 86400) == " 2d00h 2026-05-26 20:26"
    assert fmt.when(None) == "never"
    assert fmt.timestamp(NOW) == "2026-05-28 20:26:40 UTC"


# ----------------------------------------------------------------- sorting, filtering and refreshing rows in bulk
def reference_sort(rows, column_id: str, descending: bool) -> list[object]:
    """The rule as written once: ties by grouping key (case-insensitive), then the column, worst/newest first."""

    def never(value):
        return float("-inf") if value is None else value

    ordered = sorted(rows, key=lambda r: r.text.casefold())
    keys = {
        "families": lambda r: r.group.family_count,
        "series": lambda r: r.group.series_count,
        "last_push": lambda r: never(r.group.last_push),
        "last_failure": lambda r: never(r.group.last_failure),
        "status": lambda r: (r.assessment.status, -never(r.group.last_push)),
    }
    if column_id == "key":
        return ordered[::-1] if descending else ordered
    return sorted(ordered, key=keys[column_id], reverse=descending)


some_groups = st.lists(
    st.builds(
        group,
        st.sampled_from(["a", "B", "b", "c"]),
        st.one_of(st.none(), st.sampled_from([1.0, 10.0, 7200.0, 9e4])),
        families=st.integers(0, 3),
        series=st.integers(0, 3),
        failed_at=st.one_of(st.none(), st.sampled_from([NOW - 5, NOW - 50])),
        instance=st.sampled_from(["x", "X", "y", ""]),
    ),
    max_size=12,
)


@given(some_groups, st.sampled_from([c for c in COLUMN_IDS if c != "alerts"]), st.booleans())
def test_sort_agrees_with_the_rule_as_written(groups: list[Group], column: str, descending: bool):
    rows = build_rows(groups, StalenessPolicy(3600), NOW)
    assert sort_rows(rows, column, descending) == reference_sort(rows, column, descending)
    # Filtering sorted rows is sorting filtered rows (the screen filters its sorted list on each keystroke).
    f = RowFilter.parse("instance=x")
    assert f.apply(sort_rows(rows, column, descending)) == sort_rows(f.apply(rows), column, descending)


def test_filter_takes_any_iterable_and_inverts():
    assert texts(RowFilter.parse("!job=[ab]").apply(iter(ROWS))) == ["job=c", "job=d"]
    assert texts(RowFilter.parse("JOB=B").apply(r for r in ROWS)) == ["job=b"]


def test_refresh_keeps_unchanged_rows_and_assesses_the_rest():
    policy = StalenessPolicy(3600)
    fresh, old, gone = group("fresh", 10), group("old", 100), group("gone", 10)
    before = refresh_rows([fresh, old, gone], policy, NOW)
    changed = group("changed", 5)
    later = NOW + 3550  # `old` (pushed 100 s before NOW) turns stale now; `fresh` is 3,560 s old: not yet
    after = refresh_rows([old, changed, fresh], policy, later, before)
    assert [r.text for r in after] == ["job=changed", "job=fresh", "job=old"]  # key order
    by_text = {r.text: r for r in before}
    kept = next(r for r in after if r.text == "job=fresh")
    assert kept is by_text["job=fresh"] and kept.assessed_at == NOW
    flipped = next(r for r in after if r.text == "job=old")
    assert flipped is not by_text["job=old"] and flipped.assessment.stale and flipped.assessed_at == later
    # Whatever was kept, every row says what assessing it now would.
    expected = build_rows([old, changed, fresh], policy, later)
    assert sorted((r.text, r.status, r.assessment.label) for r in after) == sorted(
        (r.text, r.status, r.assessment.label) for r in expected
    )


def test_refresh_without_earlier_rows_or_with_a_group_twice_builds_every_row():
    policy = StalenessPolicy(3600)
    a = group("a", 10)
    assert [r.text for r in refresh_rows([a, group("b", 1)], policy, NOW)] == ["job=a", "job=b"]
    twice = refresh_rows([a, a], policy, NOW, refresh_rows([a], policy, NOW))
    assert [r.text for r in twice] == ["job=a", "job=a"]


@given(some_groups, st.lists(st.booleans(), max_size=12), st.sampled_from([0.0, 60.0, 3600.0, 86400.0]))
def test_refreshed_rows_are_the_rows_built_afresh(groups: list[Group], keep: list[bool], elapsed: float):
    policy = StalenessPolicy(3600)
    before = refresh_rows(groups, policy, NOW)
    survivors = [g for g, k in zip(groups, keep, strict=False) if k]
    after = refresh_rows(survivors, policy, NOW + elapsed, before)
    afresh = in_key_order(build_rows(survivors, policy, NOW + elapsed))
    project = lambda rows: [(r.group, r.text, r.status, r.assessment.stale, r.assessment.label) for r in rows]  # noqa: E731
    assert sorted(project(after), key=repr) == sorted(project(afresh), key=repr)
    assert [r.order for r in after] == sorted(r.order for r in after)


def test_same_rows_means_the_very_objects_in_order():
    rows = build_rows(GROUPS, StalenessPolicy(3600), NOW)
    assert same_rows(rows, tuple(rows))
    assert not same_rows(rows, rows[::-1])
    assert not same_rows(rows, build_rows(GROUPS, StalenessPolicy(3600), NOW)), "equal is not the same"
    assert not same_rows(rows, rows[:-1])


@pytest.mark.parametrize(
    ("before", "after", "narrows"),
    [
        ("j", "jo", True),
        ("job", "xjobx", True),  # typed in front and behind
        ("job-0", "job-01", True),  # `-` means nothing outside a set
        ("a[", "a[b", True),  # both invalid regexes, matched literally
        ("jo", "j", False),  # deleting widens
        ("job", "job|x", False),  # an alternation can match more
        ("job", "job.", False),  # regex syntax: not plain text
        ("j.b", "j.bx", False),
        ("!j", "!jo", False),  # an inverted filter keeps more as it grows
        ("", "j", False),  # no filter before: nothing to narrow
        ("job", "jox", False),
    ],
)
def test_a_filter_narrows_the_last_one_only_when_it_must_keep_less(before: str, after: str, narrows: bool):
    assert RowFilter.parse(after).narrows(RowFilter.parse(before)) is narrows


filter_texts = st.text(alphabet="jobaBx=-.[]|!*\\ ", max_size=6)


@given(st.lists(st.text(alphabet="jobaBx=-.[]| ", max_size=8), max_size=12), filter_texts, filter_texts, filter_texts)
def test_narrowing_keeps_what_filtering_everything_keeps(jobs: list[str], before: str, front: str, behind: str):
    rows = build_rows([group(j or "j", 10) for j in jobs], StalenessPolicy(3600), NOW)
    old, new = RowFilter.parse(before), RowFilter.parse(front + before + behind)
    if new.narrows(old):
        assert new.apply(old.apply(rows)) == new.apply(rows)


@given(
    st.lists(st.text(alphabet="jobJOBaAx=- ßſ\u212a", min_size=1, max_size=8), max_size=12),
    st.text(alphabet="jobJOBaAx=- ßſ\u212aksS", min_size=1, max_size=4),
    st.booleans(),
)
def test_a_plain_filter_keeps_what_the_regex_ignoring_case_keeps(jobs: list[str], text: str, inverse: bool):
    # Plain ASCII text over ASCII keys is a substring search; anything else (ß, ſ, the Kelvin sign) the regex.
    rows = build_rows([group(j, 10) for j in jobs], StalenessPolicy(3600), NOW)
    typed = ("!" if inverse else "") + text
    expected = [r for r in rows if (re.search(re.escape(text), r.text, re.IGNORECASE) is not None) != inverse]
    assert RowFilter.parse(typed).apply(rows) == expected
