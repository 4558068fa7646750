"""Pilot flows: a refresh decodes only what changed and keeps the rest, and the view still shows the gateway as it is."""

from __future__ import annotations

from typing import Any

from textual.widget import Widget

from bridge.protocol.textparse import parse_text
from pgwtui.models import Group
from pgwtui.staleness import StalenessPolicy
from pgwtui.views.groups import build_rows, sort_rows
from pgwtui.widgets.groups_table import KeyWidths
from tests.support.tui import loaded, screen_text, table, wait_for
from tests.tui.conftest import NOW, SIZE

CRON = (("instance", ""), ("job", "cron-cleanup"))
DB1 = (("instance", "db-1"), ("job", "backup"))
DEPLOY = (("job", "deploy"), ("path", "/srv/app"))
FRESH = (("job", "fresh-one"),)


def line_of(app: Any, text: str) -> str:
    return next(line for line in screen_text(app).splitlines() if line.strip().startswith(text))


async def refresh(pilot: Any) -> None:
    app = pilot.app
    before = app.state.snapshot
    await pilot.press("r")
    await wait_for(pilot, lambda: app.state.snapshot is not before, "re-read")


async def test_a_refresh_shows_changed_removed_and_added_groups_and_keeps_cursor_and_marks(demo_app):
    app, gateway = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert table(app).move_to(DB1)
        await pilot.press("space")  # marks backup/db-1, moves down
        assert table(app).move_to(CRON)
        await pilot.press("space")
        assert table(app).move_to(DEPLOY)
        rows = {row.key: row for row in table(app).rows}
        families = rows[DEPLOY].group.family_count
        untouched = rows[DB1]

        store = gateway.gateway.store
        extra = parse_text(b"# TYPE deploy_extra gauge\ndeploy_extra 1\n")
        store.push(dict(DEPLOY), extra, replace=False, now_ns=int((NOW - 2) * 1e9))
        store.delete(dict(CRON))
        store.push(dict(FRESH), parse_text(b"# TYPE x gauge\nx 1\n"), replace=True, now_ns=int((NOW - 1) * 1e9))
        await refresh(pilot)

        rows = {row.key: row for row in table(app).rows}
        assert rows[DEPLOY].group.family_count == families + 1
        assert f"{families + 1}" in line_of(app, "job=deploy path=/srv/app").split()
        assert CRON not in rows and "cron-cleanup" not in screen_text(app)
        assert FRESH in rows and "1s 20:26:39" in line_of(app, "job=fresh-one")
        assert rows[DB1] is untouched, "an unchanged group keeps its row"
        current = table(app).current
        assert current is not None and current.key == DEPLOY
        assert table(app).marks == {DB1}, "the deleted group's mark is gone, the other one stays"
        assert "1 marked" in screen_text(app)


async def test_a_refresh_reassesses_a_group_that_turned_stale_without_changing(demo_app):
    now = [NOW]
    app, _ = demo_app(clock=lambda: now[0])
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert line_of(app, "job=deploy path=/srv/app").split()[-1] == "ok"
        now[0] = NOW + 2 * 86400
        await refresh(pilot)
        row = next(r for r in table(app).rows if r.key == DEPLOY)
        assert row.assessment.stale and row.assessed_at == now[0]
        assert "stale >" in line_of(app, "job=deploy path=/srv/app")


def test_the_key_column_is_as_wide_as_the_widest_key_in_terminal_cells():
    def rows(*jobs: str) -> list[Any]:
        groups = [Group(((("job", j),)), NOW, None, True, 1, 1, None) for j in jobs]
        return build_rows(groups, StalenessPolicy(3600), NOW)

    widths = KeyWidths()
    assert widths.widest(rows("abc", "abcdef")) == len("job=abcdef")
    assert widths.widest(rows("abc", "日本語")) == len("job=") + 6, "wide characters take two cells"
    assert widths.widest(rows("a\u0301")) == len("job=a"), "a combining accent takes none"
    assert widths.widest(rows("abc")) == len("job=abc"), "measured anew for the rows given, not the widest ever"
    assert widths.widest([]) == 0


async def test_a_read_comes_sorted_the_way_the_screen_sorts_and_is_shown_in_that_order(demo_app):
    app, gateway = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("4")  # last push
        await wait_for(pilot, lambda: app.sort_order == (table(app).sort_column, table(app).sort_descending), "told")
        assert app.sort_order[0] == "last_push"
        store = gateway.gateway.store
        store.push(dict(FRESH), parse_text(b"# TYPE x gauge\nx 1\n"), replace=True, now_ns=int((NOW - 1) * 1e9))
        await refresh(pilot)
        presorted = app.state.sorted_rows
        assert presorted is not None and (presorted.column_id, presorted.descending) == app.sort_order
        assert [r.key for r in table(app).rows] == [r.key for r in presorted.rows]
        assert list(presorted.rows) == sort_rows(app.state.rows, *app.sort_order)
        assert FRESH in {r.key for r in presorted.rows}
        await pilot.press("S")  # reversed: the screen sorts this one itself, and says so for the next reads
        assert table(app).sort_descending
        pushes = [r.pushed for r in table(app).rows]
        assert pushes == sorted(pushes, reverse=True)
        await wait_for(pilot, lambda: app.sort_order == (table(app).sort_column, table(app).sort_descending), "told")
        await refresh(pilot)
        presorted = app.state.sorted_rows
        assert presorted is not None and (presorted.column_id, presorted.descending) == app.sort_order
        assert [r.key for r in table(app).rows] == [r.key for r in presorted.rows]


async def test_a_refresh_that_moves_counts_repaints_without_laying_the_screen_out(demo_app, monkeypatch):
    app, gateway = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        laid_out: list[str] = []
        original = Widget.refresh

        def refresh(widget: Widget, *regions: Any, **kwargs: Any) -> Widget:
            if kwargs.get("layout"):
                laid_out.append(f"{type(widget).__name__}#{widget.id}")
            return original(widget, *regions, **kwargs)

        monkeypatch.setattr(Widget, "refresh", refresh)
        before = line_of(app, "8 groups")
        # A stale group re-pushed now: the ok and stale counts change, neither changes width.
        store = gateway.gateway.store
        store.push(dict(CRON), parse_text(b"# TYPE x gauge\nx 1\n"), replace=True, now_ns=int((NOW - 1) * 1e9))
        await refresh_and_draw(pilot)
        after = line_of(app, "8 groups")
        assert after != before, "the counts moved"
        assert laid_out == [], "nothing but repaints"


async def refresh_and_draw(pilot: Any) -> None:
    await refresh(pilot)
    await pilot.pause()
