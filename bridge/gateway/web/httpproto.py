"""uvicorn's httptools protocol with Go's request-head rules: 431 past Go's limit, and request targets of any length up to it.

Go's `net/http` reads a request line and headers of up to `DefaultMaxHeaderBytes` (1 MiB) plus
4096 bytes of slack, counting the blank line that ends them; one byte more and it answers 431
and closes the connection. uvicorn sets no limit at all, and its URL parser (httptools'
`parse_url`, whose offsets are 16-bit) refuses any target over 64 KiB with a 400 "Invalid HTTP
request received.", so a 1 MB `/metrics/job/…` URL that Go serves (405) failed here. This
protocol counts the head's bytes as they arrive (one `bytes.find` per chunk while a head is
incomplete; nothing once it is) and splits long targets itself.
"""

from __future__ import annotations

import urllib.parse

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = (1 << 20) + 4096
"""Go's http.Server read limit for a request head (DefaultMaxHeaderBytes + 4096), the final CRLFCRLF included."""
HEAD_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Connection: close\r\n\r\n"
    b"431 Request Header Fields Too Large"
)
"""Go's answer, byte for byte (no Date, no Content-Length: the connection is closed after it)."""
_PARSE_URL_MAX = 0xFFFF
"""The longest target httptools.parse_url splits; longer ones are split here."""
_END_OF_HEAD = b"\r\n\r\n"


class GoHeadLimitsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol plus Go's 431 and long request targets (chosen with uvicorn's `http=` option)."""

    _head_bytes: int = 0
    """Bytes of the current request head received so far; -1 once its headers are complete."""
    _tail: bytes = b""
    """The last bytes of the previous chunk, in case `\\r\\n\\r\\n` straddles two chunks."""

    def data_received(self, data: bytes) -> None:
        if self._head_bytes >= 0 and not self._head_fits(data):
            self.transport.write(HEAD_TOO_LARGE)
            self.transport.close()
            return
        super().data_received(data)

    def _head_fits(self, data: bytes) -> bool:
        seen = self._head_bytes
        window = self._tail + data
        end = window.find(_END_OF_HEAD)
        if end < 0:
            self._head_bytes = seen + len(data)
            self._tail = window[-3:]
            return self._head_bytes <= MAX_HEAD_BYTES
        # The head ends in this chunk; what follows is a body or the next request (not counted).
        self._tail = b""
        return seen + end + len(_END_OF_HEAD) - (len(window) - len(data)) <= MAX_HEAD_BYTES

    def on_headers_complete(self) -> None:
        self._head_bytes = -1
        url = self.url
        if len(url) <= _PARSE_URL_MAX:
            super().on_headers_complete()
            return
        # parse_url cannot split it: give uvicorn a short target, then put the real one in the
        # scope (the ASGI task only starts once this callback returns).
        self.url = b"/"
        super().on_headers_complete()
        self.url = url
        raw_path, _, query = url.partition(b"#")[0].partition(b"?")
        path = raw_path.decode("latin-1")
        self.scope["raw_path"] = self.root_path.encode("ascii") + raw_path
        self.scope["path"] = self.root_path + (urllib.parse.unquote(path) if "%" in path else path)
        self.scope["query_string"] = query

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._head_bytes = 0
