"""UTF-8 names through the bridge: `drop --utf8-names`, spool file names, `watch --utf8-names`, `serve --spool`.

The bridge follows the gateway it feeds: in-process, the embedded gateway's `--push.enable-utf8-names`;
over HTTP, `--utf8-names` (the remote gateway's flag cannot be seen from a file). Without it, the
legacy rules hold, as before.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from bridge.cli import main
from bridge.errors import ParseError, SpoolError
from bridge.gateway.config import GatewayConfig
from bridge.gateway.runtime import build_app
from bridge.protocol.methods import Method
from bridge.protocol.names import Escaping
from bridge.protocol.textparse import parse_text
from bridge.push.pusher import HttpPusher
from bridge.push.settings import HttpSettings
from bridge.spool.embedded import spool_task
from bridge.spool.naming import file_name, parse_name
from bridge.spool.producer import drop, merge_posts
from bridge.spool.runner import SpoolBridge
from tests.support.servers import GO_1_11, GoGateway
from tests.support.spool_env import drop_file, options, until, wait_for

GROUPING = {"job": "backup", "café.name": "db/1", "a=b": "x"}
NAME = "backup@a%3Db=x@café.name=db%2F1.prom"


def test_file_names_carry_utf8_label_names_percent_encoded() -> None:
    assert file_name(GROUPING, utf8=True) == NAME
    assert parse_name(NAME, utf8=True) == GROUPING
    assert parse_name("j@caf%C3%A9=1.prom", utf8=True) == {"job": "j", "café": "1"}
    with pytest.raises(SpoolError, match="invalid grouping label name"):
        file_name(GROUPING)
    with pytest.raises(SpoolError, match="invalid grouping label name"):
        parse_name("j@café=1.prom")
    for bad in ("j@__x=1.prom", "j@%5F%5Fx=1.prom", "j@%FF=1.prom", "j@=1.prom"):
        with pytest.raises(SpoolError):
            parse_name(bad, utf8=True)
    # Legacy names are written exactly as before.
    assert file_name({"job": "j", "instance": "a"}, utf8=True) == file_name({"job": "j", "instance": "a"})


def test_drop_checks_names_with_the_gateways_rule(tmp_path: Path) -> None:
    body = b'{"a.b","c.d"="x"} 1\n'
    with pytest.raises(ParseError, match=r'invalid metric name "a\.b"'):
        drop(tmp_path, {"job": "j"}, Method.PUT, body)
    path = drop(tmp_path, GROUPING, Method.PUT, body, utf8=True)
    assert path.name == NAME and path.read_bytes() == body


def test_a_merged_post_keeps_utf8_names_quoted() -> None:
    merged = merge_posts(b'{"a.b"} 1\n', b'# HELP "c.d" h\n{"c.d","e.f"="g"} 2\n', utf8=True)
    assert merged == b'# TYPE "a.b" untyped\n{"a.b"} 1\n# HELP "c.d" h\n# TYPE "c.d" untyped\n{"c.d","e.f"="g"} 2\n'
    assert set(parse_text(merged, utf8=True)) == {"a.b", "c.d"}
    # Legacy names: the same bytes as before quoting existed.
    assert merge_posts(b"a 1\n", b"b 2\n") == b"# TYPE a untyped\na 1\n# TYPE b untyped\nb 2\n"


def test_the_drop_command_takes_utf8_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Stdin:
        buffer = io.BytesIO(b'{"a.b"} 1\n')

    monkeypatch.setattr("sys.stdin", Stdin)
    assert main(["drop", "--spool", str(tmp_path), "j", "café.name=x"]) == 2
    assert "invalid grouping label name 'café.name'" in capsys.readouterr().err
    assert main(["drop", "--spool", str(tmp_path), "--utf8-names", "j", "café.name=x"]) == 0
    assert (tmp_path / "j@café.name=x.prom").read_bytes() == b'{"a.b"} 1\n'
    monkeypatch.setenv("PGW_BRIDGE_UTF8_NAMES", "1")
    Stdin.buffer = io.BytesIO(b'{"x.y"} 2\n')
    assert main(["drop", "--spool", str(tmp_path), "k", "é=1"]) == 0  # the environment variable stands in


async def test_serve_spool_follows_the_gateways_flag(tmp_path: Path) -> None:
    gateway = build_app(GatewayConfig(enable_utf8_names=True)).gateway
    task = spool_task(options(tmp_path, utf8_names=True), target="embedded:test")
    running = asyncio.create_task(task(gateway))
    try:
        drop_file(tmp_path, NAME, b'{"rows.total","table.name"="t"} 7\n')
        await until(lambda: gateway.group(GROUPING) is not None)
        text = gateway.metrics_text(Escaping.ALLOW_UTF8)
        line = '{"rows.total","a=b"="x","café.name"="db/1",instance="",job="backup","table.name"="t"} 7\n'
        assert line.encode() in text
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
    assert task.failure is None


def test_serve_passes_the_gateway_flag_to_the_spool(tmp_path: Path) -> None:
    from bridge.cli import build_parser
    from bridge.cli.serve import gateway_config
    from bridge.cli.spool_flags import spool_options

    args = build_parser().parse_args(["serve", "--push.enable-utf8-names", "--spool", str(tmp_path)])
    config = gateway_config(args)
    assert config.enable_utf8_names and config.flags()["push.enable-utf8-names"] == "true"
    assert spool_options(args, utf8_names=config.enable_utf8_names).utf8_names


@pytest.fixture
def oracle_utf8(go_gateway: Callable[..., GoGateway]) -> GoGateway:
    return go_gateway(["--push.enable-utf8-names"], version=GO_1_11)


@pytest.mark.oracle
async def test_watch_feeds_a_real_1_11_gateway_with_utf8_names(tmp_path: Path, oracle_utf8: GoGateway) -> None:
    """`watch --utf8-names` against the real 1.11.0 with the flag: names arrive as they were written."""
    pusher = HttpPusher(HttpSettings(url=oracle_utf8.url, utf8_names=True))
    bridge = SpoolBridge(options(tmp_path, utf8_names=True), pusher)
    bridge.prepare()
    running = asyncio.create_task(bridge.run())
    try:
        drop_file(tmp_path, NAME, b'{"rows.total","table.name"="t"} 7\n')
        drop_file(tmp_path, "legacy@U__x=1.prom", b"rows 1\n")  # a legacy name that looks U__-encoded

        def groups() -> list[dict[str, object]]:
            return list(httpx.get(oracle_utf8.url + "/api/v1/metrics").json()["data"])

        await until(lambda: len(groups()) == 2)
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
        await pusher.aclose()
    by_job = {g["labels"]["job"]: g for g in groups()}  # type: ignore[index]
    assert by_job["backup"]["labels"] == GROUPING
    assert by_job["backup"]["rows.total"]["metrics"][0]["labels"]["table.name"] == "t"  # type: ignore[index]
    assert by_job["legacy"]["labels"] == {"job": "legacy", "U__x": "1"}
    text = wait_for(lambda: httpx.get(oracle_utf8.url + "/metrics").text)
    assert 'rows_total{a_b="x",caf__name="db/1",instance="",job="backup",table_name="t"} 7' in text
