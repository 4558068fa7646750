"""Pilot flows: help lists every binding, the command palette runs our actions, vim keys, esc and q."""

from __future__ import annotations

from textual.binding import Binding

from pgwtui.screens.confirm import ConfirmScreen
from pgwtui.screens.group_detail import GroupDetailScreen
from pgwtui.screens.groups import GroupsScreen
from pgwtui.screens.help import HelpScreen, key_display
from pgwtui.widgets.groups_table import GroupsTable
from pgwtui.widgets.tables import VimDataTable
from tests.support.tui import loaded, screen_text, table, wait_for


async def test_help_lists_every_binding(demo_app):
    app, _ = demo_app()
    async with app.run_test(size=(140, 200)) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        text = app.screen.text
        everything = [
            *app.BINDINGS,
            *GroupsScreen.BINDINGS,
            *GroupsTable.BINDINGS,
            *GroupDetailScreen.BINDINGS,
            *VimDataTable.BINDINGS,
            *ConfirmScreen.BINDINGS,
        ]
        for binding in everything:
            assert isinstance(binding, Binding)
            assert f"{key_display(binding.key):<14} {binding.description}" in text, binding
        assert "job=~nightly-.* → 26h" in text, "the active staleness rules are explained"
        await pilot.press("escape")
        assert isinstance(app.screen, GroupsScreen)


async def test_command_palette_runs_our_actions(demo_app):
    app, _ = demo_app()
    async with app.run_test(size=(140, 34)) as pilot:
        await loaded(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"mark all stale")
        await wait_for(pilot, lambda: "Mark all stale" in screen_text(app), "the command is offered")
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(table(app).marks) == 3, "stale groups marked")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"sort by grouping key")
        await wait_for(pilot, lambda: "Sort by grouping key" in screen_text(app), "the command is offered")
        await pilot.press("enter")
        await wait_for(pilot, lambda: table(app).sort_column == "key", "sorted by key")


async def test_the_palette_names_each_sort_as_its_key_binding_does(demo_app):
    app, _ = demo_app()
    async with app.run_test(size=(140, 34)) as pilot:
        await loaded(pilot)
        offered = {command.title for command in app.get_system_commands(app.screen)}
        sorts = [b for b in GroupsScreen.BINDINGS if isinstance(b, Binding) and b.action.startswith("sort(")]
        shown = {b.description for b in sorts if "alerts" not in b.action}  # no Prometheus: no alerts column
        assert len(shown) == 6 and "Sort by families" in shown
        assert shown <= offered, shown - offered
        assert "Sort by alerts" not in offered


async def test_vim_keys_open_and_back(demo_app):
    app, _ = demo_app()
    async with app.run_test(size=(140, 34)) as pilot:
        await loaded(pilot)
        await pilot.press("G")
        assert table(app).cursor_row == 7
        await pilot.press("k", "k")
        assert table(app).cursor_row == 5
        await pilot.press("g")
        assert table(app).cursor_row == 0
        await pilot.press("ctrl+d")
        assert table(app).cursor_row > 0
        await pilot.press("g", "l")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen), "detail by l")
        families = app.screen.query_one("#families")
        await pilot.press("j")
        assert families.cursor_row == 1
        await pilot.press("G")
        assert families.cursor_row == families.row_count - 1
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupsScreen), "back by h")


async def test_q_quits(demo_app):
    app, _ = demo_app()
    async with app.run_test(size=(140, 34)) as pilot:
        await loaded(pilot)
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, "quit")


async def test_typing_q_in_the_filter_does_not_quit(demo_app):
    app, _ = demo_app()
    async with app.run_test(size=(140, 34)) as pilot:
        await loaded(pilot)
        await pilot.press("slash", "q", "question_mark")
        assert app.is_running
        assert app.screen.query_one("#filter").value == "q?"
