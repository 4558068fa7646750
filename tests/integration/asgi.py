"""In-process clients for the gateway's ASGI app (httpx.ASGITransport, no sockets)."""

from __future__ import annotations

import httpx

from bridge.gateway.config import GatewayConfig
from bridge.gateway.runtime import build_app
from bridge.gateway.web.app import GatewayApp

OWN = (
    b"go_",
    b"process_",
    b"python_",
    b"pushgateway_",
    b"pgw_bridge_",
    b"# HELP process",
    b"# TYPE process",
    b"# HELP python",
    b"# TYPE python",
    b"# HELP pushgateway",
    b"# TYPE pushgateway",
    b"# HELP pgw_bridge",
    b"# TYPE pgw_bridge",
)


def make_app(**config: object) -> GatewayApp:
    return build_app(GatewayConfig(**config))  # type: ignore[arg-type]


def client(app: GatewayApp, **kwargs: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw", **kwargs)  # type: ignore[arg-type]


def stored_text(app: GatewayApp) -> bytes:
    """The /metrics text without the gateway's own metrics (they change with every request)."""
    return b"\n".join(line for line in app.gateway.metrics_text().split(b"\n") if not line.startswith(OWN))
