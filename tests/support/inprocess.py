"""A synchronous httpx client over the gateway's ASGI app: the differential `Side` without sockets."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import unquote_to_bytes

import httpx

from bridge.asgi import Message
from bridge.gateway.web.app import GatewayApp


class SyncASGITransport(httpx.BaseTransport):
    """Calls the ASGI app from synchronous code, on one private event loop for the app's lifetime.

    Unlike httpx.ASGITransport it honours the `target` request extension, so a path such as
    `/metrics/./job/a` reaches the app unnormalised, as it reaches a server from a socket.
    """

    def __init__(self, app: GatewayApp) -> None:
        self._app = app
        self._loop = asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        target: bytes = request.extensions.get("target", request.url.raw_path)
        raw_path, _, query = target.partition(b"?")
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": request.url.scheme,
            "path": unquote_to_bytes(raw_path).decode("utf-8", "surrogateescape"),
            "raw_path": raw_path,
            "query_string": query,
            "root_path": "",
            "headers": [(name.lower(), value) for name, value in request.headers.raw],
            "client": ("127.0.0.1", 40000),
            "server": (request.url.host, request.url.port or 80),
        }
        body = request.read()
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        sent: list[Message] = []

        async def receive() -> Message:
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)

        self._loop.run_until_complete(self._app(scope, receive, send))
        start = next(m for m in sent if m["type"] == "http.response.start")
        content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        # Undecoded, like bytes off a socket: the client applies Content-Encoding itself.
        return httpx.Response(start["status"], headers=start["headers"], stream=httpx.ByteStream(content))

    def close(self) -> None:
        self._loop.close()


def in_process_client(app: GatewayApp) -> httpx.Client:
    """A client whose requests the app answers in this thread (base URL http://gw)."""
    return httpx.Client(transport=SyncASGITransport(app), base_url="http://gw", follow_redirects=False)
