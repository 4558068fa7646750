"""Fixtures for pgwtui Pilot and snapshot tests: a fixed clock, the seeded demo gateway in-process."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

import httpx
import pytest

from bridge.gateway.web.app import GatewayApp
from pgwtui.app import PgwApp, create_app
from pgwtui.config import Settings
from pgwtui.connection import Connection
from pgwtui.demo import DEMO_POLICY, build_demo_gateway
from pgwtui.staleness import StalenessPolicy
from tests.support.family_ext import without_extensions

NOW = 1_780_000_000.0
"""2026-05-28 20:26:40 UTC: every Pilot and snapshot test runs at this instant."""
SIZE = (140, 34)
DEMO_URL = "http://127.0.0.1:9091"
PROMETHEUS_URL = "http://prometheus:9090"


def fixed_clock() -> float:
    return NOW


def make_app(
    url: str = DEMO_URL,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    read_only: bool = False,
    refresh: float = 0.0,
    policy: StalenessPolicy = DEMO_POLICY,
    username: str | None = None,
    password: str | None = None,
    clock: Callable[[], float] = fixed_clock,
    prometheus: httpx.AsyncBaseTransport | None = None,
) -> PgwApp:
    """The real app through the real factory, with a fixed clock and UTC (and a Prometheus if given)."""
    settings = Settings(
        Connection(url, username=username, password=password),
        read_only=read_only,
        refresh_interval=refresh,
        policy=policy,
        prometheus=Connection(PROMETHEUS_URL) if prometheus is not None else None,
    )
    return create_app(settings, transport=transport, clock=clock, tz=UTC, prometheus_transport=prometheus)


def demo_gateway(*, family_delete: bool = False) -> GatewayApp:
    """The demo gateway seeded at NOW (8 groups: 4 ok, 2 failed, 3 stale; one both)."""
    app = build_demo_gateway(NOW)
    return app if family_delete else without_extensions(app)


@pytest.fixture
def demo_app() -> Callable[..., tuple[PgwApp, GatewayApp]]:
    """Factory: (app, in-process seeded gateway), talking over httpx.ASGITransport."""

    def build(*, family_delete: bool = False, **kwargs: object) -> tuple[PgwApp, GatewayApp]:
        gateway = demo_gateway(family_delete=family_delete)
        app = make_app(transport=httpx.ASGITransport(app=gateway), **kwargs)  # type: ignore[arg-type]
        return app, gateway

    return build
