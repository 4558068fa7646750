"""Pushes to any Pushgateway over HTTP (httpx, injectable transport): auth, TLS, outcome per answer."""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx

from bridge.errors import ConfigError
from bridge.protocol.formats import TEXT_CONTENT_TYPE
from bridge.protocol.grouping import GroupKey, grouping_path, readable_path
from bridge.protocol.methods import Method
from bridge.protocol.model import MetricFamily
from bridge.push import outcome
from bridge.push.outcome import Outcome
from bridge.push.settings import HttpSettings

_MAX_MESSAGE = 4096


@dataclass(frozen=True, slots=True)
class PushRequest:
    """One push, PUT / POST / DELETE, for one grouping key.

    Attributes:
        key: the grouping key, `job` included.
        method: PUT replaces the group, POST replaces same-name families, DELETE removes the group.
        body: the text-format body (empty for DELETE).
        families: the body already parsed (fresh for this attempt), for in-process pushers.

    """

    key: GroupKey
    method: Method
    body: bytes = b""
    families: dict[str, MetricFamily] | None = field(default=None, compare=False)

    @property
    def where(self) -> str:
        """A readable form of the grouping key, for logs and `.error` files."""
        return readable_path(self.key)


class Pusher(Protocol):
    """Delivers pushes somewhere; never raises for a failed push, it returns the outcome."""

    target: str
    """What the pushes go to (a URL, or `embedded`), for logs, `.error` files and mirror state."""

    async def push(self, request: PushRequest) -> Outcome: ...

    async def aclose(self) -> None: ...


def _ssl_context(settings: HttpSettings) -> ssl.SSLContext | bool:
    if settings.insecure_skip_verify and not settings.cert_file:
        return False
    try:
        context = ssl.create_default_context(cafile=settings.ca_file or None)
        if settings.insecure_skip_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if settings.cert_file:
            context.load_cert_chain(settings.cert_file, settings.key_file or None)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"cannot load TLS files: {exc}") from None
    return context


def build_client(settings: HttpSettings, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """Build an httpx client for the settings (auth, TLS, timeouts).

    Raises:
        ConfigError: conflicting auth options, a half-given basic auth, or unreadable TLS files.

    """
    if not settings.url.startswith(("http://", "https://")):
        raise ConfigError(f"--gateway wants an http:// or https:// URL, got {settings.url!r}")
    if settings.bearer_token and (settings.username or settings.password):
        raise ConfigError("choose basic auth or a bearer token, not both")
    if (settings.username is None) != (settings.password is None):
        raise ConfigError("basic auth needs both a user and a password")
    if settings.key_file and not settings.cert_file:
        raise ConfigError("a TLS key file needs its certificate file")
    auth: httpx.Auth | None = None
    headers = {"User-Agent": "pgw-bridge"}
    if settings.username is not None and settings.password is not None:
        auth = httpx.BasicAuth(settings.username, settings.password)
    if settings.bearer_token:
        headers["Authorization"] = f"Bearer {settings.bearer_token}"
    return httpx.AsyncClient(
        auth=auth,
        headers=headers,
        verify=_ssl_context(settings),
        timeout=httpx.Timeout(settings.timeout),
        follow_redirects=True,
        transport=transport,
    )


def redact(url: str) -> str:
    """Drop the `user:password@` part of a URL, for logs and `.error` files."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


class HttpPusher:
    """Pushes to a remote Pushgateway (the Go one or ours), every grouping value `@base64`-encoded.

    Args:
        settings: URL, auth, TLS and timeout.
        transport: an httpx transport to use instead of the network (tests inject `MockTransport`).

    """

    def __init__(self, settings: HttpSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._client = build_client(settings, transport)
        self._base = settings.url.rstrip("/")
        self._utf8 = settings.utf8_names
        self.target = redact(self._base)

    async def push(self, request: PushRequest) -> Outcome:
        """Send one push; transport errors and timeouts come back as transient outcomes."""
        url = self._base + grouping_path(request.key, utf8=self._utf8)
        try:
            if request.method is Method.DELETE:
                response = await self._client.delete(url)
            else:
                response = await self._client.request(
                    request.method.value, url, content=request.body, headers={"Content-Type": TEXT_CONTENT_TYPE}
                )
        except httpx.TimeoutException as exc:
            return outcome.no_answer(f"timeout: {type(exc).__name__} {exc}".strip())
        except httpx.TransportError as exc:
            return outcome.no_answer(f"{type(exc).__name__}: {exc}")
        text = response.text[:_MAX_MESSAGE]
        return outcome.from_answer(
            response.status_code, text, retry_after=response.headers.get("retry-after"), now=time.time()
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()
