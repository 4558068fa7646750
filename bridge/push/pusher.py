"""Pushes to any Pushgateway over HTTP (httpx, injectable transport): auth, TLS, outcome per answer.

A push whose connection closes without an answer is sent once more on a fresh connection (a
stale keep-alive connection fails that way too); if that one also gets none, the gateway's
`/api/v1/metrics` says whether it recorded a failed push for the group (Pushgateway 1.11.0's
way of rejecting one). That costs one extra push and one GET of the whole API, only then.
"""

from __future__ import annotations

import logging
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
from bridge.push.lastpush import API_PATH, find_last_push
from bridge.push.outcome import Outcome
from bridge.push.settings import HttpSettings

log = logging.getLogger("bridge.spool")

_MAX_MESSAGE = 4096
_CLOSED = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
"""The connection was up and broke before an answer came: closed (or reset) by the peer or a proxy."""


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


def build_client(
    settings: HttpSettings, transport: httpx.AsyncBaseTransport | None = None, *, keepalive: bool = True
) -> httpx.AsyncClient:
    """Build an httpx client for the settings (auth, TLS, timeouts); `keepalive=False` opens a connection per request.

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
        limits=httpx.Limits() if keepalive else httpx.Limits(max_keepalive_connections=0),
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

    A PUT or POST whose connection closes without an answer, again on a fresh connection, is
    rejected only if the gateway's API then shows a failed push for its group no older than the
    attempt (`outcome.dropped`); otherwise, or if the API cannot be read, it stays transient.

    Args:
        settings: URL, auth, TLS and timeout.
        transport: an httpx transport to use instead of the network (tests inject `MockTransport`).

    """

    def __init__(self, settings: HttpSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._client = build_client(settings, transport)
        # Never reuses a connection: the retry after a closed one, and the question to the API.
        self._fresh = build_client(settings, transport, keepalive=False)
        self._base = settings.url.rstrip("/")
        self._utf8 = settings.utf8_names
        self.target = redact(self._base)

    async def push(self, request: PushRequest) -> Outcome:
        """Send one push; transport errors and timeouts come back as transient outcomes, never raised."""
        url = self._base + grouping_path(request.key, utf8=self._utf8)
        try:
            return _judge(await self._send(self._client, request, url))
        except httpx.TimeoutException as exc:
            return _timeout(exc)
        except _CLOSED as exc:
            # httpx never retries; a closed keep-alive connection is worth one more try at once.
            log.debug(
                "connection closed without an answer, sending again on a new one",
                extra={"kv": {"group": request.where, "err": _describe(exc)}},
            )
        except httpx.TransportError as exc:
            return outcome.no_answer(_describe(exc))
        sent_at = time.time()
        try:
            return _judge(await self._send(self._fresh, request, url))
        except httpx.TimeoutException as exc:
            return _timeout(exc)
        except _CLOSED as exc:
            if request.method is Method.DELETE:
                return outcome.no_answer(_describe(exc))
            return await self._ask_after_close(request, _describe(exc), sent_at)
        except httpx.TransportError as exc:
            return outcome.no_answer(_describe(exc))

    async def _send(self, client: httpx.AsyncClient, request: PushRequest, url: str) -> httpx.Response:
        if request.method is Method.DELETE:
            return await client.delete(url)
        return await client.request(
            request.method.value, url, content=request.body, headers={"Content-Type": TEXT_CONTENT_TYPE}
        )

    async def _ask_after_close(self, request: PushRequest, error: str, sent_at: float) -> Outcome:
        """Whether the gateway recorded a failed push for this group since `sent_at` (the closed push's rejection)."""
        try:
            async with self._fresh.stream("GET", self._base + API_PATH) as response:
                answered_at = time.time()  # at the headers: the Date was read before, however long the body
                await response.aread()
        except httpx.TransportError as exc:
            return outcome.dropped_unverified(error, _describe(exc), unreachable=True)
        if response.status_code != 200:
            return outcome.dropped_unverified(
                error, f"GET {API_PATH} answered {response.status_code}", unreachable=False
            )
        try:
            document = response.json()
        except ValueError:
            return outcome.dropped_unverified(
                error, f"GET {API_PATH} answered something other than JSON", unreachable=False
            )
        try:
            group = find_last_push(document, request.key)
        except ValueError as exc:
            return outcome.dropped_unverified(error, str(exc), unreachable=False)
        gateway_date = outcome.parse_http_date(response.headers.get("date"))
        return outcome.dropped(error, group, sent_at=sent_at, answered_at=answered_at, gateway_date=gateway_date)

    async def aclose(self) -> None:
        """Close the connection pools."""
        await self._client.aclose()
        await self._fresh.aclose()


def _judge(response: httpx.Response) -> Outcome:
    text = response.text[:_MAX_MESSAGE]
    return outcome.from_answer(
        response.status_code, text, retry_after=response.headers.get("retry-after"), now=time.time()
    )


def _describe(exc: httpx.TransportError) -> str:
    return f"{type(exc).__name__}: {exc}"


def _timeout(exc: httpx.TimeoutException) -> Outcome:
    return outcome.no_answer(f"timeout: {type(exc).__name__} {exc}".strip())
