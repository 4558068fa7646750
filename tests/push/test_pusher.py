"""The HTTP pusher: outcomes per answer, auth headers, and real pushes into both gateways."""

from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from bridge.errors import ConfigError
from bridge.protocol.grouping import group_key
from bridge.protocol.methods import Method
from bridge.push.outcome import Outcome, Verdict
from bridge.push.pusher import HttpPusher, PushRequest, redact
from bridge.push.settings import HttpSettings
from tests.support.servers import GO_1_5, GoGateway, ThreadGateway, free_port
from tests.support.spool_env import scrape, value

KEY = group_key({"job": "backup", "instance": "db/1", "empty": ""})


def push(pusher: HttpPusher, method: Method = Method.PUT, body: bytes = b"a 1\n") -> Outcome:
    async def run() -> Outcome:
        try:
            return await pusher.push(PushRequest(KEY, method, body))
        finally:
            await pusher.aclose()

    return asyncio.run(run())


def mocked(handler: Callable[[httpx.Request], httpx.Response], **kw: object) -> HttpPusher:
    return HttpPusher(HttpSettings(url="http://gateway.test/prefix", **kw), transport=httpx.MockTransport(handler))  # type: ignore[arg-type]


def test_request_shape_every_value_base64() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    result = push(mocked(handler))
    assert result.verdict is Verdict.DELIVERED
    request = seen[0]
    assert request.method == "PUT"
    b64 = base64.urlsafe_b64encode
    assert request.url.path == (
        f"/prefix/metrics/job@base64/{b64(b'backup').decode()}/empty@base64/=/instance@base64/{b64(b'db/1').decode()}"
    )
    assert request.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert request.content == b"a 1\n"


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"bearer_token": "s3cret"}, "Bearer s3cret"),
        ({"username": "u", "password": "p"}, "Basic " + base64.b64encode(b"u:p").decode()),
    ],
)
def test_auth_headers(kw: dict[str, str], expected: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202)

    push(mocked(handler, **kw), Method.DELETE)
    assert seen[0].headers["authorization"] == expected
    assert seen[0].method == "DELETE"


@pytest.mark.parametrize(
    ("status", "headers", "verdict", "retry_after"),
    [
        (400, {}, Verdict.REJECTED, None),
        (404, {}, Verdict.REJECTED, None),
        (408, {}, Verdict.TRANSIENT, None),
        (429, {"Retry-After": "2"}, Verdict.TRANSIENT, 2.0),
        (500, {}, Verdict.TRANSIENT, None),
        (503, {"Retry-After": "1"}, Verdict.TRANSIENT, 1.0),
    ],
)
def test_answers(status: int, headers: dict[str, str], verdict: Verdict, retry_after: float | None) -> None:
    result = push(mocked(lambda _r: httpx.Response(status, headers=headers, text="the gateway's words\n")))
    assert result.verdict is verdict
    assert result.status == status and result.message == "the gateway's words"
    assert result.retry_after == retry_after and not result.unreachable


def test_connection_refused_is_transient() -> None:
    port = free_port()  # nothing listens there
    result = push(HttpPusher(HttpSettings(url=f"http://127.0.0.1:{port}", timeout=2)))
    assert result.verdict is Verdict.TRANSIENT and result.unreachable
    assert "ConnectError" in result.message


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A socket that accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def test_a_gateway_that_never_answers_times_out_as_transient(silent_server: int) -> None:
    result = push(HttpPusher(HttpSettings(url=f"http://127.0.0.1:{silent_server}", timeout=0.3)))
    assert result.verdict is Verdict.TRANSIENT and result.unreachable
    assert result.message.startswith("timeout")


@pytest.mark.parametrize(
    "kw",
    [
        {"url": "ftp://x"},
        {"url": "http://x", "bearer_token": "t", "username": "u", "password": "p"},
        {"url": "http://x", "username": "u"},
        {"url": "http://x", "key_file": "k.pem"},
        {"url": "https://x", "ca_file": "/nonexistent/ca.pem"},
    ],
)
def test_bad_settings_are_refused(kw: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        HttpPusher(HttpSettings(**kw))  # type: ignore[arg-type]


def _real_push(url: str) -> None:
    result = push(HttpPusher(HttpSettings(url=url)), body=b"# TYPE backup_ok gauge\nbackup_ok 1\n")
    assert result.verdict is Verdict.DELIVERED
    series = scrape(url)
    assert value(series, "backup_ok", job="backup", instance="db/1", empty="") == 1.0
    rejected = push(HttpPusher(HttpSettings(url=url)), body=b"backup_ok 1 1700000000000\n")
    assert rejected.verdict is Verdict.REJECTED and rejected.status == 400
    assert "timestamps" in rejected.message


def test_real_push_into_our_gateway(our_gateway: Callable[..., ThreadGateway], tmp_path: Path) -> None:
    _real_push(our_gateway().url)


@pytest.mark.oracle
def test_real_push_into_the_go_gateway(go_gateway: Callable[..., GoGateway]) -> None:
    # 1.5.1: the rejected push needs its 400; 1.11.0 drops the connection instead (test_deliberate).
    _real_push(go_gateway(version=GO_1_5).url)


def test_credentials_in_the_url_are_used_but_never_shown() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    pusher = HttpPusher(HttpSettings(url="https://u:p%40ss@gw.test:9091/x"), transport=httpx.MockTransport(handler))
    assert pusher.target == "https://gw.test:9091/x"
    push(pusher)
    assert seen[0].headers["authorization"] == "Basic " + base64.b64encode(b"u:p@ss").decode()
    assert redact("http://gw:9091") == "http://gw:9091"
