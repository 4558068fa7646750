"""Pushes and deletes answered straight from the HTTP protocol: no ASGI messages, and no task unless the answer must wait.

A PUT, POST or DELETE whose body is declared small (at most uvicorn's read buffer, 64 KiB) and
that expects no `100 Continue` is held until its body is complete, then handed to
`GatewayApp.respond` right in the protocol's callback; when that coroutine finishes without
waiting (an in-memory push, a refused one), the answer is written at once, in one
write, byte for byte what uvicorn's ASGI path writes (status line, `date`, lower-case headers,
`content-length`, `connection: close` when the connection ends). When it must wait (a durable
commit, made once the loop's pass is over; a bcrypt check), the same coroutine goes on in a task counted with
uvicorn's (graceful shutdown waits for it). Every other request (GETs, bodies that are large,
chunked or announced with `Expect`, pipelined behind an unanswered request) takes the ASGI path
as before. One difference: a request whose connection drops before its body is complete is
never handled here (the ASGI path handled what had arrived); Go refuses such a body too.
"""

from __future__ import annotations

import asyncio
import logging
import types
from collections.abc import Coroutine, Generator
from typing import Any

from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT
from uvicorn.protocols.http.httptools_impl import (
    HEADER_RE,
    HEADER_VALUE_RE,
    STATUS_LINE,
    RequestResponseCycle,
)

from bridge.asgi import Message
from bridge.errors import MalformedRequest
from bridge.gateway.web.app import GatewayApp, bad_request
from bridge.gateway.web.httpio import Request, Response
from bridge.gateway.web.httpproto import GoHeadLimitsProtocol

log = logging.getLogger("bridge.gateway")

_DIRECT_METHODS = frozenset({b"PUT", b"POST", b"DELETE"})
_DIRECT_BODY_MAX = HIGH_WATER_LIMIT
"""The largest declared body taken directly: below it uvicorn never pauses reading, so the body always arrives."""


def _direct_head(method: bytes, headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether a request with this method and these (lower-case) headers can be answered directly."""
    if method not in _DIRECT_METHODS:
        return False
    for name, value in headers:
        if name == b"content-length":
            if not value.isdigit() or int(value) > _DIRECT_BODY_MAX:
                return False
        elif name == b"transfer-encoding":
            return False
    return True


class _Body:
    """An ASGI `receive` that hands over a complete body once."""

    __slots__ = ("body",)

    def __init__(self, body: bytes) -> None:
        self.body: bytes | None = body

    async def __call__(self) -> Message:
        body, self.body = self.body, None
        if body is None:
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": body, "more_body": False}


class FastPathProtocol(GoHeadLimitsProtocol):
    """GoHeadLimitsProtocol that answers small pushes and deletes without the ASGI layers (uvicorn's `http=` option)."""

    _direct_next = False
    """Set while uvicorn's on_headers_complete runs for a request that may be answered directly."""
    _direct: RequestResponseCycle | None = None
    """The held request whose body is still arriving."""

    def on_message_begin(self) -> None:
        # A request answered in the callback arms the keep-alive timer; the next one in the same
        # chunk of data must not run under it.
        self._unset_keepalive_if_required()
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._direct_next = (
            not self.expect_100_continue
            and isinstance(self.app, GatewayApp)
            and _direct_head(self.parser.get_method(), self.headers)
        )
        try:
            super().on_headers_complete()
        finally:
            self._direct_next = False

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        # Called by on_headers_complete when nothing is pipelined ahead (later, from
        # on_response_complete, for a request that waited: that one takes the ASGI path).
        if self._direct_next and app is self.app:
            self._direct = cycle
            return
        super()._start_asgi_task(cycle, app)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        cycle = self._direct
        if cycle is None:
            return
        self._direct = None
        self._answer(cycle)

    def connection_lost(self, exc: Exception | None) -> None:
        self._direct = None
        super().connection_lost(exc)

    # ----------------------------------------------------------------- answering
    def _answer(self, cycle: RequestResponseCycle) -> None:
        app = self.app
        assert isinstance(app, GatewayApp)
        scope = self.scope
        try:
            request = Request.from_head(
                scope["method"],
                scope["raw_path"],
                scope["query_string"],
                scope["headers"],
                self.client,
                self.scheme or "http",
                _Body(bytes(cycle.body)),
                app.gateway.config.max_body_bytes,
            )
        except MalformedRequest:
            self._send(cycle, bad_request(), head=False)
            return
        coro = app.respond(request)
        try:
            awaited = coro.send(None)
        except StopIteration as done:
            self._send(cycle, done.value, head=False)
            return
        task = self.loop.create_task(self._finish(cycle, coro, awaited))
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)

    async def _finish(self, cycle: RequestResponseCycle, coro: Coroutine[Any, Any, Response], awaited: Any) -> None:
        """Drive the rest of `coro` as a task would: wait for what it yielded, then resume it."""
        try:
            while True:
                await _settled(awaited)
                try:
                    awaited = coro.send(None)
                except StopIteration as done:
                    response: Response = done.value
                    break
        except BaseException:
            coro.close()
            raise
        self._send(cycle, response, head=False)

    def _send(self, cycle: RequestResponseCycle, response: Response, *, head: bool) -> None:
        """Write the whole answer in one go, as uvicorn's `send` would write it in two."""
        cycle.on_response, on_response = (lambda: None), cycle.on_response
        if cycle.disconnected:
            return
        cycle.response_started = True
        cycle.waiting_for_100_continue = False
        content = [STATUS_LINE[response.status]]
        for name, value in cycle.default_headers:
            content += (name, b": ", value, b"\r\n")
        body = response.body
        headers = [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in response.headers]
        headers.append((b"content-length", str(len(body)).encode("ascii")))
        if response.close:
            cycle.keep_alive = False
            headers.append((b"connection", b"close"))
        for name, value in headers:
            if HEADER_RE.search(name) or HEADER_VALUE_RE.search(value):
                # uvicorn's send raises here and its task closes the connection.
                log.error("invalid HTTP header in an answer", extra={"kv": {"header": name.decode("latin-1")}})
                self.transport.close()
                return
            content += (name, b": ", value, b"\r\n")
        if not cycle.keep_alive and not response.close:
            content.append(b"connection: close\r\n")
        content.append(b"\r\n")
        if not head:
            content.append(body)
        self.transport.write(b"".join(content))
        cycle.response_complete = True
        cycle.message_event.set()
        if not cycle.keep_alive:
            self.transport.close()
        on_response()


@types.coroutine
def _settled(awaited: Any) -> Generator[Any, None, None]:
    """Wait until what a coroutine yielded is done, without taking its result (the coroutine takes it)."""
    if awaited is None:  # a bare yield: run again on the loop's next pass
        yield
        return
    if not asyncio.isfuture(awaited) or not awaited._asyncio_future_blocking:
        raise RuntimeError(f"a request's coroutine yielded {awaited!r}, which is not an awaited future")
    awaited._asyncio_future_blocking = False
    if not awaited.done():
        waiter = awaited.get_loop().create_future()

        def wake(_: object) -> None:
            if not waiter.done():  # the waiter is cancelled when its task is
                waiter.set_result(None)

        awaited.add_done_callback(wake)
        yield from waiter
