"""Pilot flows over real sockets against the real Go Pushgateway (1.11.0 and 1.5.1) and ours: browse, delete, family delete."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import bcrypt
import httpx
import pytest
from textual.widgets import DataTable

from bridge.protocol.grouping import GroupKey
from bridge.protocol.methods import Method
from bridge.push.outcome import Verdict
from bridge.push.pusher import HttpPusher, PushRequest
from bridge.push.settings import HttpSettings
from pgwtui.screens.confirm import ConfirmScreen
from pgwtui.screens.group_detail import GroupDetailScreen
from tests.support.servers import GO_1_5, GO_1_11
from tests.support.tui import screen_text, table, wait_for
from tests.tui.conftest import make_app


@pytest.fixture(params=[GO_1_11, GO_1_5, "ours"], ids=["go-1.11.0", "go-1.5.1", "ours"])
def gateway_url(request: pytest.FixtureRequest) -> str:
    """The URL of a fresh gateway: a real Go binary (oracle) or ours in a thread."""
    if request.param != "ours":
        request.applymarker(pytest.mark.oracle)
        return str(request.getfixturevalue("go_gateway")(["--web.enable-admin-api"], version=request.param).url)
    return str(request.getfixturevalue("our_gateway")().url)


BACKUP: GroupKey = (("instance", "db-1"), ("job", "backup"))
CRON: GroupKey = (("instance", ""), ("job", "cron"))
DEPLOY: GroupKey = (("job", "deploy"), ("path", "/srv/app"))
TEAM: GroupKey = (("job", "team/nightly"), ("site", "zürich"))
ETL: GroupKey = (("job", "etl"),)


def b64(value: str) -> str:
    import base64

    return base64.urlsafe_b64encode(value.encode()).decode() if value else "="


def push(url: str, key: GroupKey, body: bytes, method: str = "PUT", auth: Any = None) -> int:
    path = "".join(f"/{name}@base64/{b64(value)}" for name, value in key if name != "job")
    job = dict(key)["job"]
    response = httpx.request(method, f"{url}/metrics/job@base64/{b64(job)}{path}", content=body, auth=auth)
    return response.status_code


def groups_on(url: str, auth: Any = None) -> set[GroupKey]:
    data = httpx.get(f"{url}/api/v1/metrics", auth=auth).json()["data"]
    return {tuple(sorted(entry["labels"].items())) for entry in data}


async def fail_a_push(url: str, key: GroupKey, body: bytes, auth: tuple[str, str] | None) -> None:
    """A push the gateway refuses, through pgw-bridge's pusher: 1.5.1 and ours answer 400, 1.11.0 closes the connection."""
    user, password = auth or (None, None)
    pusher = HttpPusher(HttpSettings(url=url, username=user, password=password))
    try:
        result = await pusher.push(PushRequest(key, Method.POST, body))
    finally:
        await pusher.aclose()
    assert result.verdict is Verdict.REJECTED, result


async def seed(url: str, auth: tuple[str, str] | None = None) -> None:
    backup = (
        b'# HELP backup_size_bytes Size.\n# TYPE backup_size_bytes gauge\nbackup_size_bytes{kind="full"} 8.2e+09\n'
        b'# TYPE backup_duration_seconds histogram\nbackup_duration_seconds_bucket{le="60"} 3\n'
        b'backup_duration_seconds_bucket{le="+Inf"} 4\nbackup_duration_seconds_sum 190\n'
        b"backup_duration_seconds_count 4\n"
    )
    assert push(url, BACKUP, backup, auth=auth) == 200
    assert push(url, CRON, b"cleanup_files_removed 3\n", auth=auth) == 200
    assert push(url, DEPLOY, b"deploy_ok 1\n", auth=auth) == 200
    assert push(url, TEAM, b"team_rows 12\n", auth=auth) == 200
    assert push(url, ETL, b"etl_rows 5\n", auth=auth) == 200
    await fail_a_push(url, ETL, b"etl_rows 6 1000\n", auth)  # timestamps: a failed push
    assert groups_on(url, auth) == {BACKUP, CRON, DEPLOY, TEAM, ETL}


async def test_browse_and_delete(gateway_url: str):
    url = gateway_url
    await seed(url)
    app = make_app(url, clock=time.time)
    async with app.run_test(size=(140, 34)) as pilot:
        await wait_for(pilot, lambda: table(app).row_count == 5, "5 groups from Go")
        keys = {row.key for row in table(app).rows}
        assert keys == groups_on(url), "grouping keys come from /api/v1/metrics labels, exactly"
        status = {row.key: row.assessment.label for row in table(app).rows}
        assert status[ETL] == "failed"
        assert status[BACKUP] == "ok"
        await wait_for(pilot, lambda: app.state.info is not None, "gateway info")
        assert app.state.info is not None
        if "127.0.0.1" in url and app.state.info.version == "1.5.1":
            assert "Pushgateway 1.5.1" in screen_text(app)

        # Delete the group whose instance is empty (the case several cleaners get wrong).
        assert table(app).move_to(CRON)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirmation")
        assert "/instance@base64/=" in screen_text(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: CRON not in {r.key for r in table(app).rows}, "gone from the view")
        assert groups_on(url) == {BACKUP, DEPLOY, TEAM, ETL}

        # Mark two (a `/` in a value, a `/` in the job and a non-ASCII value) and delete both.
        await pilot.press("1")
        assert table(app).move_to(DEPLOY)
        await pilot.press("space")
        assert table(app).move_to(TEAM)
        await pilot.press("space", "D")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: table(app).row_count == 2, "both gone from the view")
        assert groups_on(url) == {BACKUP, ETL}


async def test_family_delete(gateway_url: str):
    """With the extension: no warning, push time kept. Without (Go): a warning, then a re-push."""
    url = gateway_url
    await seed(url)
    backup_before = next(e for e in httpx.get(f"{url}/api/v1/metrics").json()["data"] if e["labels"] == dict(BACKUP))
    app = make_app(url, clock=time.time)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: table(app).row_count == 5 and app.state.info is not None, "groups and info")
        assert app.state.info is not None
        extension = app.state.info.extensions.family_delete
        assert table(app).move_to(BACKUP)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen), "detail")
        families = app.screen.query_one("#families", DataTable)
        families.move_cursor(row=families.get_row_index("backup_size_bytes"))
        await pilot.pause()
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirmation")
        assert app.screen.has_class("-warning") is not extension
        if not extension:
            assert "sets push_time_seconds to NOW" in screen_text(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen), "back on the detail")
        await wait_for(pilot, lambda: "backup_size_bytes" not in screen_text(app), "family gone")
    backup_after = next(e for e in httpx.get(f"{url}/api/v1/metrics").json()["data"] if e["labels"] == dict(BACKUP))
    assert "backup_size_bytes" not in backup_after
    assert backup_after["backup_duration_seconds"]["metrics"] == backup_before["backup_duration_seconds"]["metrics"]
    pushed_before = float(backup_before["push_time_seconds"]["metrics"][0]["value"])
    pushed_after = float(backup_after["push_time_seconds"]["metrics"][0]["value"])
    if extension:
        assert pushed_after == pushed_before, "the extension leaves push_time_seconds alone"
    else:
        assert pushed_after > pushed_before, "the warned-about bump"


@pytest.mark.oracle
async def test_basic_auth_against_go(go_gateway, tmp_path: Path):
    hashed = bcrypt.hashpw(b"s3cret", bcrypt.gensalt(rounds=4)).decode()
    web_config = tmp_path / "web.yml"
    web_config.write_text(f"basic_auth_users:\n  ops: {hashed}\n")
    go = go_gateway([f"--web.config.file={web_config}"])
    await seed(go.url, auth=("ops", "s3cret"))
    app = make_app(go.url, clock=time.time)
    async with app.run_test(size=(140, 34)) as pilot:
        await wait_for(pilot, lambda: app.state.error is not None, "401 banner")
        assert "unauthorised (401)" in screen_text(app)
    app = make_app(go.url, username="ops", password="s3cret", clock=time.time)
    async with app.run_test(size=(140, 34)) as pilot:
        await wait_for(pilot, lambda: table(app).row_count == 5, "groups with credentials")


async def test_the_real_family_delete_extension_on_ours(our_gateway):
    """The TUI discovers the real extension on our gateway and deletes one family through it."""
    server = our_gateway()
    await seed(server.url)
    app = make_app(server.url, clock=time.time)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: table(app).row_count == 5 and app.state.info is not None, "groups and info")
        assert app.state.info is not None and app.state.info.extensions.family_delete
        await app.client.delete_family(BACKUP, "backup_size_bytes")
    data = httpx.get(f"{server.url}/api/v1/metrics").json()["data"]
    assert "backup_size_bytes" not in next(e for e in data if e["labels"] == dict(BACKUP))
