"""`watch --metrics-listen`: the bridge's own metrics (and process metrics) on `/metrics`, served by uvicorn."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import MutableMapping
from typing import Any

import uvicorn
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from bridge.addresses import split_host_port
from bridge.errors import ConfigError
from bridge.protocol.formats import TEXT_CONTENT_TYPE
from bridge.protocol.textrender import render_family
from bridge.serving import CallerSignalsServer
from bridge.spool.metrics import BridgeMetrics

log = logging.getLogger("bridge.spool")
Scope = MutableMapping[str, Any]
CONTENT_TYPE = TEXT_CONTENT_TYPE.encode("ascii")


class MetricsApp:
    """ASGI: `GET /metrics` renders the bridge's families; `/-/healthy` answers OK; anything else 404."""

    def __init__(self, metrics: BridgeMetrics) -> None:
        self.metrics = metrics
        self.registry = CollectorRegistry(auto_describe=False)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)

    def body(self) -> bytes:
        """Render the exposition: the bridge's families, then the process collectors'."""
        own = b"".join(render_family(f) for f in self.metrics.families())
        return own + generate_latest(self.registry)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path = scope.get("path", "")
        if path == "/metrics":
            status, body, content_type = 200, self.body(), CONTENT_TYPE
        elif path in ("/-/healthy", "/-/ready"):
            status, body, content_type = 200, b"OK\n", b"text/plain; charset=utf-8"
        else:
            status, body, content_type = 404, b"404 page not found\n", b"text/plain; charset=utf-8"
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", content_type)]})
        await send({"type": "http.response.body", "body": body if scope.get("method") != "HEAD" else b""})


def bind(address: str) -> socket.socket:
    """Open the listening socket for `--metrics-listen` (`:9092`, `host:port`, `[v6]:port`).

    Raises:
        ConfigError: a malformed address, or one that cannot be bound.

    """
    host, port = split_host_port(address, flag="--metrics-listen")
    try:
        return socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {address!r} for metrics: {exc}") from None


async def serve_metrics(sock: socket.socket, metrics: BridgeMetrics, stop: asyncio.Event) -> None:
    """Serve `/metrics` on a bound socket until `stop` is set."""
    config = uvicorn.Config(MetricsApp(metrics), lifespan="off", access_log=False, log_config=None, ws="none")
    server = CallerSignalsServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await stop.wait()
    finally:
        server.should_exit = True
        await task
        sock.close()
