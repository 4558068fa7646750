"""PgwtuiServer: textual-serve's aiohttp server, behind basic auth when users are configured, on the address given.

Every request (the page, its scripts, the WebSocket that carries the terminal) needs the
credentials when the web config has users; the browser sends them again for the WebSocket once
the page was allowed. The page's own URLs follow the address the browser used (textual-serve
would otherwise write `http://0.0.0.0:8000/ws` into it when listening on all addresses).
"""

from __future__ import annotations

import logging
import ssl
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server

from pgwtui.web.auth import Credentials, WebConfig

log = logging.getLogger("pgwtui.web")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class PgwtuiServer(Server):
    """Serves `command` (one process per browser tab) on host:port, with the web config's users, headers and TLS."""

    def __init__(self, command: str, host: str, port: int, config: WebConfig, *, title: str = "pgwtui") -> None:
        super().__init__(command, host=host, port=port, title=title)
        self.config = config
        self.credentials = Credentials(dict(config.users)) if config.users else None
        self.ssl_context: ssl.SSLContext | None = config.tls.context() if config.tls is not None else None

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """401 without valid credentials (when users are configured); the configured headers on every answer."""
        if self.credentials is not None and not await self.credentials.allows(request.headers.get("Authorization", "")):
            log.info("refused %s %s from %s: no valid credentials", request.method, request.path, request.remote)
            response: web.StreamResponse = web.Response(
                status=401,
                text="Unauthorized: pgwtui web needs a user of its --web.config.file\n",
                headers={"WWW-Authenticate": 'Basic realm="pgwtui", charset="UTF-8"'},
            )
        else:
            response = await handler(request)
        if not response.prepared:
            for name, value in self.config.headers:
                response.headers[name] = value
        return response

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        """The page, its URLs pointing where the browser came from."""
        base = f"{request.scheme}://{request.host}"
        socket = ("wss" if request.scheme == "https" else "ws") + base.removeprefix(request.scheme)
        return {
            "font_size": _int(request.query.get("fontsize", ""), 16),
            "app_websocket_url": f"{socket}/ws",
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }

    async def on_startup(self, app: web.Application) -> None:
        """Say where we serve (textual-serve would print its logo)."""
        scheme = "https" if self.ssl_context is not None else "http"
        auth = f"{len(self.config.users)} user(s)" if self.credentials is not None else "no authentication (loopback)"
        print(f"pgwtui web: serving on {scheme}://{_hostport(self.host, self.port)}/ ({auth})", file=sys.stderr)
        print(f"pgwtui web: each browser tab runs: {self.command}", file=sys.stderr)

    def run(self) -> None:
        """Serve until interrupted (Ctrl+C, SIGTERM)."""
        logging.basicConfig(level=logging.INFO, format="pgwtui web: %(message)s", stream=sys.stderr)
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
        web.run_app(
            self._make_app(),
            host=self.host,
            port=self.port,
            ssl_context=self.ssl_context,
            print=None,
            access_log=None,
        )


def _int(text: str, default: int) -> int:
    try:
        return int(text)
    except ValueError:
        return default


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
