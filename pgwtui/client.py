"""GatewayClient: everything pgwtui asks of a Pushgateway (Go >= 1.2 or ours), over one httpx client.

Every httpx failure is translated here, once, into `pgwtui.errors`. The transport is injectable
(`httpx.MockTransport`, `httpx.ASGITransport`) so tests and the screenshot script can talk to a
gateway in-process. Mutations refuse to send anything in read-only mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlsplit

import httpx

from bridge.protocol.formats import TEXT_CONTENT_TYPE
from bridge.protocol.grouping import GroupKey, grouping_path, is_grouping_label_name
from pgwtui.connection import Connection, Extensions, GatewayInfo
from pgwtui.errors import (
    ConfigError,
    ExtensionUnavailable,
    GatewayAuthError,
    GatewayError,
    GatewayHTTPError,
    GatewayProtocolError,
    GatewayUnreachable,
    ReadOnlyError,
    transport_reason,
)
from pgwtui.models import NOTHING, Group, decode_groups
from pgwtui.repush import body_without


class GatewayClient:
    """An async client for one gateway. Not thread-safe; use it from the app's event loop."""

    def __init__(
        self,
        connection: Connection,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        read_only: bool = False,
    ) -> None:
        self.connection = connection
        self.read_only = read_only
        parts = urlsplit(connection.url)
        self.url = connection.url.rstrip("/")
        self.prefix = parts.path.rstrip("/")
        self._http = open_client(connection, base_url=f"{parts.scheme}://{parts.netloc}", transport=transport)
        self._last = NOTHING
        """The last answer decoded: the next one reuses its unchanged groups."""
        self.utf8_names: bool | None = None
        """Whether the gateway has `--push.enable-utf8-names` (its `/api/v1/status` says); None until `info()`."""

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    # ----------------------------------------------------------------- reads
    async def fetch_groups(self) -> tuple[list[Group], int]:
        """Every group, and the number of entries whose grouping key is unreadable.

        Raises:
            GatewayError: unreachable, refused, or not a Pushgateway >= 1.2.

        """
        body = await self.fetch_groups_body()
        # A large gateway answers megabytes of JSON: parse off the UI thread.
        return await asyncio.to_thread(self.decode_groups, body)

    async def fetch_groups_body(self) -> bytes:
        """The `/api/v1/metrics` answer as it came (`decode_groups` reads it).

        Raises:
            GatewayError: unreachable or refused.

        """
        response = await self._request("GET", "/api/v1/metrics", expect=(200,), what="reading groups")
        return response.content

    def decode_groups(self, body: bytes) -> tuple[list[Group], int]:
        """Decode an answer of this gateway, only what changed since the last one; safe from any thread.

        Raises:
            GatewayProtocolError: not a Pushgateway >= 1.2 answer.

        """
        with collector_paused():
            # Two decodes at once both start from the same earlier answer: it is never changed.
            decoded = decode_groups(body, self._last)
        self._last = decoded
        return decoded.groups, decoded.unreadable

    async def info(self) -> GatewayInfo:
        """Version and extensions (a gateway without extensions answers 404, which is fine).

        Raises:
            GatewayError: unreachable or refused.

        """
        version = ""
        utf8 = False
        status = await self._request("GET", "/api/v1/status", expect=(200, 404), what="reading status")
        if status.status_code == 200:
            try:
                data = status.json()["data"]
                version = str(data["build_information"]["version"])
                utf8 = data.get("flags", {}).get("push.enable-utf8-names") == "true"
            except (ValueError, KeyError, TypeError, AttributeError):
                version = ""
        self.utf8_names = utf8
        return GatewayInfo(version, await self.extensions(), utf8_names=utf8)

    async def extensions(self) -> Extensions:
        """Ask which extensions the gateway offers (none on the Go gateway).

        Raises:
            GatewayError: unreachable or refused.

        """
        response = await self._request("GET", "/api/v1/extensions", expect=(200, 404, 405), what="probing extensions")
        if response.status_code != 200:
            return Extensions()
        try:
            data = response.json()["data"]
            storage = data.get("storage")
            storage = storage if isinstance(storage, dict) else {}
            return Extensions(
                implementation=str(data.get("implementation", "unknown")),
                version=str(data.get("version", "")),
                family_delete=data.get("family_delete") is True,
                replica=str(storage.get("replica") or ""),
                storage=str(storage.get("kind") or ""),
                storage_up=storage.get("up") is not False,
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return Extensions()

    # ----------------------------------------------------------------- writes
    def _utf8(self, key: GroupKey) -> bool:
        """Whether the URL of this key is for a gateway with UTF-8 names: as it said, else as the key shows."""
        if self.utf8_names is not None:
            return self.utf8_names
        return any(not is_grouping_label_name(name) for name, _ in key)

    def delete_path(self, key: GroupKey) -> str:
        """Return the exact DELETE path for a group, every label value `@base64`-encoded (UTF-8 names `U__`-encoded)."""
        return grouping_path(dict(key), prefix=self.prefix, utf8=self._utf8(key))

    def family_delete_path(self, key: GroupKey, family: str) -> str:
        """Return the extension's DELETE path for one family of a group."""
        tail = grouping_path(dict(key), utf8=self._utf8(key))[len("/metrics") :]
        return f"{self.prefix}/api/v1/extensions/family/{quote(family, safe='')}{tail}"

    async def delete_group(self, key: GroupKey) -> None:
        """Delete one group (the gateway applies it asynchronously; re-read to see it gone).

        Raises:
            ReadOnlyError: read-only mode.
            GatewayError: the gateway refused or could not be reached.

        """
        self._check_writable("delete a group")
        await self._request("DELETE", self.delete_path(key), expect=(200, 202), what="deleting a group", prefixed=True)

    async def delete_family(self, key: GroupKey, family: str) -> None:
        """Delete one family through the extension; `push_time_seconds` is left alone.

        Raises:
            ReadOnlyError: read-only mode.
            ExtensionUnavailable: the gateway has no family-delete extension.
            GatewayError: the gateway refused (404: group or family gone) or could not be reached.

        """
        self._check_writable("delete a family")
        response = await self._request(
            "DELETE",
            self.family_delete_path(key, family),
            expect=(200, 202, 404, 405),
            what="deleting a family",
            prefixed=True,
        )
        if response.status_code == 405:
            raise ExtensionUnavailable("this gateway has no per-family delete extension")
        if response.status_code == 404:
            message = _message(response) or "group or family not found"
            if "not found" in message and "404 page" in message:
                raise ExtensionUnavailable("this gateway has no per-family delete extension")
            raise GatewayHTTPError(404, f"nothing deleted: {message} (already gone?)", response.text)

    async def repush_without(self, group: Group, family: str) -> None:
        """Go fallback: PUT the group again without `family` (this bumps `push_time_seconds`).

        Raises:
            ReadOnlyError: read-only mode.
            RepushError: the group cannot be carried back in the text format.
            GatewayError: the gateway refused the push or could not be reached.

        """
        self._check_writable("re-push a group")
        body = body_without(group, family)
        path = grouping_path(dict(group.key), prefix=self.prefix, utf8=self._utf8(group.key))
        await self._request(
            "PUT",
            path,
            expect=(200, 202),
            what="re-pushing the group",
            prefixed=True,
            content=body,
            headers={"Content-Type": TEXT_CONTENT_TYPE},
        )

    # ----------------------------------------------------------------- plumbing
    def _check_writable(self, what: str) -> None:
        if self.read_only:
            raise ReadOnlyError(f"read-only mode: refusing to {what} (started with --read-only)")

    async def _request(
        self,
        method: str,
        path: str,
        *,
        expect: tuple[int, ...],
        what: str,
        prefixed: bool = False,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        url = path if prefixed else self.prefix + path
        try:
            response = await self._http.request(method, url, content=content, headers=headers)
        except httpx.TimeoutException:
            raise GatewayUnreachable(
                f"{self.url} did not answer within {self.connection.timeout:g}s while {what}"
            ) from None
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.NetworkError) as exc:
            raise GatewayUnreachable(f"cannot reach {self.url} while {what}: {_reason(exc)}") from None
        except httpx.HTTPError as exc:
            raise GatewayError(f"{what} failed: {_reason(exc)}") from None
        except ssl.SSLError as exc:
            raise GatewayUnreachable(f"TLS with {self.url} failed: {exc}") from None
        status = response.status_code
        if status in expect:
            return response
        if status in (401, 403):
            word = "unauthorised" if status == 401 else "forbidden"
            hint = (
                "set username/password or token (flags, PGWTUI_* env or config file)"
                if status == 401
                else "these credentials may not do this"
            )
            raise GatewayAuthError(status, f"{word} ({status}) while {what} at {self.url}: {hint}")
        if status == 404 and path == "/api/v1/metrics":
            raise GatewayProtocolError(
                f"{self.url}/api/v1/metrics answered 404: is this a Pushgateway >= 1.2 (check URL and route prefix)?"
            )
        if 300 <= status < 400:
            location = response.headers.get("location", "?")
            raise GatewayProtocolError(f"{what}: the gateway redirects to {location}; check the URL / route prefix")
        raise GatewayHTTPError(status, f"{what}: gateway answered {status}: {_message(response)}", response.text)


def open_client(
    connection: Connection,
    *,
    base_url: str,
    transport: httpx.AsyncBaseTransport | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.AsyncClient:
    """An httpx client with the connection's auth, TLS verification and timeout (no redirects followed).

    Raises:
        ConfigError: the CA file cannot be loaded.

    """
    sent = {"User-Agent": "pgwtui", **(headers or {})}
    if connection.token:
        sent["Authorization"] = f"Bearer {connection.token}"
    auth = httpx.BasicAuth(connection.username, connection.password or "") if connection.username else None
    return httpx.AsyncClient(
        base_url=base_url,
        headers=sent,
        auth=auth,
        timeout=connection.timeout,
        verify=_verify(connection),
        transport=transport,
        follow_redirects=False,
    )


def _verify(connection: Connection) -> ssl.SSLContext | bool:
    if connection.insecure:
        return False
    if connection.ca_file:
        try:
            return ssl.create_default_context(cafile=connection.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"cannot load CA file {connection.ca_file}: {exc}") from None
    return True


def _reason(exc: Exception) -> str:
    return transport_reason(exc, peer="the gateway", tls_hint="; set ca_file, or --insecure")


def _message(response: httpx.Response) -> str:
    text = response.text.strip()
    try:
        document = json.loads(text)
        if isinstance(document, dict) and isinstance(document.get("error"), str):
            return str(document["error"])
    except ValueError:
        pass
    return text.splitlines()[0][:200] if text else response.reason_phrase


class CollectorPause:
    """A process-wide pause of the cyclic garbage collector, shared by the threads that hold it.

    A read model (decoded groups, their rows) is hundreds of thousands of long-lived objects and
    no reference cycles. Left on, the collector would traverse the whole heap several times while
    it is built (hundreds of milliseconds at 50,000 groups, on whichever thread allocates next,
    the UI's included). So it is off meanwhile, and a pause that leaves many new objects ends with
    one decision about them, on the thread that ends it:

    - the first time (the first big read, at start): `gc.freeze()`. Everything alive then (the read
      model, the screens built at start) is left out of every later collection instead of being
      traversed now and again each time; the read model is still freed by reference counting when
      a later read replaces it. The price: cyclic garbage that was pending then, or that forms
      later among those objects, is never collected (measured: ~16,000 objects, ~2 MB, once, all
      from the start-up screens, none of the read model);
    - afterwards (a read that replaced most groups): one full collection.
    """

    YOUNG_LIMIT = 50_000
    """A pause that leaves more new objects than this ends with a freeze or a collection."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._resume = False
        self.frozen = False
        """Whether a big read was already set aside with `gc.freeze()` (done once per process)."""

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the collector off for the duration (nested and concurrent holds share one pause)."""
        with self._lock:
            if self._holders == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0 and self._resume:
                    if gc.get_count()[0] > self.YOUNG_LIMIT:
                        if self.frozen:
                            gc.collect()
                        else:
                            gc.freeze()
                            self.frozen = True
                    gc.enable()


_PAUSE = CollectorPause()


def collector_paused() -> contextlib.AbstractContextManager[None]:
    """Hold the garbage collector off while a read model is built (decoding, assessing): see `CollectorPause`."""
    return _PAUSE.held()
