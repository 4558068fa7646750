"""Pilot flows: browse the groups, sort, filter, open a group's detail (in-process seeded gateway)."""

from __future__ import annotations

from typing import Any

from pgwtui.screens.group_detail import GroupDetailScreen
from pgwtui.screens.groups import GroupsScreen
from pgwtui.widgets.groups_table import GroupsTable
from tests.support.tui import loaded, screen_text, table, wait_for


def jobs(app: Any) -> list[str]:
    return [row.text for row in table(app).rows]


def last_pushes(app: Any) -> list[float]:
    pushes = []
    for row in table(app).rows:
        assert row.group.last_push is not None, "every demo group has pushed once"
        pushes.append(row.group.last_push)
    return pushes


async def test_browse_shows_every_group_with_its_status(demo_app):
    app, _ = demo_app()
    async with app.run_test(size=(140, 34)) as pilot:
        await loaded(pilot)
        text = screen_text(app)
        assert 'job=cron-cleanup instance=""' in text, "the empty instance value is shown, quoted"
        assert "job=deploy path=/srv/app" in text
        assert "failed, stale >1h" in text
        assert "stale >26h" in text
        status = {row.text: row.assessment.label for row in table(app).rows}
        assert status["job=etl stage=load"] == "failed"
        assert status["job=backup instance=db-2"] == "stale >26h", "pushed backup_max_age_seconds wins"
        assert status["job=nightly-report"] == "ok", "the nightly-.* rule allows 26h"
        assert status['job=cron-cleanup instance=""'] == "stale >1h", "the 1h default applies"
        assert "8 groups" in text and "ok 4" in text and "failed 2" in text and "stale 3" in text
        # Default order: worst first, then the longest silent.
        assert jobs(app)[:2] == ["job=ml-train instance=gpu-7", "job=etl stage=load"]


async def test_sort_by_each_column_and_reverse(demo_app):
    app, _ = demo_app()
    async with app.run_test(size=(140, 34)) as pilot:
        await loaded(pilot)
        await pilot.press("1")  # grouping key, ascending
        assert jobs(app) == sorted(jobs(app), key=str.casefold)
        await pilot.press("1")  # again: reversed
        assert jobs(app) == sorted(jobs(app), key=str.casefold, reverse=True)
        await pilot.press("4")  # last push: oldest first
        pushes = last_pushes(app)
        assert pushes == sorted(pushes)
        await pilot.press("S")  # reverse: newest first
        pushes = last_pushes(app)
        assert pushes == sorted(pushes, reverse=True)
        await pilot.press("3")  # series: most first
        series = [row.group.series_count for row in table(app).rows]
        assert series == sorted(series, reverse=True)
        assert "SERIES ▼" in screen_text(app)


async def test_click_on_a_header_sorts(demo_app):
    app, _ = demo_app()
    async with app.run_test(size=(140, 34)) as pilot:
        await loaded(pilot)
        await pilot.click(GroupsTable, offset=(4, 0))  # "GROUPING KEY"
        await pilot.pause()
        assert table(app).sort_column == "key"
        assert jobs(app) == sorted(jobs(app), key=str.casefold)


async def test_cursor_survives_a_resort(demo_app):
    app, _ = demo_app()
    async with app.run_test(size=(140, 34)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "j")
        chosen = table(app).current
        assert chosen is not None
        await pilot.press("1")
        assert table(app).current == chosen
        before = app.state.snapshot
        await pilot.press("r")
        # A re-read keeps the rows of unchanged groups (the very objects): wait for the new snapshot, drawn.
        await wait_for(pilot, lambda: app.state.snapshot is not before, "re-read")
        await pilot.pause()
        current = table(app).current
        assert current is not None and current.key == chosen.key


async def test_filter_text_regex_inverse_and_clear(demo_app):
    app, _ = demo_app()
    async with app.run_test(size=(140, 34)) as pilot:
        await loaded(pilot)
        await pilot.press("slash")
        await pilot.press(*"backup")
        assert sorted(jobs(app)) == ["job=backup instance=db-1", "job=backup instance=db-2"]
        assert "filter /backup/ shows 2" in screen_text(app)
        await pilot.press("enter")  # keep the filter, back to the table
        assert isinstance(app.focused, GroupsTable)
        await pilot.press("slash")
        field = app.screen.query_one("#filter")
        field.value = r"instance=db-[2]"
        await pilot.pause()
        assert jobs(app) == ["job=backup instance=db-2"]
        field.value = "!job=backup"
        await pilot.pause()
        assert len(jobs(app)) == 6 and not any("backup" in j for j in jobs(app))
        field.value = "(unclosed"  # not a regex: matched literally, no error
        await pilot.pause()
        assert jobs(app) == []
        assert "No group matches /(unclosed/" in screen_text(app)
        await pilot.press("escape")
        assert len(jobs(app)) == 8
        assert isinstance(app.focused, GroupsTable)


async def test_detail_shows_families_series_histogram_and_summary(demo_app):
    app, _ = demo_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("1")
        assert table(app).move_to((("instance", "canary-1"), ("job", "api-canary"), ("zone", "eu-west-1")))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen), "detail screen")
        text = screen_text(app)
        assert "job=api-canary instance=canary-1 zone=eu-west-1" in text
        assert "canary_request_duration_seconds" in text and "histogram" in text
        assert "canary_payload_bytes" in text and "summary" in text
        assert "Delete path   /metrics/job@base64/" in text
        # Families by name: the summary first, unfolded into count, sum and quantiles.
        assert "count 100   sum 195000" in text
        assert "quantile=0.99" in text and "4096" in text
        await pilot.press("j")  # next family: the histogram, with every bucket
        text = screen_text(app)
        assert "count 100   sum 6.42" in text
        assert "le=0.05" in text and "le=+Inf" in text
        await pilot.press("escape")
        assert isinstance(app.screen, GroupsScreen)


async def test_detail_explains_a_failed_and_stale_group(demo_app):
    app, _ = demo_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("g", "enter")  # worst first: ml-train
        await wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen), "detail screen")
        text = screen_text(app)
        assert "FAILED, STALE >1H" in text
        assert "push_failure_time_seconds > push_time_seconds" in text
        assert "Max age       1h (default)" in text
