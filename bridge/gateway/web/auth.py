"""Basic auth on every path (as exporter-toolkit does), and the opt-in push/read/admin roles."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import logging
import os
from collections import OrderedDict

import bcrypt

from bridge.errors import ConfigError
from bridge.gateway.web import httpio
from bridge.gateway.web.httpio import Request, Response
from bridge.gateway.web.webconfig import WebConfig, load_web_config

log = logging.getLogger("bridge.gateway")
_CACHE_SIZE = 1024


def required_role(method: str, path: str, prefix: str) -> str:
    """The role a request needs: `push` for writes to groups, `admin` for wipe/quit/extension deletes, else `read`."""
    if method in ("PUT", "POST", "DELETE") and path.startswith(prefix + "/metrics/job"):
        return "push"
    if path.startswith(prefix + "/api/v1/admin/") or path.startswith(prefix + "/api/v1/extensions/family/"):
        return "admin" if method != "OPTIONS" else "read"
    if path in (prefix + "/-/quit", "/-/quit") and method in ("PUT", "POST"):
        return "admin"
    return "read"


class BasicAuth:
    """Middleware: 401 without valid credentials, 403 without the role (when roles are configured)."""

    def __init__(self, config: WebConfig, path: str, prefix: str) -> None:
        self._config = config
        self._path = path
        self._prefix = prefix
        self._mtime = self._stat()
        self._verified: OrderedDict[bytes, bool] = OrderedDict()

    def _stat(self) -> float:
        try:
            return os.stat(self._path).st_mtime
        except OSError:
            return 0.0

    @property
    def enabled(self) -> bool:
        """Whether any user is configured."""
        return bool(self._config.users)

    @property
    def roles_enabled(self) -> bool:
        """Whether the roles extension is on."""
        return self._config.roles is not None

    def _reload_if_changed(self) -> None:
        mtime = self._stat()
        if mtime == self._mtime:
            return
        self._mtime = mtime
        try:
            config = load_web_config(self._path)
        except ConfigError as exc:
            log.error("web config changed but is invalid; keeping the previous one", extra={"kv": {"err": str(exc)}})
            return
        self._config = config
        self._verified.clear()
        log.info("web config reloaded", extra={"kv": {"file": self._path, "users": len(config.users)}})

    async def _check(self, user: str, password: str) -> bool:
        hashed = self._config.users.get(user)
        if hashed is None:
            return False
        key = hashlib.sha256(hashed + b"\x00" + user.encode() + b"\x00" + password.encode()).digest()
        cached = self._verified.get(key)
        if cached is not None:
            self._verified.move_to_end(key)
            return cached
        ok = await asyncio.to_thread(bcrypt.checkpw, password.encode(), hashed)
        self._verified[key] = ok
        if len(self._verified) > _CACHE_SIZE:
            self._verified.popitem(last=False)
        return ok

    async def __call__(self, request: Request) -> Response | None:
        self._reload_if_changed()
        if not self._config.users:
            return None
        user = await self._authenticate(request.headers.get("authorization", ""))
        if user is None:
            return _unauthorized()
        request.user = user
        roles = self._config.roles
        if roles is None:
            return None
        granted = roles.get(user, frozenset())
        needed = required_role(request.method, request.path, self._prefix)
        if "admin" in granted or needed in granted:
            return None
        return httpio.error(403, f"user {user!r} lacks the {needed!r} role for {request.method} {request.path}")

    async def _authenticate(self, header: str) -> str | None:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic" or not encoded:
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, sep, password = decoded.partition(":")
        if not sep:
            return None
        if not await self._check(user, password):
            return None
        return user


def _unauthorized() -> Response:
    return Response(
        401,
        b"Unauthorized\n",
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("WWW-Authenticate", "Basic"),
            ("X-Content-Type-Options", "nosniff"),
        ],
    )
