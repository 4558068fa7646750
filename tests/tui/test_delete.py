"""Pilot flows: delete one group, mark several and delete, mark all stale, read-only refuses (in-process)."""

from __future__ import annotations

from typing import Any

from pgwtui.screens.confirm import ConfirmScreen
from pgwtui.screens.groups import GroupsScreen
from tests.support.tui import loaded, screen_text, table, wait_for

CRON = (("instance", ""), ("job", "cron-cleanup"))
DEPLOY = (("job", "deploy"), ("path", "/srv/app"))
ETL = (("job", "etl"), ("stage", "load"))


def stored(gateway: Any) -> set[tuple[tuple[str, str], ...]]:
    return set(gateway.gateway.store.groups)


async def test_delete_one_group_after_confirming_its_exact_key(demo_app):
    app, gateway = demo_app()
    async with app.run_test(size=(140, 34)) as pilot:
        await loaded(pilot)
        assert table(app).move_to(CRON)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirmation")
        text = screen_text(app)
        assert 'job      = "cron-cleanup"' in text
        assert 'instance = ""' in text, "the empty value is spelled out"
        assert "DELETE /metrics/job@base64/Y3Jvbi1jbGVhbnVw/instance@base64/=" in text
        assert CRON in stored(gateway), "nothing is deleted before the answer"
        await pilot.press("y")
        await wait_for(pilot, lambda: all(r.key != CRON for r in table(app).rows), "row gone")
        assert CRON not in stored(gateway)
        assert len(stored(gateway)) == 7
        assert isinstance(app.screen, GroupsScreen)


async def test_delete_a_group_whose_label_holds_slashes(demo_app):
    app, gateway = demo_app()
    async with app.run_test(size=(140, 34)) as pilot:
        await loaded(pilot)
        assert table(app).move_to(DEPLOY)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirmation")
        assert "/path@base64/L3Nydi9hcHA=" in screen_text(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: DEPLOY not in stored(gateway), "group deleted")


async def test_cancel_keeps_the_group(demo_app):
    app, gateway = demo_app()
    async with app.run_test(size=(140, 34)) as pilot:
        await loaded(pilot)
        assert table(app).move_to(ETL)
        for cancel in ("n", "escape"):
            await pilot.press("d")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirmation")
            await pilot.press(cancel)
            await wait_for(pilot, lambda: isinstance(app.screen, GroupsScreen), "back")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirmation")
        await pilot.press("enter")  # the focus starts on Cancel: a stray enter deletes nothing
        await wait_for(pilot, lambda: isinstance(app.screen, GroupsScreen), "back")
        assert ETL in stored(gateway) and len(stored(gateway)) == 8


async def test_mark_several_then_delete_all_marked(demo_app):
    app, gateway = demo_app()
    async with app.run_test(size=(140, 34)) as pilot:
        await loaded(pilot)
        await pilot.press("1")  # by key: api-canary, backup db-1, backup db-2, ...
        await pilot.press("g", "space", "space")  # space marks and moves down
        marked = table(app).marks
        assert len(marked) == 2
        assert "2 marked" in screen_text(app)
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirmation")
        text = screen_text(app)
        assert "Delete these 2 marked groups" in text
        assert 'job="api-canary" instance="canary-1" zone="eu-west-1"' in text
        assert 'job="backup" instance="db-1"' in text
        await pilot.press("y")
        await wait_for(pilot, lambda: not (marked & stored(gateway)), "marked groups deleted")
        await wait_for(pilot, lambda: table(app).row_count == 6 and not table(app).marks, "view re-read, marks pruned")


async def test_mark_all_stale_marks_exactly_the_stale_groups_shown(demo_app):
    app, _ = demo_app()
    async with app.run_test(size=(140, 34)) as pilot:
        await loaded(pilot)
        stale = {row.key for row in table(app).rows if row.assessment.stale}
        assert len(stale) == 3
        await pilot.press("m")
        assert table(app).marks == stale
        await pilot.press("u")
        assert not table(app).marks
        await pilot.press("slash", *"backup", "enter", "m")  # scoped by the filter
        assert table(app).marks == {(("instance", "db-2"), ("job", "backup"))}
        await pilot.press("escape")
        assert "1 marked" in screen_text(app)


async def test_marks_survive_a_refresh(demo_app):
    app, _ = demo_app()
    async with app.run_test(size=(140, 34)) as pilot:
        await loaded(pilot)
        await pilot.press("space")
        marks = table(app).marks
        before = app.state.snapshot
        await pilot.press("r")
        await wait_for(pilot, lambda: app.state.snapshot is not before, "re-read")
        assert table(app).marks == marks


async def test_read_only_refuses_every_deletion(demo_app):
    app, gateway = demo_app(read_only=True)
    async with app.run_test(size=(140, 34)) as pilot:
        await loaded(pilot)
        await pilot.press("d")
        await pilot.press("space", "D")
        await pilot.press("g", "enter", "d", "x")
        await pilot.pause()
        assert not any(isinstance(s, ConfirmScreen) for s in app.screen_stack)
        assert len(stored(gateway)) == 8
        messages = [n.message for n in app._notifications]
        assert any("Read-only mode" in m for m in messages)
        assert "READ-ONLY" in screen_text(app) or "[read-only]" in app.sub_title
