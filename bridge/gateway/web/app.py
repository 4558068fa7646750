"""The ASGI application: Go's routing layers in front of the handlers, and request accounting."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from bridge.asgi import Receive, Scope, Send
from bridge.errors import BodyError, MalformedRequest, PersistenceError, StorageUnavailable
from bridge.gateway.reads.api import CORS_HEADERS
from bridge.gateway.service import Gateway
from bridge.gateway.web import httpio
from bridge.gateway.web.handlers import Handlers
from bridge.gateway.web.httpio import Request, Response
from bridge.gateway.web.router import Allowed, Match, NotFound, Redirect, Router, clean_path
from bridge.gateway.web.tlsreload import ReloadingTLS

log = logging.getLogger("bridge.gateway")

HandlerFn = Callable[[Request, dict[str, str]], Awaitable[Response]]
Middleware = Callable[[Request], Awaitable[Response | None]]


@dataclass(frozen=True, slots=True)
class Route:
    """A routed handler and the name it is counted under (None: not counted)."""

    fn: HandlerFn
    counted_as: str | None
    cors: bool = False


class GatewayApp:
    """ASGI app serving one `Gateway` with the Go gateway's routes and quirks."""

    def __init__(
        self,
        gateway: Gateway,
        *,
        middleware: list[Middleware] | None = None,
        extra_headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.gateway = gateway
        self.handlers = Handlers(gateway)
        self.middleware = middleware or []
        self.extra_headers = extra_headers
        self.tls: ReloadingTLS | None = None
        config = gateway.config
        prefix = config.prefix
        self.api_root = prefix + "/api/v1/"
        self.main: Router[Route] = Router()
        self.api: Router[Route] = Router()
        self._register_main(prefix, config.telemetry_path)
        self._register_api(config.enable_admin_api)

    # ----------------------------------------------------------------- routes
    def _register_main(self, prefix: str, telemetry_path: str) -> None:
        h = self.handlers
        r = self.main
        r.add("GET", prefix + "/-/healthy", Route(h.healthy, "healthy"))
        r.add("GET", prefix + "/-/ready", Route(h.healthy, "ready"))
        r.add("GET", _join(prefix, telemetry_path), Route(h.metrics, None))
        base = prefix + "/metrics"
        for suffix in ("", "@base64"):
            b64 = suffix == "@base64"
            put = Route(partial(h.push, replace=True, job_base64=b64), "push")
            post = Route(partial(h.push, replace=False, job_base64=b64), "push")
            delete = Route(partial(h.delete, job_base64=b64), "delete")
            for path in (f"{base}/job{suffix}/:job/*labels", f"{base}/job{suffix}/:job"):
                r.add("PUT", path, put)
                r.add("POST", path, post)
                r.add("DELETE", path, delete)
        r.add("GET", prefix + "/static/*filepath", Route(h.static, "static"))
        r.add("GET", prefix + "/status", Route(h.status_page, "status"))
        r.add("GET", prefix + "/", Route(h.status_page, "status"))
        r.add("GET", prefix + "/debug/pprof/*pprof", Route(h.pprof, None))
        r.add("PUT", prefix + "/-/quit", Route(h.quit, None))
        r.add("POST", prefix + "/-/quit", Route(h.quit, None))
        r.add("GET", "/-/quit", Route(h.quit_get, None))

    def _register_api(self, admin: bool) -> None:
        h = self.handlers
        r = self.api
        r.add("OPTIONS", "/*path", Route(h.api_options, "api/v1/options", cors=True))
        r.add("GET", "/status", Route(h.api_status, "api/v1/status", cors=True))
        r.add("GET", "/metrics", Route(h.api_metrics, "api/v1/metrics", cors=True))
        if admin:
            r.add("PUT", "/admin/wipe", Route(h.wipe, "wipe"))
        # Extensions: never a standard path, so no standard client can hit them by accident.
        r.add("GET", "/extensions", Route(h.extensions, "ext/info", cors=True))
        for suffix in ("", "@base64"):
            delete = Route(partial(h.delete_family, job_base64=suffix == "@base64"), "ext/family_delete")
            r.add("DELETE", f"/extensions/family/:family/job{suffix}/:job/*labels", delete)
            r.add("DELETE", f"/extensions/family/:family/job{suffix}/:job", delete)

    def add_api_route(self, method: str, path: str, route: Route) -> None:
        """Register an extension route under `/api/v1` (never a standard path)."""
        self.api.add(method, path, route)

    # ----------------------------------------------------------------- ASGI
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        try:
            request = Request.from_scope(scope, receive, self.gateway.config.max_body_bytes)
        except MalformedRequest:
            await bad_request().send(send)
            return
        response = await self.respond(request)
        await response.send(send, head=request.method == "HEAD")

    async def respond(self, request: Request) -> Response:
        """The whole answer to one request (the ASGI entry and `fastpath` share it)."""
        response = await self.handle(request)
        if self.extra_headers:
            response.headers.extend(self.extra_headers)
        return response

    async def handle(self, request: Request) -> Response:
        """Answer one request; never raises."""
        try:
            for middleware in self.middleware:
                early = await middleware(request)
                if early is not None:
                    return early
            return await self._dispatch(request)
        except BodyError as exc:
            return httpio.error(exc.status, str(exc))
        except StorageUnavailable as exc:
            # The shared database is down or failing over: retry later (the message says whether it was applied).
            return httpio.error(503, str(exc))
        except PersistenceError as exc:
            # The write is not durable and the store was reloaded from the file: say so.
            return httpio.error(500, str(exc))
        except Exception:
            log.exception("internal error", extra={"kv": {"method": request.method, "path": request.path}})
            return httpio.error(500, "internal server error")

    async def _dispatch(self, request: Request) -> Response:
        path = request.path
        cleaned = clean_path(path)
        if cleaned + "/" == self.api_root:
            return self._redirect(request, cleaned + "/", 301)
        if cleaned != path:
            return self._redirect(request, cleaned, 301)
        if path.startswith(self.api_root):
            return await self._route(self.api, request, path[len(self.api_root) - 1 :], self.api_root[:-1])
        if request.gzipped:
            await request.check_gzip_header()
        return await self._route(self.main, request, path, "")

    async def _route(self, router: Router[Route], request: Request, path: str, location_prefix: str) -> Response:
        result = router.route(request.method, path)
        if isinstance(result, Match):
            route: Route = result.handle
            response = await route.fn(request, result.params)
            if route.cors and not any(name == "Access-Control-Allow-Origin" for name, _ in response.headers):
                response.headers[:0] = list(CORS_HEADERS)
            if route.counted_as is not None:
                self.gateway.own.request(route.counted_as, response.status, request.method)
            return response
        if isinstance(result, Redirect):
            return self._redirect(request, location_prefix + result.path, result.status)
        if isinstance(result, Allowed):
            if result.status == 200:
                return Response(200, b"", [("Allow", result.allow)])
            response = httpio.error(405, "Method Not Allowed")
            response.headers.insert(0, ("Allow", result.allow))
            return response
        assert isinstance(result, NotFound)
        return httpio.not_found()

    @staticmethod
    def _redirect(request: Request, path: str, status: int) -> Response:
        location = httpio.escape_path(path)
        if request.query:
            location += "?" + request.query
        return httpio.redirect(request.method, location, status)


def bad_request() -> Response:
    """Go's answer to a request line it cannot parse (the connection is closed after it)."""
    response = httpio.text(400, "400 Bad Request")
    response.close = True
    return response


def _join(prefix: str, path: str) -> str:
    """Go's path.Join(prefix, path)."""
    joined = clean_path((prefix + "/" + path) if prefix else path)
    return joined if joined == "/" else joined.rstrip("/")


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
