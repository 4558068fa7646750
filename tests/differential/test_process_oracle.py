"""The HTTP edge and the process against the real binaries, over sockets: what a golden file cannot hold.

The request-head limit (431) and 1 MB URLs live in the HTTP server, below the ASGI app the golden
replay drives; repeated Accept-Encoding lines cannot be written as one case header; a snappy body
from a real encoder changes bytes with the encoder's version; and `--version`, `--help`, the log
lines, `pushgateway_build_info` and `/api/v1/status` flags are the process's.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable

import cramjam
import httpx
import pytest

from bridge.gateway.web.httpproto import HEAD_TOO_LARGE, MAX_HEAD_BYTES
from tests.differential.test_deliberate_http import _run, fields, first_log_line
from tests.support import oracles
from tests.support.servers import GO_1_11, GO_VERSIONS, GoGateway, ThreadGateway, go_command

pytestmark = pytest.mark.oracle


def _raw(url: str, request: bytes) -> bytes:
    """Send raw bytes and read until the server closes or goes quiet (what a client of either server sees)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        sock.settimeout(2)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            pass
    return received


def _head(target: bytes, size: int) -> bytes:
    """A GET for `target` whose request line and headers (blank line included) are exactly `size` bytes."""
    start, end = b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nX-Pad: ", b"\r\n\r\n"
    return start + b"p" * (size - len(start) - len(end)) + end


def _status_line(answer: bytes) -> bytes:
    return answer.split(b"\r\n", 1)[0]


@pytest.mark.parametrize("version", GO_VERSIONS)
def test_the_request_head_limit_is_go_s(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway], version: str
) -> None:
    go, ours = go_gateway(version=version).url, our_gateway().url
    for url in (go, ours):
        assert _status_line(_raw(url, _head(b"/-/ready", MAX_HEAD_BYTES))) == b"HTTP/1.1 200 OK"
        assert _raw(url, _head(b"/-/ready", MAX_HEAD_BYTES + 1)) == HEAD_TOO_LARGE  # and the connection closed


@pytest.mark.parametrize("version", GO_VERSIONS)
def test_a_1_mb_url_is_routed(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway], version: str
) -> None:
    go, ours = go_gateway(version=version).url, our_gateway().url
    get = b"GET /metrics/job/" + b"a" * 1_000_000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    body = b"x 1\n"
    put = (
        b"PUT /metrics/job/j/long/" + b"v" * 900_000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    for url in (go, ours):
        refused = _raw(url, get)
        assert _status_line(refused) == b"HTTP/1.1 405 Method Not Allowed"
        assert refused.endswith(b"\r\n\r\nMethod Not Allowed\n")
        assert b"\r\nallow: delete, options, post, put\r\n" in refused.lower()
        assert _status_line(_raw(url, put)) == b"HTTP/1.1 200 OK"
        assert len(httpx.get(url + "/api/v1/metrics").json()["data"][0]["labels"]["long"]) == 900_000


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([("Accept-Encoding", "identity;q=0.1"), ("Accept-Encoding", "gzip")], "gzip"),
        ([("Accept-Encoding", "gzip;level=1"), ("Accept-Encoding", "gzip;q=0.5")], "gzip"),
        ([("Accept-Encoding", "gzip"), ("Accept-Encoding", "identity")], None),
    ],
)
def test_every_accept_encoding_line_counts(
    go_gateway: Callable[..., GoGateway],
    our_gateway: Callable[..., ThreadGateway],
    lines: list[tuple[str, str]],
    expected: str | None,
) -> None:
    for url in (go_gateway(version=GO_1_11).url, our_gateway().url):
        assert httpx.get(url + "/metrics", headers=lines).headers.get("content-encoding") == expected


def test_a_snappy_body_from_a_real_encoder(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway]
) -> None:
    lines = "".join(f'snappy_real{{n="{i}"}} {i}\n' for i in range(20_000))  # several 64 KiB chunks, compressed
    body = bytes(cramjam.snappy.compress(lines.encode()))
    go, ours = go_gateway(version=GO_1_11).url, our_gateway().url
    scraped = []
    for url in (go, ours):
        assert (
            httpx.put(url + "/metrics/job/s", content=body, headers={"Content-Encoding": "snappy"}).status_code == 200
        )
        scraped.append(sorted(line for line in httpx.get(url + "/metrics").text.splitlines() if "snappy_real" in line))
    assert scraped[0] == scraped[1]
    assert len(scraped[0]) == 20_000 + 1


def test_build_info_has_the_labels_of_1_11(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway]
) -> None:
    def build_info(url: str) -> str:
        return next(
            line for line in httpx.get(url + "/metrics").text.splitlines() if line.startswith("pushgateway_build_info{")
        )

    def label_names(line: str) -> list[str]:
        return [pair.split("=")[0] for pair in line[line.index("{") + 1 : line.index("}")].split(",")]

    go, ours = build_info(go_gateway(version=GO_1_11).url), build_info(our_gateway().url)
    assert (
        label_names(ours) == label_names(go) == ["branch", "goarch", "goos", "goversion", "revision", "tags", "version"]
    )
    assert 'tags="unknown"' in go
    assert 'tags="unknown"' in ours


def test_status_flags_and_build_information_are_1_11_s(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway]
) -> None:
    go = httpx.get(go_gateway(version=GO_1_11).url + "/api/v1/status").json()["data"]
    ours = httpx.get(our_gateway().url + "/api/v1/status").json()["data"]
    assert sorted(ours["build_information"]) == sorted(go["build_information"])  # no `tags` here, in 1.11.0 either
    # Every flag of 1.11.0's, but Debian's --web.local-assets (ours serves no assets); ours adds its extensions.
    assert set(go["flags"]) - set(ours["flags"]) <= {"web.local-assets"}
    assert "push.enable-utf8-names" in ours["flags"]
    for name in set(go["flags"]) & set(ours["flags"]) - {"web.listen-address", "log.level"}:
        assert ours["flags"][name] == go["flags"][name], name


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_go_to_stdout_as_in_1_11(flag: str) -> None:
    go = _run([go_command(GO_1_11, ":0")[0], flag])
    ours = _run([sys.executable, "-m", "bridge", "serve", flag])
    for done in (go, ours):
        assert (done.returncode, done.stderr) == (0, "")
    if flag == "--version":
        go_keys = [line.split(":")[0].strip() for line in go.stdout.splitlines()[1:]]
        assert [line.split(":")[0].strip() for line in ours.stdout.splitlines()[1:]] == go_keys
        assert go_keys == ["build user", "build date", "go version", "platform", "tags"]
        assert ours.stdout.startswith("pgw-bridge, version ")
        assert ours.stdout.endswith("\n") and go.stdout.endswith("\n")
    else:
        go_flags = {word.split("=")[0].rstrip(").,") for word in go.stdout.split() if word.startswith("--")}
        ours_flags = {word.split("=")[0].rstrip(").,") for word in ours.stdout.split() if word.startswith("--")}
        # kingpin's --help-man and Debian's --web.local-assets aside.
        assert go_flags - ours_flags <= {"--help-man", "--web.local-assets"}
        assert "--push.enable-utf8-names" in go_flags & ours_flags


def test_log_lines_put_level_before_caller_as_1_11() -> None:
    go = first_log_line([str(oracles.require(oracles.PUSHGATEWAY)), f"--web.local-assets={oracles.PUSHGATEWAY_ASSETS}"])
    ours = first_log_line([sys.executable, "-m", "bridge", "serve"])
    assert fields(ours) == fields(go) == ["ts", "level", "caller", "msg"]
    assert 'msg="starting pushgateway" version="(version=' in go
    assert 'msg="starting pushgateway" version="(version=' in ours
