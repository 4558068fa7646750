"""pgwtui and UTF-8 names: quoted on screen, `U__`-encoded in the URLs of a gateway that has them, quoted in re-pushes."""

from __future__ import annotations

import json

import httpx

from bridge.protocol.grouping import group_key, parse_grouping
from bridge.protocol.textparse import parse_text
from pgwtui.client import GatewayClient
from pgwtui.connection import Connection
from pgwtui.labels import key_text, label_name, metric_name, pairs_text
from pgwtui.models import parse_groups
from pgwtui.repush import body_without
from pgwtui.views.detail import family_row
from pgwtui.views.prompts import key_lines


def status(utf8: str | None) -> httpx.Response:
    flags = {} if utf8 is None else {"push.enable-utf8-names": utf8}
    return httpx.Response(
        200, json={"status": "success", "data": {"build_information": {"version": "1.11.0"}, "flags": flags}}
    )


def client(utf8: str | None) -> GatewayClient:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/status":
            return status(utf8)
        return httpx.Response(404)

    return GatewayClient(Connection("http://gw:9091"), transport=httpx.MockTransport(answer))


def decode(path: str, *, utf8: bool) -> dict[str, str]:
    rest = path.split("/metrics/job@base64/", 1)[1]
    job, _, labels = rest.partition("/")
    return parse_grouping(job, "/" + labels if labels else "", job_base64=True, utf8=utf8)


def test_names_on_screen() -> None:
    assert (label_name("instance"), label_name("dotted.label"), label_name("a:b")) == (
        "instance",
        '"dotted.label"',
        '"a:b"',
    )
    assert (metric_name("rows_total"), metric_name("a:b"), metric_name("my.metric")) == (
        "rows_total",
        "a:b",
        '"my.metric"',
    )
    key = group_key({"job": "j", "café.name": "x y"})
    assert key_text(key) == 'job=j "café.name"="x y"'
    assert pairs_text(key) == '"café.name"="x y" job="j"'
    assert key_lines(key) == ['  job         = "j"', '  "café.name" = "x y"']


async def test_the_gateways_flag_decides_how_names_go_into_urls() -> None:
    key = group_key({"job": "j", "U__x": "1", "café": "2"})
    on = client("true")
    assert (await on.info()).utf8_names
    assert decode(on.delete_path(key), utf8=True) == dict(key)
    assert "/U__U____x@base64/" in on.delete_path(key)
    legacy = group_key({"job": "j", "U__x": "1"})
    off = client("false")
    assert not (await off.info()).utf8_names
    assert "/U__x@base64/" in off.delete_path(legacy) and decode(off.delete_path(legacy), utf8=False) == dict(legacy)
    await on.aclose()
    await off.aclose()


async def test_before_info_a_utf8_name_in_the_key_says_the_gateway_has_them() -> None:
    fresh = client(None)
    assert fresh.utf8_names is None
    assert "/U__caf_e9_@base64/" in fresh.delete_path(group_key({"job": "j", "café": "2"}))
    assert "/instance@base64/" in fresh.delete_path(group_key({"job": "j", "instance": "2"}))
    assert not (await fresh.info()).utf8_names  # a 1.5.1 status has no such flag
    await fresh.aclose()


def test_family_rows_quote_utf8_names() -> None:
    entry = {
        "labels": {"job": "j"},
        "last_push_successful": True,
        "my.metric": {"type": "GAUGE", "metrics": [{"labels": {"job": "j", "dotted.label": "x"}, "value": "1"}]},
    }
    (group,), _ = parse_groups(json.dumps({"status": "success", "data": [entry]}))
    assert family_row(group.families()[0]) == ('"my.metric"', "gauge", "1")


def test_a_repush_body_quotes_utf8_names() -> None:
    entry = {
        "labels": {"job": "j"},
        "last_push_successful": True,
        "my.metric": {"type": "GAUGE", "metrics": [{"labels": {"job": "j", "dotted.label": "x"}, "value": "1"}]},
        "drop": {"type": "GAUGE", "metrics": [{"labels": {"job": "j"}, "value": "2"}]},
    }
    (group,), _ = parse_groups(json.dumps({"status": "success", "data": [entry]}))
    body = body_without(group, "drop")
    assert body == b'# TYPE "my.metric" gauge\n{"my.metric","dotted.label"="x"} 1\n'
    assert parse_text(body, utf8=True)["my.metric"].metrics[0].labels == (("dotted.label", "x"),)
