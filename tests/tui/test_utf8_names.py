"""Pilot: a gateway with `--push.enable-utf8-names`: UTF-8 names shown quoted, and the exact group deleted."""

from __future__ import annotations

from typing import Any

import httpx

from bridge.gateway.config import GatewayConfig
from bridge.gateway.runtime import build_app
from bridge.gateway.web.app import GatewayApp
from bridge.protocol.grouping import group_key
from bridge.protocol.textparse import parse_text
from pgwtui.screens.confirm import ConfirmScreen
from pgwtui.screens.group_detail import GroupDetailScreen
from tests.support.family_ext import without_extensions
from tests.support.tui import loaded, screen_text, table, wait_for
from tests.tui.conftest import NOW, make_app

CAFE = {"job": "backup", "café.name": "db"}
LOOKS_ENCODED = {"job": "backup", "U__x": "1"}  # a legacy name a UTF-8 gateway would decode if sent as is
DECODED_TWIN = {"job": "backup", "x": "1"}  # what `U__x` decodes to: must survive the delete above


def utf8_gateway() -> GatewayApp:
    app = build_app(GatewayConfig(enable_utf8_names=True))
    body = b'# HELP "my.metric" Dotted.\n{"my.metric","dotted.label"="x"} 1\nplain 2\n'
    for grouping in (CAFE, LOOKS_ENCODED, DECODED_TWIN):
        verdict = app.gateway.seed(grouping, parse_text(body, utf8=True), replace=True, now_ns=int(NOW * 1e9))
        assert verdict.accepted
    return without_extensions(app)


def stored(gateway: Any) -> set[tuple[tuple[str, str], ...]]:
    return set(gateway.gateway.store.groups)


async def test_utf8_names_are_shown_quoted_and_the_exact_group_is_deleted() -> None:
    gateway = utf8_gateway()
    app = make_app(transport=httpx.ASGITransport(app=gateway))
    async with app.run_test(size=(140, 34)) as pilot:
        await loaded(pilot)
        assert '"café.name"=db' in screen_text(app)
        assert table(app).move_to(group_key(CAFE))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen), "detail")
        await wait_for(pilot, lambda: '"my.metric"' in screen_text(app), "family list")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, GroupDetailScreen), "back")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirmation")
        text = screen_text(app)
        assert '"café.name" = "db"' in text
        assert "/U__caf_e9__2e_name@base64/ZGI=" in text, "a UTF-8 name goes U__-encoded"
        await pilot.press("y")
        await wait_for(pilot, lambda: group_key(CAFE) not in stored(gateway), "deleted")
        assert table(app).move_to(group_key(LOOKS_ENCODED))
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirmation")
        assert "/U__U____x@base64/MQ==" in screen_text(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: group_key(LOOKS_ENCODED) not in stored(gateway), "deleted")
        assert stored(gateway) == {group_key(DECODED_TWIN)}, "the group U__x decodes to is still there"
