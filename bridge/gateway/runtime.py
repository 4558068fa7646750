"""Composes a runnable gateway from its config: journal, app, middleware, server."""

from __future__ import annotations

import logging

from bridge import __version__
from bridge.gateway.app import GatewayApp
from bridge.gateway.config import GatewayConfig
from bridge.gateway.core import Gateway
from bridge.gateway.server import serve

log = logging.getLogger("bridge.gateway")


def build_app(config: GatewayConfig) -> GatewayApp:
    """The gateway and its ASGI app, ready to serve."""
    gateway = Gateway(config)
    return GatewayApp(gateway)


async def run_gateway(config: GatewayConfig) -> None:
    """Serve the gateway until told to stop."""
    log.info("starting pushgateway", extra={"kv": {"version": __version__}})
    app = build_app(config)
    await serve(app)
