"""Unit tests: the groups view as data (sorting, the `/` filter, counts, cell text)."""

from __future__ import annotations

from datetime import UTC

import pytest

from pgwtui.models import Group
from pgwtui.staleness import StalenessPolicy
from pgwtui.views.groups import COLUMN_IDS, CellFormatter, Counts, RowFilter, build_rows, sort_rows

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
