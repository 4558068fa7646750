"""The HTTP pusher: outcomes per answer, auth headers, and real pushes into both gateways."""

from __future__ import annotations

import asyncio
import base64
import email.utils
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from bridge.errors import ConfigError
from bridge.protocol.grouping import group_key
from bridge.protocol.methods import Method
from bridge.push.outcome import Outcome, Verdict, parse_http_date
from bridge.push.pusher import HttpPusher, PushRequest, redact
from bridge.push.settings import HttpSettings
from tests.support.servers import GO_1_11, GO_VERSIONS, GoGateway, ThreadGateway, free_port
from tests.support.spool_env import scrape, value, wait_for

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


def _real_push(url: str, version: str | None = None) -> None:
    result = push(HttpPusher(HttpSettings(url=url)), body=b"# TYPE backup_ok gauge\nbackup_ok 1\n")
    assert result.verdict is Verdict.DELIVERED
    series = scrape(url)
    assert value(series, "backup_ok", job="backup", instance="db/1", empty="") == 1.0
    rejected = push(HttpPusher(HttpSettings(url=url)), body=b"backup_ok 1 1700000000000\n")
    assert rejected.verdict is Verdict.REJECTED
    if version == GO_1_11:
        # No answer at all, but the failure recorded for this group: the pusher asked, and knows.
        assert rejected.status is None and rejected.closed
        assert rejected.status_text == "no answer (connection closed)"
        assert rejected.message.startswith(
            "the gateway closed the connection without answering and recorded a failed push for this group at "
        )
        assert "Pushgateway 1.11.0 does this when it rejects a push" in rejected.message
    else:
        assert rejected.status == 400 and "timestamps" in rejected.message
    group = next(g for g in httpx.get(url + "/api/v1/metrics").json()["data"] if g["labels"]["job"] == "backup")
    assert group["last_push_successful"] is False


def test_real_push_into_our_gateway(our_gateway: Callable[..., ThreadGateway], tmp_path: Path) -> None:
    _real_push(our_gateway().url)


@pytest.mark.oracle
@pytest.mark.parametrize("version", GO_VERSIONS)
def test_real_push_into_the_go_gateway(go_gateway: Callable[..., GoGateway], version: str) -> None:
    # 1.5.1 answers the rejected push 400; 1.11.0 closes the connection without an answer (test_deliberate).
    _real_push(go_gateway(version=version).url, version)


# ------------------------------------------------------------- a connection closed without an answer
CLOSED = "Server disconnected without sending a response."


def api_document(*, successful: bool, failure: float) -> dict[str, object]:
    """The API's document with KEY's group, as Go 1.11.0 shows it (trimmed to what is read)."""
    labels = dict(KEY)
    group = {
        "labels": labels,
        "last_push_successful": successful,
        "push_failure_time_seconds": {"type": "GAUGE", "metrics": [{"labels": labels, "value": repr(failure)}]},
        "push_time_seconds": {"type": "GAUGE", "metrics": [{"labels": labels, "value": "1.7e+09"}]},
    }
    return {"status": "success", "data": [group]}


HEALTHY = api_document(successful=True, failure=0.0)


def failed_now() -> dict[str, object]:
    """The API's document once the gateway recorded a failed push for KEY just now (as 1.11.0 does)."""
    return api_document(successful=False, failure=time.time())


def closing(
    api: Callable[[], httpx.Response], *, answer_after: int | None = None
) -> tuple[HttpPusher, list[httpx.Request]]:
    """A pusher whose pushes are closed without an answer (the `answer_after`-th and later get a 200)."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "GET":
            return api()
        pushes = sum(1 for r in seen if r.method != "GET")
        if answer_after is not None and pushes >= answer_after:
            return httpx.Response(200)
        raise httpx.RemoteProtocolError(CLOSED, request=request)

    return mocked(handler, bearer_token="t0k"), seen


def test_a_stale_connection_is_retried_at_once_and_delivers() -> None:
    pusher, seen = closing(lambda: pytest.fail("no need to ask the API"), answer_after=2)
    assert push(pusher).verdict is Verdict.DELIVERED
    assert [r.method for r in seen] == ["PUT", "PUT"]


def test_closed_twice_while_the_api_shows_the_group_healthy_is_transient() -> None:
    pusher, seen = closing(lambda: httpx.Response(200, json=HEALTHY))
    result = push(pusher)
    assert result.verdict is Verdict.TRANSIENT and result.closed
    assert not result.unreachable, "the gateway answered its API: only this group backs off"
    assert result.message.startswith(f"RemoteProtocolError: {CLOSED}")
    assert "last push as successful" in result.message
    assert [(r.method, r.url.path) for r in seen] == [
        ("PUT", seen[0].url.path),
        ("PUT", seen[0].url.path),
        ("GET", "/prefix/api/v1/metrics"),
    ]
    assert {r.headers["authorization"] for r in seen} == {"Bearer t0k"}, "the API is asked with the same auth"


def test_closed_twice_with_a_failure_recorded_since_is_rejected() -> None:
    def api() -> httpx.Response:
        return httpx.Response(200, json=failed_now(), headers={"Date": email.utils.formatdate(usegmt=True)})

    result = push(closing(api)[0], Method.POST)
    assert result.verdict is Verdict.REJECTED and result.closed and result.status is None
    assert "recorded a failed push for this group" in result.message


def refused() -> httpx.Response:
    raise httpx.ConnectError("refused")


@pytest.mark.parametrize(
    ("api", "why", "unreachable"),
    [
        (lambda: httpx.Response(404, text="404 page not found"), "GET /api/v1/metrics answered 404", False),
        (lambda: httpx.Response(200, text="<html>"), "GET /api/v1/metrics answered something other than JSON", False),
        (lambda: httpx.Response(200, json={"status": "error"}), "not a Pushgateway /api/v1/metrics answer", False),
        (refused, "ConnectError: refused", True),
    ],
    ids=["no API (Go < 1.2)", "not JSON", "not the API", "gone"],
)
def test_closed_twice_and_the_api_cannot_tell_is_transient(
    api: Callable[[], httpx.Response], why: str, unreachable: bool
) -> None:
    result = push(closing(api)[0])
    assert result.verdict is Verdict.TRANSIENT and result.unreachable is unreachable
    assert "could not ask the gateway whether it rejected the push: " + why in result.message


def test_a_delete_closed_twice_is_transient_without_asking() -> None:
    pusher, seen = closing(lambda: pytest.fail("a DELETE records no failed push"))
    result = push(pusher, Method.DELETE)
    assert result.verdict is Verdict.TRANSIENT and result.unreachable
    assert [r.method for r in seen] == ["DELETE", "DELETE"]


class ClosingProxy(httpx.AsyncBaseTransport):
    """The real network, except that pushes are cut off before reaching the gateway (a proxy closing them)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.cut: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method in {"PUT", "POST"}:
            self.cut.append(request.method)
            raise httpx.RemoteProtocolError(CLOSED, request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _fail_a_push(url: str, path: str) -> float:
    """Have 1.11.0 record a failed push for `path` (a timestamp: it closes the connection); its failure time."""
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.put(url + path, content=b"backup_ok 1 1700000000000\n")
    groups = httpx.get(url + "/api/v1/metrics").json()["data"]
    failed = [g for g in groups if g["last_push_successful"] is False]
    assert len(failed) == 1
    return float(failed[0]["push_failure_time_seconds"]["metrics"][0]["value"])


@pytest.mark.oracle
def test_an_earlier_failure_of_the_group_does_not_make_a_closed_connection_a_rejection(
    go_gateway: Callable[..., GoGateway],
) -> None:
    url = go_gateway().url
    assert push(HttpPusher(HttpSettings(url=url))).verdict is Verdict.DELIVERED
    failure = _fail_a_push(url, "/metrics/job@base64/YmFja3Vw/empty@base64/=/instance@base64/ZGIvMQ==")
    # The verdict dates the attempt by the gateway's Date header (whole seconds): let its clock move on.
    wait_for(lambda: (parse_http_date(httpx.get(url + "/-/ready").headers.get("date")) or 0) >= failure + 2)
    proxy = ClosingProxy()
    result = push(HttpPusher(HttpSettings(url=url), transport=proxy))
    assert proxy.cut == ["PUT", "PUT"]
    assert result.verdict is Verdict.TRANSIENT and result.closed and not result.unreachable
    assert "is older than this attempt" in result.message


@pytest.mark.oracle
def test_another_groups_fresh_failure_does_not_make_a_closed_connection_a_rejection(
    go_gateway: Callable[..., GoGateway],
) -> None:
    url = go_gateway().url
    assert push(HttpPusher(HttpSettings(url=url))).verdict is Verdict.DELIVERED
    # Same job and labels but one: another group, failed just now.
    _fail_a_push(url, "/metrics/job@base64/YmFja3Vw/instance@base64/ZGIvMQ==")
    proxy = ClosingProxy()
    result = push(HttpPusher(HttpSettings(url=url), transport=proxy))
    assert result.verdict is Verdict.TRANSIENT and proxy.cut == ["PUT", "PUT"]
    assert "last push as successful" in result.message


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
