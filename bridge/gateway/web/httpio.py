"""HTTP primitives over ASGI: requests with Go's path decoding, responses with Go's default headers."""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from bridge.asgi import Receive, Scope, Send
from bridge.errors import BodyError, MalformedRequest
from bridge.gateway.web import snappyframe

TEXT_PLAIN = "text/plain; charset=utf-8"
_HEX = frozenset(b"0123456789abcdefABCDEF")
_CONTROL = re.compile(rb"[\x00-\x1f\x7f]")
_UNRESERVED = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~$&+,/:;=@")
_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"})


def decode_path(raw: bytes) -> str:
    """Percent-decode a request path like Go's url.ParseRequestURI; bytes that are not UTF-8 survive as surrogate escapes.

    Raises:
        MalformedRequest: a bad `%` escape or a control character.

    """
    if b"%" not in raw:
        if _CONTROL.search(raw):
            raise MalformedRequest("invalid control character in URL")
        return raw.decode("utf-8", "surrogateescape")
    out = bytearray()
    i = 0
    size = len(raw)
    while i < size:
        byte = raw[i]
        if byte == 0x25:
            if i + 2 >= size or raw[i + 1] not in _HEX or raw[i + 2] not in _HEX:
                raise MalformedRequest("invalid URL escape")
            out.append(int(raw[i + 1 : i + 3], 16))
            i += 3
            continue
        if byte < 0x20 or byte == 0x7F:
            raise MalformedRequest("invalid control character in URL")
        out.append(byte)
        i += 1
    return bytes(out).decode("utf-8", "surrogateescape")


def escape_path(path: str) -> str:
    """Go's `url.URL.EscapedPath` for a path without a valid RawPath (encodePath mode)."""
    raw = path.encode("utf-8", "surrogateescape")
    if all(b in _UNRESERVED for b in raw):
        return path
    return "".join(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in raw)


@dataclass(slots=True)
class Request:
    """One HTTP request; the body is read on demand, at most `max_body` bytes.

    `headers` holds the first value of each header, except Accept-Encoding: promhttp reads every
    line of it, so repeated lines are kept, joined by newlines (which no header value contains).
    """

    method: str
    path: str
    query: str
    headers: dict[str, str]
    receive: Receive | None = None
    client: str = ""
    scheme: str = "http"
    raw_body: bytes | None = None
    user: str | None = None
    max_body: int = 0
    pending: BodyError | None = None
    """After `content()`: the error a snappy body's reader returns once its decoded bytes are read (Go's lazy reader)."""
    _decoded: bytes | None = field(default=None, repr=False)

    @classmethod
    def from_scope(cls, scope: Scope, receive: Receive, max_body: int) -> Request:
        """Build from an ASGI HTTP scope.

        Raises:
            MalformedRequest: the path cannot be decoded as Go would.

        """
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        return cls.from_head(
            scope["method"],
            raw_path,
            scope.get("query_string", b""),
            scope["headers"],
            scope.get("client"),
            scope.get("scheme", "http"),
            receive,
            max_body,
        )

    @classmethod
    def from_head(
        cls,
        method: str,
        raw_path: bytes,
        query: bytes,
        raw_headers: Iterable[tuple[bytes, bytes]],
        client: tuple[str, int] | None,
        scheme: str,
        receive: Receive,
        max_body: int,
    ) -> Request:
        """Build from a parsed request head (what an ASGI scope carries, without the scope).

        Raises:
            MalformedRequest: the path cannot be decoded as Go would.

        """
        headers: dict[str, str] = {}
        for name, value in raw_headers:
            key = name.decode("latin-1").lower()
            if key not in headers:
                headers[key] = value.decode("latin-1")
            elif key == "accept-encoding":
                headers[key] += "\n" + value.decode("latin-1")
        return cls(
            method=method,
            path=decode_path(raw_path),
            query=query.decode("latin-1"),
            headers=headers,
            receive=receive,
            client=f"{client[0]}:{client[1]}" if client else "",
            scheme=scheme,
            max_body=max_body,
        )

    async def body(self) -> bytes:
        """The raw body as sent.

        Raises:
            BodyError: 413 when it exceeds the configured maximum.

        """
        if self.raw_body is not None:
            return self.raw_body
        chunks: list[bytes] = []
        size = 0
        limit = self.max_body
        if self.receive is not None:
            declared = self.headers.get("content-length", "")
            if limit and declared.isdigit() and int(declared) > limit:
                raise BodyError(f"request body larger than the limit of {limit} bytes", 413)
            while True:
                message = await self.receive()
                if message["type"] != "http.request":
                    break
                chunk = message.get("body", b"")
                size += len(chunk)
                if limit and size > limit:
                    raise BodyError(f"request body larger than the limit of {limit} bytes", 413)
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
        self.raw_body = b"".join(chunks)
        return self.raw_body

    @property
    def gzipped(self) -> bool:
        """`Content-Encoding: gzip`, matched case-insensitively (as the Go gateway does since 1.6)."""
        return self.headers.get("content-encoding", "").lower() == "gzip"

    async def check_gzip_header(self) -> None:
        """Fail like Go's gzip.NewReader does before any handler runs.

        Raises:
            BodyError: empty body (`EOF`), short header, or not gzip.

        """
        raw = await self.body()
        if not raw:
            raise BodyError("EOF")
        if len(raw) < 10:
            raise BodyError("unexpected EOF")
        if raw[0] != 0x1F or raw[1] != 0x8B or raw[2] != 8:
            raise BodyError("gzip: invalid header")

    async def content(self) -> bytes:
        """The body with a gzip or snappy content encoding removed (matched case-insensitively, as Go ≥ 1.6).

        A snappy body is decoded up to its first bad chunk; that chunk's error is left in
        `pending` for the parser's caller (it wins only if the parser reads that far).

        Raises:
            BodyError: corrupt gzip data, or a decompressed body over the limit.

        """
        if self._decoded is not None:
            return self._decoded
        raw = await self.body()
        encoding = self.headers.get("content-encoding", "").lower()
        if encoding == "gzip":
            self._decoded = _gunzip(raw, self.max_body)
        elif encoding == "snappy":
            decoded = snappyframe.decode(raw, self.max_body)
            self._decoded, self.pending = decoded.data, decoded.pending
        else:
            self._decoded = raw
        return self._decoded


def _gunzip(raw: bytes, limit: int) -> bytes:
    out: list[bytes] = []
    total = 0
    data = raw
    while data:
        decompressor = zlib.decompressobj(wbits=31)
        try:
            chunk = decompressor.decompress(data, limit + 1 if limit else 0)
            while decompressor.unconsumed_tail and (not limit or total + len(chunk) <= limit):
                chunk += decompressor.decompress(decompressor.unconsumed_tail, limit + 1 if limit else 0)
        except zlib.error as exc:
            raise BodyError(f"gzip: {exc}") from None
        total += len(chunk)
        if limit and total > limit:
            raise BodyError(f"decompressed request body larger than the limit of {limit} bytes", 413)
        if not decompressor.eof:
            raise BodyError("unexpected EOF")
        out.append(chunk)
        data = decompressor.unused_data
        if data and (len(data) < 10 or data[:3] != b"\x1f\x8b\x08"):
            raise BodyError("gzip: invalid header")
    return b"".join(out)


@dataclass(slots=True)
class Response:
    """An HTTP response; headers in order, names as Go writes them."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    close: bool = False

    async def send(self, send: Send, *, head: bool = False) -> None:
        """Write the response to an ASGI `send`."""
        headers = [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in self.headers]
        headers.append((b"content-length", str(len(self.body)).encode("ascii")))
        if self.close:
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else self.body})


def text(status: int, body: str | bytes, *, content_type: str = TEXT_PLAIN) -> Response:
    """A plain-text answer (Go sniffs text bodies as text/plain; charset=utf-8)."""
    data = body.encode("utf-8", "surrogateescape") if isinstance(body, str) else body
    headers = [("Content-Type", content_type)] if data else []
    return Response(status, data, headers)


def error(status: int, message: str) -> Response:
    """Go's `http.Error`: the message plus a newline, nosniff."""
    return Response(
        status,
        (message + "\n").encode("utf-8", "surrogateescape"),
        [("Content-Type", TEXT_PLAIN), ("X-Content-Type-Options", "nosniff")],
    )


def not_found() -> Response:
    """Go's `http.NotFound`."""
    return error(404, "404 page not found")


def redirect(method: str, location: str, status: int) -> Response:
    """Go's `http.Redirect` for a local path: a small HTML body for GET only."""
    headers = [("Location", location)]
    if method in ("GET", "HEAD"):
        headers.insert(0, ("Content-Type", "text/html; charset=utf-8"))
    body = b""
    if method == "GET":
        reason = {301: "Moved Permanently", 307: "Temporary Redirect"}.get(status, "Found")
        body = f'<a href="{location.translate(_HTML_ESCAPES)}">{reason}</a>.\n\n'.encode()
    return Response(status, body, headers)


def gzip_bytes(data: bytes) -> bytes:
    """Gzip at the default level, as Go's promhttp does."""
    return gzip.compress(data, compresslevel=6, mtime=0)
