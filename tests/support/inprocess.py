"""A synchronous httpx client over the gateway's ASGI app: the differential `Side` without sockets."""

from __future__ import annotations

import asyncio

import httpx

from bridge.gateway.app import GatewayApp


class SyncASGITransport(httpx.BaseTransport):
    """httpx's ASGITransport driven from synchronous code, on one private event loop for the app's lifetime."""

    def __init__(self, app: GatewayApp) -> None:
        self._inner = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        self._loop = asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def call() -> httpx.Response:
            response = await self._inner.handle_async_request(request)
            body = b"".join([chunk async for chunk in response.aiter_raw()])
            # Undecoded, like bytes off a socket: the client applies Content-Encoding itself.
            return httpx.Response(response.status_code, headers=response.headers, stream=httpx.ByteStream(body))

        return self._loop.run_until_complete(call())

    def close(self) -> None:
        self._loop.close()


def in_process_client(app: GatewayApp) -> httpx.Client:
    """A client whose requests the app answers in this thread (base URL http://gw)."""
    return httpx.Client(transport=SyncASGITransport(app), base_url="http://gw", follow_redirects=False)
