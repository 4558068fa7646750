"""Where the HTTP edge and the command line deliberately differ from one Go binary: its behaviour on the real binary, then ours.

Ours follows upstream 1.11.x: where 1.5.1 answered otherwise (snappy bodies, Accept-Encoding by
q-values, the route-prefix rule, `--version` and `--help` on stdout, slog's field order) the
1.5.1 side is shown here; where Debian's 1.11.0 differs from 1.11.1+ (it offers zstd), that is.
README's table of deliberate differences has a row for each.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import httpx
import pytest

from bridge.gateway.config import GatewayConfig
from tests.conftest import require_go
from tests.support import snappy_frames
from tests.support.servers import GO_1_5, GO_1_11, REPO, GoGateway, ThreadGateway, go_command

pytestmark = pytest.mark.oracle


def _scrape(url: str, accept_encoding: str) -> httpx.Response:
    return httpx.get(url + "/metrics", headers={"Accept-Encoding": accept_encoding})


@pytest.mark.parametrize("accept_encoding", ["zstd", "br, zstd", "zstd;q=1, gzip;q=0.5"])
def test_zstd_is_offered_by_1_11_0_only(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway], accept_encoding: str
) -> None:
    go, ours = go_gateway(version=GO_1_11).url, our_gateway().url
    assert _scrape(go, accept_encoding).headers.get("content-encoding") == "zstd"
    # Ours, like 1.11.1+ (client_golang 1.21 dropped it) and 1.5.1: gzip if asked for, else nothing.
    expected = "gzip" if "gzip" in accept_encoding else None
    assert _scrape(ours, accept_encoding).headers.get("content-encoding") == expected


@pytest.mark.parametrize(
    "accept_encoding", ["gzip;q=0", "gzip, identity", "identity,gzip", "gzip;level=9", "identity;q=0, gzip;q=0"]
)
def test_1_5_1_gzips_what_1_11_answers_uncompressed(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway], accept_encoding: str
) -> None:
    old, new, ours = (go_gateway(version=GO_1_5).url, go_gateway(version=GO_1_11).url, our_gateway().url)
    assert _scrape(old, accept_encoding).headers.get("content-encoding") == "gzip"  # any `gzip` token
    for url in (new, ours):
        assert "content-encoding" not in _scrape(url, accept_encoding).headers


def test_1_5_1_reads_a_snappy_body_as_it_is(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway]
) -> None:
    old, ours = go_gateway(version=GO_1_5).url, our_gateway().url
    body, headers = snappy_frames.framed(b"sn 1\n"), {"Content-Encoding": "snappy"}
    refused = httpx.put(old + "/metrics/job/a", content=body, headers=headers)
    assert refused.status_code == 400
    assert refused.text.startswith("text format parsing error in line 1:")
    assert httpx.put(ours + "/metrics/job/a", content=body, headers=headers).status_code == 200
    assert 'sn{instance="",job="a"} 1' in httpx.get(ours + "/metrics").text


@pytest.mark.parametrize("prefix", ["//pfx", "/pfx//"])
def test_a_doubled_slash_in_the_route_prefix_is_kept_as_1_7_does(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway], prefix: str
) -> None:
    old = go_gateway([f"--web.route-prefix={prefix}"], prefix="/pfx", version=GO_1_5).url
    ours = our_gateway(GatewayConfig(route_prefix=prefix)).url
    assert httpx.get(old + "/pfx/-/ready").status_code == 200  # 1.5.1 stripped every slash
    # Ours, as 1.7+: the routes keep the doubled slash, which Go's ServeMux never lets through.
    assert httpx.get(ours + "/pfx/-/ready").status_code == 404
    assert httpx.get(ours + "/pfx/metrics").status_code == 200  # path.Join cleans the telemetry route


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False, cwd=REPO)


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_1_5_1_writes_version_and_help_to_stderr(flag: str) -> None:
    require_go(GO_1_5)
    old = _run([go_command(GO_1_5, ":0")[0], flag])
    assert (old.returncode, old.stdout) == (0, "")
    assert old.stderr
    ours = _run([sys.executable, "-m", "bridge", "serve", flag])
    assert (ours.returncode, ours.stderr) == (0, "")
    assert ours.stdout
    if flag == "--version":
        assert len(old.stderr.splitlines()) == 5  # no `tags` line before 1.11
        assert ours.stdout.splitlines()[-1].split() == ["tags:", "unknown"]


def first_log_line(argv: list[str]) -> str:
    """The start-up line of a gateway that cannot listen (an address that does not resolve), so it exits at once."""
    done = _run([*argv, "--web.listen-address=256.0.0.1:0", "--persistence.file="])
    return next(line for line in done.stderr.splitlines() if "starting pushgateway" in line)


def fields(line: str) -> list[str]:
    return [field.split("=")[0] for field in line.split()[:4]]


def test_1_5_1_logs_caller_before_level() -> None:
    """go-kit's order in 1.5.1; slog's (`ts level caller msg`, as 1.11 and ours) is checked in test_process_oracle."""
    require_go(GO_1_5)
    assert fields(first_log_line([go_command(GO_1_5, ":0")[0]])) == ["ts", "caller", "level", "msg"]
    assert fields(first_log_line([sys.executable, "-m", "bridge", "serve"])) == ["ts", "level", "caller", "msg"]
