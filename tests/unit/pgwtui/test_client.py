"""Unit tests: GatewayClient over httpx.MockTransport: delete URLs (@base64 for every label), errors, read-only."""

from __future__ import annotations

import base64
import gc
import json
import re
from typing import Required, TypedDict

import httpx
import pytest

from bridge.protocol.grouping import parse_grouping
from pgwtui.client import CollectorPause, GatewayClient, collector_paused
from pgwtui.connection import Connection
from pgwtui.errors import (
    ConfigError,
    GatewayAuthError,
    GatewayHTTPError,
    GatewayProtocolError,
    GatewayUnreachable,
    ReadOnlyError,
)
from pgwtui.models import parse_groups


class Recorder:
    """A MockTransport handler that records requests and answers from a table."""

    def __init__(self, answers: dict[tuple[str, str], httpx.Response] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.answers = answers or {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answers.get((request.method, request.url.path), httpx.Response(202))


def client(url: str = "http://gw:9091", recorder: Recorder | None = None, **kwargs: object) -> GatewayClient:
    return GatewayClient(Connection(url, **kwargs), transport=httpx.MockTransport(recorder or Recorder()))  # type: ignore[arg-type]


def decode(path: str) -> dict[str, str]:
    """Decode a delete path the way the Go gateway does (via our Go-compatible parser)."""
    rest = path.split("/metrics/job@base64/", 1)[1]
    job, _, labels = rest.partition("/")
    return parse_grouping(job, "/" + labels if labels else "", job_base64=True)


@pytest.mark.parametrize(
    "labels",
    [
        {"job": "backup"},
        {"job": "backup", "instance": ""},
        {"job": "deploy", "path": "/srv/app"},
        {"job": "team/nightly", "site": "zürich", "empty": ""},
        {"job": "a b", "x": "k=v@base64"},
        {"job": "=", "y": "=="},
    ],
)
async def test_delete_encodes_every_label_with_base64(labels: dict[str, str]):
    recorder = Recorder()
    c = client(recorder=recorder)
    key = tuple(sorted(labels.items()))
    await c.delete_group(key)
    request = recorder.requests[0]
    assert request.method == "DELETE"
    path = request.url.raw_path.decode()
    assert "//" not in path, "an empty value must not produce an empty path segment"
    assert all(part.endswith("@base64") for part in path.split("/")[2::2]), path
    assert decode(path) == labels


async def test_delete_path_keeps_the_route_prefix():
    recorder = Recorder()
    c = client("http://gw:9091/pgw/", recorder=recorder)
    await c.delete_group((("job", "a"),))
    assert recorder.requests[0].url.path == "/pgw/metrics/job@base64/YQ=="
    assert c.delete_path((("job", "a"),)) == "/pgw/metrics/job@base64/YQ=="


async def test_family_delete_uses_the_extension_path():
    recorder = Recorder()
    c = client(recorder=recorder)
    key = (("instance", ""), ("job", "backup"))
    await c.delete_family(key, "backup_size_bytes")
    path = recorder.requests[0].url.raw_path.decode()
    assert path == "/api/v1/extensions/family/backup_size_bytes/job@base64/YmFja3Vw/instance@base64/="


async def test_family_delete_404_means_already_gone():
    recorder = Recorder(
        {
            ("DELETE", "/api/v1/extensions/family/f/job@base64/YQ=="): httpx.Response(
                404, text="group or family not found\n"
            )
        }
    )
    with pytest.raises(GatewayHTTPError, match="already gone"):
        await client(recorder=recorder).delete_family((("job", "a"),), "f")


async def test_extensions_discovery():
    data = {"status": "success", "data": {"implementation": "pgw-bridge", "version": "0.2", "family_delete": True}}
    ours = Recorder({("GET", "/api/v1/extensions"): httpx.Response(200, json=data)})
    extensions = await client(recorder=ours).extensions()
    assert extensions.family_delete and extensions.implementation == "pgw-bridge"
    go = Recorder({("GET", "/api/v1/extensions"): httpx.Response(404, text="404 page not found\n")})
    assert not (await client(recorder=go).extensions()).family_delete


async def test_a_replica_says_which_it_is_and_how_its_storage_is():
    storage = {"kind": "postgres", "replica": "r1", "up": False, "seq": 7, "leader": False}
    data = {"status": "success", "data": {"implementation": "pgw-bridge", "version": "0.2", "storage": storage}}
    ours = Recorder(
        {
            ("GET", "/api/v1/status"): httpx.Response(200, json={"status": "success", "data": {}}),
            ("GET", "/api/v1/extensions"): httpx.Response(200, json=data),
        }
    )
    info = await client(recorder=ours).info()
    assert info.where() == "replica r1 · postgres DOWN (writes refused)"
    single = {"status": "success", "data": {"implementation": "pgw-bridge", "storage": {"kind": "sqlite", "up": True}}}
    alone = Recorder(
        {
            ("GET", "/api/v1/status"): httpx.Response(200, json={"status": "success", "data": {}}),
            ("GET", "/api/v1/extensions"): httpx.Response(200, json=single),
        }
    )
    assert (await client(recorder=alone).info()).where() == ""


async def test_info_describes_the_gateway():
    status = {"status": "success", "data": {"build_information": {"version": "1.5.1"}}}
    go = Recorder(
        {
            ("GET", "/api/v1/status"): httpx.Response(200, json=status),
            ("GET", "/api/v1/extensions"): httpx.Response(404),
        }
    )
    assert (await client(recorder=go).info()).identity() == "Pushgateway 1.5.1"


async def test_read_only_sends_nothing():
    recorder = Recorder()
    c = GatewayClient(Connection("http://gw:9091"), transport=httpx.MockTransport(recorder), read_only=True)
    groups, _ = parse_groups(
        json.dumps(
            {
                "status": "success",
                "data": [
                    {
                        "labels": {"job": "a"},
                        "f": {"type": "GAUGE", "metrics": [{"labels": {}, "value": "1"}]},
                        "g": {"type": "GAUGE", "metrics": [{"labels": {}, "value": "1"}]},
                    }
                ],
            }
        )
    )
    for call in (
        c.delete_group((("job", "a"),)),
        c.delete_family((("job", "a"),), "f"),
        c.repush_without(groups[0], "f"),
    ):
        with pytest.raises(ReadOnlyError):
            await call
    assert recorder.requests == []


async def test_repush_puts_the_group_without_the_family():
    recorder = Recorder({("PUT", "/metrics/job@base64/YQ==/instance@base64/="): httpx.Response(200)})
    entry = {
        "labels": {"job": "a", "instance": ""},
        "keep": {
            "type": "COUNTER",
            "help": "Kept.",
            "metrics": [{"labels": {"job": "a", "instance": "", "x": "1"}, "value": "5"}],
        },
        "drop": {"type": "GAUGE", "metrics": [{"labels": {"job": "a", "instance": ""}, "value": "1"}]},
        "push_time_seconds": {"type": "GAUGE", "metrics": [{"labels": {"job": "a", "instance": ""}, "value": "100"}]},
    }
    groups, _ = parse_groups(json.dumps({"status": "success", "data": [entry]}))
    await client(recorder=recorder).repush_without(groups[0], "drop")
    request = recorder.requests[0]
    assert request.method == "PUT"
    assert request.content == b'# HELP keep Kept.\n# TYPE keep counter\nkeep{x="1"} 5\n'


@pytest.mark.parametrize(
    ("response", "error", "words"),
    [
        (httpx.Response(401, text="Unauthorized"), GatewayAuthError, "unauthorised (401)"),
        (httpx.Response(403, text="Forbidden"), GatewayAuthError, "forbidden (403)"),
        (httpx.Response(404, text="404 page not found"), GatewayProtocolError, "Pushgateway >= 1.2"),
        (httpx.Response(500, text="boom\nmore"), GatewayHTTPError, "gateway answered 500: boom"),
        (httpx.Response(301, headers={"location": "/x/"}), GatewayProtocolError, "redirects to /x/"),
    ],
)
async def test_http_errors_are_translated_once(response: httpx.Response, error: type[Exception], words: str):
    recorder = Recorder({("GET", "/api/v1/metrics"): response})
    with pytest.raises(error, match=re.escape(words)):
        await client(recorder=recorder).fetch_groups()


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), "connection refused"),
        (httpx.ConnectTimeout("timed out"), "did not answer within 10s"),
        (httpx.ReadTimeout("timed out"), "did not answer within 10s"),
        (httpx.RemoteProtocolError("Server disconnected"), "Server disconnected"),
    ],
)
async def test_transport_errors_are_unreachable(exc: Exception, words: str):
    def fail(request: httpx.Request) -> httpx.Response:
        raise exc

    c = GatewayClient(Connection("http://gw:9091"), transport=httpx.MockTransport(fail))
    with pytest.raises(GatewayUnreachable, match=words):
        await c.fetch_groups()


async def test_basic_auth_and_bearer_headers():
    recorder = Recorder({("GET", "/api/v1/metrics"): httpx.Response(200, json={"status": "success", "data": []})})
    await client(recorder=recorder, username="ops", password="pw").fetch_groups()
    expected = "Basic " + base64.b64encode(b"ops:pw").decode()
    assert recorder.requests[-1].headers["authorization"] == expected
    await client(recorder=recorder, token="t0k").fetch_groups()
    assert recorder.requests[-1].headers["authorization"] == "Bearer t0k"


class ConnectionArgs(TypedDict, total=False):
    url: Required[str]
    username: str
    password: str
    token: str


@pytest.mark.parametrize(
    "kwargs",
    [
        {"url": "gw:9091"},
        {"url": "ftp://gw"},
        {"url": "http://gw", "token": "t", "username": "u"},
        {"url": "http://gw", "password": "p"},
    ],
)
def test_bad_connections(kwargs: ConnectionArgs):
    with pytest.raises(ConfigError):
        Connection(**kwargs)


def test_missing_ca_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot load CA file"):
        GatewayClient(Connection("https://gw", ca_file=str(tmp_path / "missing.pem")))


# ----------------------------------------------------------------- reading groups: only what changed, the collector held off
def metrics_answer(*jobs: str, pushed: str = "100") -> httpx.Response:
    data = [
        {
            "labels": {"job": job},
            "last_push_successful": True,
            "push_time_seconds": {"type": "GAUGE", "metrics": [{"labels": {"job": job}, "value": pushed}]},
        }
        for job in jobs
    ]
    return httpx.Response(200, content=json.dumps({"status": "success", "data": data}))


async def test_each_read_decodes_only_what_changed_since_the_last():
    recorder = Recorder({("GET", "/api/v1/metrics"): metrics_answer("a", "b")})
    c = client(recorder=recorder)
    first, _ = await c.fetch_groups()
    recorder.answers[("GET", "/api/v1/metrics")] = metrics_answer("a", "c")
    second, _ = await c.fetch_groups()
    assert [g.job for g in second] == ["a", "c"]
    assert second[0] is first[0] and second[1] is not first[1]


def test_the_collector_is_held_off_while_decoding_and_resumed_after():
    seen: list[bool] = []
    with collector_paused():
        seen.append(gc.isenabled())
        with collector_paused():  # nested (two reads at once): one pause
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())
    assert seen == [False, False, False] and gc.isenabled()


def test_the_collector_stays_off_if_it_was_off():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_pause_that_made_many_objects_ends_with_a_freeze_once_then_with_collections(monkeypatch):
    done: list[str] = []

    def collect(generation: int = 2) -> int:
        done.append("collect")
        return 0

    monkeypatch.setattr(gc, "collect", collect)
    monkeypatch.setattr(gc, "freeze", lambda: done.append("freeze"))
    pause = CollectorPause()
    with pause.held():
        pass
    assert done == [], "a small read leaves the collector to itself"
    for _ in range(3):
        with pause.held():
            kept = [[i] for i in range(60_000)]  # young, tracked, alive at the end of the pause
        del kept
    assert done == ["freeze", "collect", "collect"] and pause.frozen and gc.isenabled()


def test_the_collector_resumes_when_decoding_fails():
    with pytest.raises(GatewayProtocolError):
        client().decode_groups(b"not json")
    assert gc.isenabled()
