"""Cases that need non-default flags: route prefix, external URL, telemetry path, unchecked mode, lifecycle, admin API."""

from __future__ import annotations

from tests.support.diff import Case
from tests.support.diff import Req as R

FLAG_CASES: dict[str, Case] = {
    "route prefix": Case(
        [
            R("GET", "/pfx/metrics"),
            R("GET", "/metrics"),
            R("PUT", "/pfx/metrics/job/a", b"x 1\n"),
            R("PUT", "/metrics/job/a", b"x 1\n"),
            R("GET", "/pfx"),
            R("GET", "/pfx/"),
            R("GET", "/-/quit"),
            R("GET", "/pfx/-/quit"),
            R("GET", "/api/v1/status"),
            R("GET", "/pfx/-/healthy"),
            R("OPTIONS", "/pfx/api/v1/x"),
            R("GET", "/pfx/api/v1"),
            R("DELETE", "/pfx/metrics/job/a"),
        ],
        go_args=("--web.route-prefix=/pfx/",),
        config={"route_prefix": "/pfx/"},
        prefix="/pfx",
    ),
    "route prefix without slashes": Case(
        [R("GET", "/pfx/-/ready"), R("PUT", "/pfx/metrics/job/a", b"x 1\n")],
        go_args=("--web.route-prefix=pfx",),
        config={"route_prefix": "pfx"},
        prefix="/pfx",
    ),
    "route prefix /": Case(
        [R("GET", "/-/ready"), R("PUT", "/metrics/job/a", b"x 1\n")],
        go_args=("--web.route-prefix=/",),
        config={"route_prefix": "/"},
    ),
    "external url path": Case(
        [
            R("GET", "/ext/metrics"),
            R("PUT", "/ext/metrics/job/a", b"x 1\n"),
            R("GET", "/metrics"),
            R("GET", "/ext/api/v1/metrics"),
        ],
        go_args=("--web.external-url=http://h/ext/",),
        config={"external_url": "http://h/ext/"},
        prefix="/ext",
    ),
    "route prefix wins over external url": Case(
        [R("GET", "/r/metrics"), R("GET", "/ext/metrics")],
        go_args=("--web.external-url=http://h/ext/", "--web.route-prefix=/r"),
        config={"external_url": "http://h/ext/", "route_prefix": "/r"},
        prefix="/r",
    ),
    "telemetry path": Case(
        [R("GET", "/prom"), R("GET", "/metrics"), R("PUT", "/metrics/job/a", b"x 1\n"), R("GET", "/prom/")],
        go_args=("--web.telemetry-path=/prom",),
        config={"telemetry_path": "/prom"},
        telemetry="/prom",
    ),
    "unchecked mode answers 202": Case(
        [
            R("PUT", "/metrics/job/a", b"# TYPE c counter\nc 1\n"),
            R("PUT", "/metrics/job/c", b"x 1\n"),
            R("PUT", "/metrics/job/d", b"x 1 5\n"),
            R("PUT", "/metrics/job/e", b"x 1"),
            R("PUT", "/metrics/job@base64/Y"),
        ],
        go_args=("--push.disable-consistency-check",),
        config={"disable_consistency_check": True},
    ),
    # Go exits on the POST, so there is no state to read afterwards.
    "lifecycle": Case(
        [R("GET", "/-/quit"), R("POST", "/-/quit")],
        go_args=("--web.enable-lifecycle",),
        config={"enable_lifecycle": True},
        state=False,
    ),
    "admin api off": Case(
        [R("PUT", "/api/v1/admin/wipe"), R("POST", "/api/v1/admin/wipe")],
        go_args=(),
        config={},
    ),
}
