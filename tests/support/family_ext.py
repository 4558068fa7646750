"""A test stand-in for the gateway's family-delete extension (same contract), until it lands on main.

`GET /api/v1/extensions` and `DELETE /api/v1/extensions/family/<FAMILY>/job@base64/<b64>{/<l>@base64/<b64>}`
answer as the extension's contract says: 202 deleted, 404 group or family not found, 400 bad
key or a timestamp family. It calls `Gateway.delete_family`, which already exists in the core.
"""

from __future__ import annotations

import json

from bridge.errors import ProtocolError
from bridge.gateway import http
from bridge.gateway.app import GatewayApp, Route
from bridge.gateway.http import Request, Response
from bridge.protocol.grouping import parse_grouping

EXTENSIONS_BODY = {
    "status": "success",
    "data": {
        "implementation": "pgw-bridge",
        "version": "test-shim",
        "family_delete": True,
        "group_ttl": {},
        "roles": False,
    },
}


def install_family_delete(app: GatewayApp) -> GatewayApp:
    """Register the two extension routes on `app` (in place) and return it."""
    gateway = app.gateway

    async def extensions(request: Request, params: dict[str, str]) -> Response:
        return Response(200, json.dumps(EXTENSIONS_BODY).encode(), [("Content-Type", "application/json")])

    async def delete_family(request: Request, params: dict[str, str]) -> Response:
        try:
            grouping = parse_grouping(params["job"], params.get("labels", ""), job_base64=True)
        except ProtocolError as exc:
            return http.error(400, str(exc))
        try:
            found = await gateway.delete_family(grouping, params["family"])
        except ValueError as exc:
            return http.error(400, str(exc))
        return Response(202) if found else http.error(404, "group or family not found")

    app.add_api_route("GET", "/extensions", Route(extensions, None))
    for path in ("/extensions/family/:family/job@base64/:job/*labels", "/extensions/family/:family/job@base64/:job"):
        app.add_api_route("DELETE", path, Route(delete_family, None))
    return app


def require_basic_auth(app: GatewayApp, user: str, password: str) -> GatewayApp:
    """Make `app` answer 401 to any request without these basic-auth credentials (in place)."""
    import base64

    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    async def check(request: Request) -> Response | None:
        if request.headers.get("authorization") == expected:
            return None
        response = http.error(401, "Unauthorized")
        response.headers.append(("WWW-Authenticate", 'Basic realm="pgw"'))
        return response

    app.middleware.append(check)
    return app
