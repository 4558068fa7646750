"""Differential: every case in cases.py gives the same answers and the same state on the Go gateway and ours."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bridge.gateway.config import GatewayConfig
from tests.differential.cases import ALL
from tests.support.diff import Pair, Req

pytestmark = pytest.mark.oracle


@pytest.mark.parametrize("requests", list(ALL.values()), ids=list(ALL))
def test_case(pair: Callable[..., Pair], requests: list[Req]) -> None:
    p = pair(["--web.enable-admin-api"], GatewayConfig(enable_admin_api=True))
    p.run(requests)
    p.compare_state()


FLAG_CASES = {
    "route prefix": (
        ["--web.route-prefix=/pfx/"],
        GatewayConfig(route_prefix="/pfx/"),
        "/pfx",
        [
            Req("GET", "/pfx/metrics"),
            Req("GET", "/metrics"),
            Req("PUT", "/pfx/metrics/job/a", b"x 1\n"),
            Req("PUT", "/metrics/job/a", b"x 1\n"),
            Req("GET", "/pfx"),
            Req("GET", "/pfx/"),
            Req("GET", "/-/quit"),
            Req("GET", "/pfx/-/quit"),
            Req("GET", "/api/v1/status"),
            Req("GET", "/pfx/-/healthy"),
            Req("OPTIONS", "/pfx/api/v1/x"),
            Req("GET", "/pfx/api/v1"),
            Req("DELETE", "/pfx/metrics/job/a"),
        ],
    ),
    "route prefix without slashes": (
        ["--web.route-prefix=pfx"],
        GatewayConfig(route_prefix="pfx"),
        "/pfx",
        [Req("GET", "/pfx/-/ready"), Req("PUT", "/pfx/metrics/job/a", b"x 1\n")],
    ),
    "route prefix /": (
        ["--web.route-prefix=/"],
        GatewayConfig(route_prefix="/"),
        "",
        [Req("GET", "/-/ready"), Req("PUT", "/metrics/job/a", b"x 1\n")],
    ),
    "external url path": (
        ["--web.external-url=http://h/ext/"],
        GatewayConfig(external_url="http://h/ext/"),
        "/ext",
        [
            Req("GET", "/ext/metrics"),
            Req("PUT", "/ext/metrics/job/a", b"x 1\n"),
            Req("GET", "/metrics"),
            Req("GET", "/ext/api/v1/metrics"),
        ],
    ),
    "route prefix wins over external url": (
        ["--web.external-url=http://h/ext/", "--web.route-prefix=/r"],
        GatewayConfig(external_url="http://h/ext/", route_prefix="/r"),
        "/r",
        [
            Req("GET", "/r/metrics"),
            Req("GET", "/ext/metrics"),
        ],
    ),
    "telemetry path": (
        ["--web.telemetry-path=/prom"],
        GatewayConfig(telemetry_path="/prom"),
        "",
        [
            Req("GET", "/prom"),
            Req("GET", "/metrics"),
            Req("PUT", "/metrics/job/a", b"x 1\n"),
            Req("GET", "/prom/"),
        ],
    ),
    "unchecked mode answers 202": (
        ["--push.disable-consistency-check"],
        GatewayConfig(disable_consistency_check=True),
        "",
        [
            Req("PUT", "/metrics/job/a", b"# TYPE c counter\nc 1\n"),
            Req("PUT", "/metrics/job/c", b"x 1\n"),
            Req("PUT", "/metrics/job/d", b"x 1 5\n"),
            Req("PUT", "/metrics/job/e", b"x 1"),
            Req("PUT", "/metrics/job@base64/Y"),
        ],
    ),
    "lifecycle": (
        ["--web.enable-lifecycle"],
        GatewayConfig(enable_lifecycle=True),
        "",
        [Req("GET", "/-/quit"), Req("POST", "/-/quit")],
    ),
    "admin api off": ([], GatewayConfig(), "", [Req("PUT", "/api/v1/admin/wipe"), Req("POST", "/api/v1/admin/wipe")]),
}


@pytest.mark.parametrize("case", list(FLAG_CASES.values()), ids=list(FLAG_CASES))
def test_flags(pair: Callable[..., Pair], case: tuple[list[str], GatewayConfig, str, list[Req]]) -> None:
    go_args, config, prefix, requests = case
    p = pair(go_args, config, prefix=prefix)
    p.run(requests)
    if not any(a.startswith("--web.enable-lifecycle") for a in go_args):
        telemetry = config.telemetry_path
        p.compare_state(prefix=prefix, telemetry=telemetry)
