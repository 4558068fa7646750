"""Pushes and deletes answered from the protocol: the same bytes as the ASGI path, in order, only once their body is complete."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Iterator

import pytest

from bridge.gateway.config import GatewayConfig
from bridge.gateway.service import Gateway
from bridge.gateway.web.app import GatewayApp
from bridge.gateway.web.httpio import Request, Response
from tests.support.servers import ThreadGateway

OK = b"HTTP/1.1 200 OK\r\ndate: D\r\ncontent-length: 0\r\n\r\n"
ACCEPTED = b"HTTP/1.1 202 Accepted\r\ndate: D\r\ncontent-length: 0\r\n\r\n"


def exchange(port: int, *pieces: bytes, answers: int) -> bytes:
    """Send the pieces one after the other on one connection; read until `answers` answers came (dates masked)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for piece in pieces:
            sock.sendall(piece)
        data = b""
        while data.count(b"HTTP/1.1 ") < answers or not _complete(data):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return re.sub(rb"date: [^\r]*", b"date: D", data)


def _complete(data: bytes) -> bool:
    head, sep, body = data.rpartition(b"HTTP/1.1 ")[2].partition(b"\r\n\r\n")
    length = re.search(rb"content-length: (\d+)", head)
    return bool(sep) and length is not None and len(body) >= int(length.group(1))


def jobs(gateway: Gateway) -> list[str]:
    return sorted(group.labels["job"] for group in gateway.groups())


@pytest.fixture
def served() -> Iterator[ThreadGateway]:
    server = ThreadGateway()
    yield server
    server.stop()


def put(job: str, body: bytes) -> bytes:
    return b"PUT /metrics/job/" + job.encode() + b" HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % len(body) + body


def test_pipelined_pushes_and_deletes_are_answered_in_order(served: ThreadGateway) -> None:
    bad = b"x 1 "  # no newline at the end: a parse error, with a body in the answer
    data = exchange(
        served.port,
        put("a", b"x 1\n") + put("b", bad) + put("c", b"y 2\n") + b"DELETE /metrics/job/a HTTP/1.1\r\n\r\n",
        answers=4,
    )
    error = b"text format parsing error in line 1: unexpected end of input stream\n"
    assert data == (
        OK
        + b"HTTP/1.1 400 Bad Request\r\ndate: D\r\ncontent-type: text/plain; charset=utf-8\r\n"
        + b"x-content-type-options: nosniff\r\ncontent-length: %d\r\n\r\n" % len(error)
        + error
        + OK
        + ACCEPTED
    )
    assert jobs(served.gateway) == ["c"]


def test_a_push_whose_body_comes_later_is_answered_once_it_is_complete(served: ThreadGateway) -> None:
    request = put("late", b"x 1\n")
    head, body = request[:-4], request[-4:]
    assert exchange(served.port, head, body[:2], body[2:], answers=1) == OK
    assert jobs(served.gateway) == ["late"]


def test_a_push_cut_off_before_its_body_is_complete_stores_nothing(served: ThreadGateway) -> None:
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        sock.sendall(put("cut", b"x 1\n")[:-2])
    # The next request on another connection is answered after the first one's connection is gone.
    assert exchange(served.port, put("next", b"x 1\n"), answers=1) == OK
    assert jobs(served.gateway) == ["next"]


def test_connection_close_and_http_1_0_end_the_connection_after_the_answer(served: ThreadGateway) -> None:
    closing = OK.replace(b"\r\n\r\n", b"\r\nconnection: close\r\n\r\n")
    one = b"PUT /metrics/job/a HTTP/1.1\r\nConnection: close\r\nContent-Length: 4\r\n\r\nx 1\n"
    assert exchange(served.port, one + put("never", b"x 1\n"), answers=2) == closing
    ten = b"PUT /metrics/job/b HTTP/1.0\r\nContent-Length: 4\r\n\r\nx 1\n"
    assert exchange(served.port, ten, answers=2) == closing
    assert jobs(served.gateway) == ["a", "b"]


def test_an_answer_that_must_wait_goes_on_in_a_task_and_keeps_the_order() -> None:
    waited: list[str] = []

    async def slow(request: Request) -> Response | None:
        # Yield to the loop twice: once bare, once on a future another callback resolves.
        await asyncio.sleep(0)
        future = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_soon(future.set_result, None)
        await future
        waited.append(request.path)
        return None

    config = GatewayConfig()  # ThreadGateway sets its listen address
    server = ThreadGateway(config, app=GatewayApp(Gateway(config), middleware=[slow]))
    try:
        data = exchange(server.port, put("a", b"x 1\n") + put("b", b"x 2\n") + put("c", b"x 1 "), answers=3)
        assert data.startswith(OK + OK + b"HTTP/1.1 400 Bad Request\r\n")
        assert waited == ["/metrics/job/a", "/metrics/job/b", "/metrics/job/c"]
        assert jobs(server.gateway) == ["a", "b"]
    finally:
        server.stop()
