"""Test helpers that change what an in-process gateway offers: hide its extensions, demand basic auth."""

from __future__ import annotations

from bridge.gateway.web import httpio
from bridge.gateway.web.app import GatewayApp
from bridge.gateway.web.httpio import Request, Response


def without_extensions(app: GatewayApp) -> GatewayApp:
    """Make `app` look like a gateway with no extensions (as the Go one): 404 under /api/v1/extensions."""

    async def hide(request: Request) -> Response | None:
        if request.path.startswith("/api/v1/extensions"):
            return httpio.not_found()
        return None

    app.middleware.append(hide)
    return app


def require_basic_auth(app: GatewayApp, user: str, password: str) -> GatewayApp:
    """Make `app` answer 401 to any request without these basic-auth credentials (in place)."""
    import base64

    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    async def check(request: Request) -> Response | None:
        if request.headers.get("authorization") == expected:
            return None
        response = httpio.error(401, "Unauthorized")
        response.headers.append(("WWW-Authenticate", 'Basic realm="pgw"'))
        return response

    app.middleware.append(check)
    return app
