"""The router and radix tree on their own: httprouter 1.3's matches, redirects, 405s and OPTIONS, and Go's path cleaning.

The route table is the Go gateway's (1.5.1 `main.go`); every expectation is what the binary
answered (tests/golden/1.5.1/routing.json, at the HTTP level), here read at the router's level:
before the app adds the query string, the `/api/v1` prefix and the response bodies.
"""

from __future__ import annotations

import pytest

from bridge.gateway.web.router import Allowed, Match, NotFound, Redirect, Router, RouteResult, clean_path

PUSH = "DELETE, OPTIONS, POST, PUT"
READ = "GET, OPTIONS"


def _main() -> Router[str]:
    r: Router[str] = Router()
    r.add("GET", "/-/healthy", "healthy")
    r.add("GET", "/-/ready", "ready")
    r.add("GET", "/metrics", "metrics")
    for suffix in ("", "@base64"):
        for path in (f"/metrics/job{suffix}/:job/*labels", f"/metrics/job{suffix}/:job"):
            for method in ("PUT", "POST", "DELETE"):
                r.add(method, path, f"{method.lower()}{suffix}")
    r.add("GET", "/static/*filepath", "static")
    r.add("GET", "/status", "status")
    r.add("GET", "/", "status")
    r.add("GET", "/debug/pprof/*pprof", "pprof")
    r.add("PUT", "/-/quit", "quit")
    r.add("POST", "/-/quit", "quit")
    r.add("GET", "/-/quit", "quit-get")
    return r


def _api() -> Router[str]:
    r: Router[str] = Router()
    r.add("OPTIONS", "/*path", "options")
    r.add("GET", "/status", "status")
    r.add("GET", "/metrics", "metrics")
    r.add("PUT", "/admin/wipe", "wipe")
    return r


MAIN = _main()
API = _api()

MAIN_TABLE: list[tuple[str, str, RouteResult[str]]] = [
    # Matches, with httprouter's parameters: a catch-all keeps its leading slash.
    ("GET", "/metrics", Match("metrics", {})),
    ("GET", "/", Match("status", {})),
    ("PUT", "/metrics/job/j", Match("put", {"job": "j"})),
    ("POST", "/metrics/job/j/a/b", Match("post", {"job": "j", "labels": "/a/b"})),
    ("PUT", "/metrics/job/j/", Match("put", {"job": "j", "labels": "/"})),
    ("DELETE", "/metrics/job@base64/YQ", Match("delete@base64", {"job": "YQ"})),
    ("GET", "/static/app.js", Match("static", {"filepath": "/app.js"})),
    ("GET", "/-/quit", Match("quit-get", {})),
    # Trailing-slash recommendations: 301 for GET, 307 for anything else.
    ("GET", "/metrics/", Redirect("/metrics", 301)),
    ("GET", "/-/healthy/", Redirect("/-/healthy", 301)),
    ("GET", "/status/", Redirect("/status", 301)),
    ("PUT", "/metrics/job/", Redirect("/metrics/job", 307)),
    ("POST", "/metrics/job/", Redirect("/metrics/job", 307)),
    ("GET", "/debug/pprof", Redirect("/debug/pprof/", 301)),
    ("GET", "/static", Redirect("/static/", 301)),
    # Case-insensitive fixes keep the case of parameter values.
    ("GET", "/METRICS", Redirect("/metrics", 301)),
    ("GET", "/-/HEALTHY/", Redirect("/-/healthy", 301)),
    ("PUT", "/Metrics/Job/x", Redirect("/metrics/job/x", 307)),
    ("DELETE", "/METRICS/JOB/Xy", Redirect("/metrics/job/Xy", 307)),
    ("PUT", "/Metrics/Job@Base64/WHk", Redirect("/metrics/job@base64/WHk", 307)),
    ("GET", "/STATIC/x", Redirect("/static/x", 301)),
    # Known path, wrong method: 405 with every other method plus OPTIONS, sorted. HEAD is not GET.
    ("GET", "/metrics/job/x", Allowed(PUSH, 405)),
    ("GET", "/metrics/job/x/a/b", Allowed(PUSH, 405)),
    ("PATCH", "/metrics/job/x", Allowed(PUSH, 405)),
    ("POST", "/metrics", Allowed(READ, 405)),
    ("HEAD", "/metrics", Allowed(READ, 405)),
    ("HEAD", "/-/healthy", Allowed(READ, 405)),
    # Automatic OPTIONS: 200 with the same list; unknown paths stay 404.
    ("OPTIONS", "/metrics", Allowed(READ, 200)),
    ("OPTIONS", "/metrics/job/x", Allowed(PUSH, 200)),
    ("OPTIONS", "/-/quit", Allowed("GET, OPTIONS, POST, PUT", 200)),
    ("OPTIONS", "/nope", NotFound()),
    # Nothing to match, redirect to or allow.
    ("GET", "/nonexistent", NotFound()),
    ("PUT", "/metrics/jobs/x", NotFound()),
    ("PUT", "/metrics/job", NotFound()),
    ("DELETE", "/metrics/job@base64", NotFound()),
    ("GET", "/api", NotFound()),
    # A trailing-slash hint in another method's tree is no route, so no 405 either.
    ("PUT", "/static", NotFound()),
]

API_TABLE: list[tuple[str, str, RouteResult[str]]] = [
    ("GET", "/metrics", Match("metrics", {})),
    ("OPTIONS", "/anything", Match("options", {"path": "/anything"})),
    ("OPTIONS", "/", Match("options", {"path": "/"})),
    ("OPTIONS", "/metrics", Match("options", {"path": "/metrics"})),
    # The OPTIONS catch-all is left out of the Allow list, then OPTIONS is added back.
    ("DELETE", "/metrics", Allowed(READ, 405)),
    ("POST", "/status", Allowed(READ, 405)),
    ("POST", "/admin/wipe", Allowed("OPTIONS, PUT", 405)),
    ("GET", "/admin/wipe", Allowed("OPTIONS, PUT", 405)),
    ("GET", "/metrics/", Redirect("/metrics", 301)),
    ("GET", "/STATUS", Redirect("/status", 301)),
    ("GET", "/", NotFound()),
    ("GET", "/nothing", NotFound()),
]


@pytest.mark.parametrize(("method", "path", "expected"), MAIN_TABLE, ids=[f"{m} {p}" for m, p, _ in MAIN_TABLE])
def test_main_routes(method: str, path: str, expected: RouteResult[str]) -> None:
    assert MAIN.route(method, path) == expected


@pytest.mark.parametrize(("method", "path", "expected"), API_TABLE, ids=[f"{m} {p}" for m, p, _ in API_TABLE])
def test_api_routes(method: str, path: str, expected: RouteResult[str]) -> None:
    assert API.route(method, path) == expected


def test_the_route_prefix_moves_every_route() -> None:
    r: Router[str] = Router()
    r.add("GET", "/pfx/metrics", "metrics")
    r.add("GET", "/pfx/", "status")
    assert r.route("GET", "/pfx/metrics") == Match("metrics", {})
    assert r.route("GET", "/pfx") == Redirect("/pfx/", 301)
    assert r.route("GET", "/metrics") == NotFound()


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("/metrics/job/:job", "/metrics/job/:other"),
        ("/a/*rest", "/a/b"),
        ("/metrics", "/metrics"),
    ],
)
def test_conflicting_routes_are_refused_like_httprouter(first: str, second: str) -> None:
    r: Router[str] = Router()
    r.add("GET", first, "one")
    with pytest.raises(ValueError):
        r.add("GET", second, "two")


@pytest.mark.parametrize("path", ["/a/*", "/a/:", "/a/*rest/more", "/a/:x:y"])
def test_malformed_wildcards_are_refused(path: str) -> None:
    with pytest.raises(ValueError):
        Router[str]().add("GET", path, "x")


CLEAN_TABLE = [
    # Go's path.Clean, plus ServeMux/httprouter keeping a trailing slash.
    ("", "/"),
    ("/", "/"),
    ("metrics", "/metrics"),
    ("//", "/"),
    ("///metrics", "/metrics"),
    ("/metrics//job", "/metrics/job"),
    ("/metrics//", "/metrics/"),
    ("/metrics/./job/a", "/metrics/job/a"),
    ("/metrics/job/a/../b", "/metrics/job/b"),
    ("/metrics/job/..", "/metrics"),
    ("/metrics/.", "/metrics"),
    ("/metrics/./", "/metrics/"),
    ("/a/../metrics/", "/metrics/"),
    ("/..", "/"),
    ("/../..//x", "/x"),
    ("/.", "/"),
    ("./", "/"),
    ("/...", "/..."),
    ("/a/.b/..c", "/a/.b/..c"),
    ("/metrics/job/a", "/metrics/job/a"),
]


@pytest.mark.parametrize(("path", "expected"), CLEAN_TABLE, ids=[repr(p) for p, _ in CLEAN_TABLE])
def test_clean_path(path: str, expected: str) -> None:
    assert clean_path(path) == expected
