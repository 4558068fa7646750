"""Pilot flows: delete one family, by the extension (push time kept) or by a warned re-push (push time bumped)."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable

from pgwtui.screens.confirm import ConfirmScreen
from pgwtui.screens.group_detail import GroupDetailScreen
from tests.support.tui import loaded, screen_text, table, wait_for

DB1 = (("instance", "db-1"), ("job", "backup"))
CRON = (("instance", ""), ("job", "cron-cleanup"))


def group(gateway: Any, key: Any) -> Any:
    return gateway.gateway.store.groups[key]


async def open_detail(pilot: Any, key: Any, family: str) -> GroupDetailScreen:
    app = pilot.app
    await loaded(pilot)
    await wait_for(pilot, lambda: app.state.info is not None, "gateway info")
    assert table(app).move_to(key)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen), "detail")
    screen = app.screen
    assert isinstance(screen, GroupDetailScreen)
    families = screen.query_one("#families", DataTable)
    families.move_cursor(row=families.get_row_index(family))
    await pilot.pause()
    return screen


async def test_family_delete_through_the_extension_keeps_push_time(demo_app):
    app, gateway = demo_app(family_delete=True)
    pushed_before = group(gateway, DB1).timestamp_value("push_time_seconds")
    async with app.run_test(size=(140, 40)) as pilot:
        await open_detail(pilot, DB1, "backup_size_bytes")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirmation")
        text = screen_text(app)
        assert "Delete the family backup_size_bytes" in text
        path = "DELETE /api/v1/extensions/family/backup_size_bytes/job@base64/YmFja3Vw/instance@base64/ZGItMQ=="
        assert path in text, text
        assert not app.screen.has_class("-warning")
        await pilot.press("y")
        await wait_for(pilot, lambda: "backup_size_bytes" not in group(gateway, DB1).families, "family deleted")
        assert group(gateway, DB1).timestamp_value("push_time_seconds") == pushed_before
        await wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen), "back on the detail")
        await wait_for(pilot, lambda: "backup_size_bytes" not in screen_text(app), "detail re-read")
        assert "backup_duration_seconds" in screen_text(app)


async def test_family_delete_without_the_extension_warns_then_repushes(demo_app):
    app, gateway = demo_app(family_delete=False)
    pushed_before = group(gateway, DB1).timestamp_value("push_time_seconds")
    kept = {n: s.family for n, s in group(gateway, DB1).families.items() if n not in ("backup_size_bytes",)}
    async with app.run_test(size=(140, 40)) as pilot:
        await open_detail(pilot, DB1, "backup_size_bytes")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "warning")
        text = screen_text(app)
        assert app.screen.has_class("-warning")
        assert "cannot delete a single family" in text
        assert "sets push_time_seconds to NOW" in text
        assert "PUT /metrics/job@base64/YmFja3Vw/instance@base64/ZGItMQ==" in text
        await pilot.press("y")
        await wait_for(pilot, lambda: "backup_size_bytes" not in group(gateway, DB1).families, "re-pushed")
        after = group(gateway, DB1)
        assert after.timestamp_value("push_time_seconds") != pushed_before, "a re-push bumps push_time_seconds"
        for name in ("backup_duration_seconds", "backup_max_age_seconds", "backup_last_success_timestamp_seconds"):
            assert after.families[name].family.metrics == kept[name].metrics, f"{name} kept exactly"


async def test_refuses_gateway_timestamps_and_the_only_family(demo_app):
    app, gateway = demo_app(family_delete=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_detail(pilot, DB1, "push_time_seconds")
        await pilot.press("x")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await open_detail(pilot, CRON, "cleanup_files_removed")
        await pilot.press("x")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        messages = " ".join(n.message for n in app._notifications)
        assert "maintained by the gateway" in messages
        assert "only family" in messages
        assert "cleanup_files_removed" in group(gateway, CRON).families


async def test_delete_group_from_the_detail_goes_back(demo_app):
    app, gateway = demo_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await open_detail(pilot, CRON, "cleanup_files_removed")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirmation")
        await pilot.press("y")
        await wait_for(
            pilot, lambda: not isinstance(app.screen, (ConfirmScreen, GroupDetailScreen)), "back to the list"
        )
        assert CRON not in gateway.gateway.store.groups
