"""Request handlers: URL and body decoding, status codes and bodies, as the Go gateway answers."""

from __future__ import annotations

import functools
import html
import logging
import time

from bridge.errors import BodyError, NativeHistogramError, ParseError, ProtocolError
from bridge.gateway.reads.api import CORS_HEADERS, encode_json, error_body
from bridge.gateway.service import Gateway
from bridge.gateway.verdict import Refusal
from bridge.gateway.web import httpio
from bridge.gateway.web.httpio import Request, Response
from bridge.gateway.web.negotiation import Format, negotiate, response_encoding
from bridge.protocol.formats import PROTOBUF_MEDIA_TYPE, PROTOBUF_MESSAGE
from bridge.protocol.gostr import go_quote
from bridge.protocol.grouping import parse_grouping, readable_path
from bridge.protocol.model import PUSH_TIME, MetricFamily
from bridge.protocol.protobuf import decode_delimited
from bridge.protocol.prototext import render_prototext
from bridge.protocol.textparse import parse_text

log = logging.getLogger("bridge.gateway")


def _media_type(value: str) -> tuple[str, dict[str, str]] | None:
    """mime.ParseMediaType, reduced to what the push handler needs; None on a malformed value."""
    pieces = value.split(";")
    media = pieces[0].strip().lower()
    kind, sep, sub = media.partition("/")
    if not kind or not sep or not sub or any(c in media for c in ' ()<>@,:\\"[]?='):
        return None
    params: dict[str, str] = {}
    for piece in pieces[1:]:
        piece = piece.strip()
        if not piece:
            continue
        name, sep, raw = piece.partition("=")
        name = name.strip().lower()
        if not sep or not name or name in params:
            return None
        raw = raw.strip()
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        elif not raw:
            return None
        params[name] = raw
    return media, params


@functools.lru_cache(maxsize=64)  # clients send one Content-Type each; parsing it is a few µs per push
def is_protobuf(content_type: str) -> bool:
    """Whether the push handler reads the body as delimited protobuf."""
    parsed = _media_type(content_type) if content_type else None
    if parsed is None:
        return False
    media, params = parsed
    return (
        media == PROTOBUF_MEDIA_TYPE
        and params.get("encoding") == "delimited"
        and params.get("proto") == PROTOBUF_MESSAGE
    )


def parse_body(content_type: str, body: bytes, *, utf8: bool = False) -> dict[str, MetricFamily]:
    """Decode a push body as the Go gateway chooses: delimited protobuf or text 0.0.4.

    `utf8`: `--push.enable-utf8-names` (only the text parser's name rule depends on it).

    Raises:
        ProtocolError: the body cannot be parsed.

    """
    if is_protobuf(content_type):
        return decode_delimited(body)
    return parse_text(body, utf8=utf8)


def _read_past_the_end(exc: ProtocolError) -> bool:
    """Whether the parser failed for want of more bytes: Go's reader would have returned its pending error instead."""
    if isinstance(exc, ParseError):
        return exc.message == "unexpected end of input stream"
    return str(exc) == "unexpected EOF"


def _approximate_size(request: Request, body_length: int) -> int:
    size = len(request.path) + len(request.query) + len(request.method) + len("HTTP/1.1")
    for name, value in request.headers.items():
        size += len(name) + len(value)
    return size + body_length


class Handlers:
    """Every route's handler, bound to one gateway."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.config = gateway.config

    # ----------------------------------------------------------------- push/delete
    async def push(self, request: Request, params: dict[str, str], *, replace: bool, job_base64: bool) -> Response:
        started = time.perf_counter()
        response = await self._push(request, params, replace=replace, job_base64=job_base64)
        size = _approximate_size(request, len(request.raw_body or b""))
        self.gateway.own.push(request.method, size, time.perf_counter() - started)
        return response

    async def _push(self, request: Request, params: dict[str, str], *, replace: bool, job_base64: bool) -> Response:
        try:
            grouping = parse_grouping(
                params["job"], params.get("labels", ""), job_base64=job_base64, utf8=self.config.enable_utf8_names
            )
        except ProtocolError as exc:
            return httpio.error(400, str(exc))
        try:
            families = parse_body(
                request.headers.get("content-type", ""), await request.content(), utf8=self.config.enable_utf8_names
            )
            if request.pending is not None:
                raise request.pending
        except BodyError as exc:
            return httpio.error(exc.status, str(exc))
        except ProtocolError as exc:
            if request.pending is not None and _read_past_the_end(exc):
                exc = request.pending
            log.debug("failed to parse push", extra={"kv": {"source": request.client, "err": str(exc)}})
            return httpio.error(400, str(exc))
        verdict = await self.gateway.push(grouping, families, replace=replace)
        if verdict.refusal is Refusal.LIMIT:
            return httpio.error(400, verdict.message)
        if self.config.disable_consistency_check:
            return Response(202)
        if not verdict.accepted:
            log.error(
                "pushed metrics are invalid or inconsistent with existing metrics",
                extra={"kv": {"method": request.method, "source": request.client, "err": verdict.reason}},
            )
            return httpio.error(400, verdict.message)
        return Response(200)

    async def delete(self, request: Request, params: dict[str, str], *, job_base64: bool) -> Response:
        try:
            grouping = parse_grouping(
                params["job"], params.get("labels", ""), job_base64=job_base64, utf8=self.config.enable_utf8_names
            )
        except ProtocolError as exc:
            return httpio.error(400, str(exc))
        await self.gateway.delete(grouping)
        return Response(202)

    # ----------------------------------------------------------------- reads
    async def metrics(self, request: Request, params: dict[str, str]) -> Response:
        negotiated = negotiate(request.headers.get("accept", ""))
        fmt, escaping = negotiated.format, negotiated.escaping
        gzipped = response_encoding(request.headers.get("accept-encoding", "")) == "gzip"
        headers = [("Content-Type", negotiated.content_type)]
        if gzipped:
            headers.append(("Content-Encoding", "gzip"))
        if fmt is Format.TEXT:
            if gzipped:
                return Response(200, self.gateway.metrics_text_gzip(escaping), headers)
            body = self.gateway.metrics_text(escaping)
        elif fmt is Format.PROTO_DELIM:
            body = self.gateway.metrics_protobuf(escaping)
        else:
            body = render_prototext(self.gateway.metrics_families(escaping), compact=fmt is Format.PROTO_COMPACT)
        return Response(200, httpio.gzip_bytes(body) if gzipped else body, headers)

    async def healthy(self, request: Request, params: dict[str, str]) -> Response:
        if self.gateway.healthy_error:
            return httpio.error(500, self.gateway.healthy_error)
        return httpio.text(200, "OK")

    async def quit(self, request: Request, params: dict[str, str]) -> Response:
        if not self.config.enable_lifecycle:
            return httpio.text(403, "Lifecycle API is not enabled.")
        log.warning("received termination request via web service, exiting gracefully...")
        self.gateway.quit.set()
        return httpio.text(200, "Requesting termination... Goodbye!")

    async def quit_get(self, request: Request, params: dict[str, str]) -> Response:
        return httpio.text(405, "Only POST or PUT requests allowed.")

    async def static(self, request: Request, params: dict[str, str]) -> Response:
        return httpio.not_found()

    async def pprof(self, request: Request, params: dict[str, str]) -> Response:
        return httpio.error(404, "pprof is a Go runtime feature; this gateway has none")

    async def status_page(self, request: Request, params: dict[str, str]) -> Response:
        prefix = self.config.prefix
        rows = []
        for group in self.gateway.groups():
            labels = ", ".join(f"{html.escape(n)}={html.escape(v)}" for n, v in sorted(group.labels.items()))
            pushed = group.timestamp_value(PUSH_TIME) or 0.0
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(pushed)) if pushed else "never"
            state = "ok" if group.last_push_successful else "last push failed"
            rows.append(f"<tr><td>{labels}</td><td>{len(group.families)}</td><td>{when}</td><td>{state}</td></tr>")
        body = (
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Pushgateway</title></head><body>"
            f"<h1>Pushgateway (pgw-bridge)</h1><p>{len(rows)} groups. "
            f"<a href='{prefix}{self.config.telemetry_path}'>metrics</a> · "
            f"<a href='{prefix}/api/v1/metrics'>API</a>. For triage and deletes, use <code>pgwtui</code>.</p>"
            "<table border='1'><tr><th>grouping key</th><th>families</th><th>last push</th><th>status</th></tr>"
            + "".join(rows)
            + "</table></body></html>"
        )
        return httpio.text(200, body, content_type="text/html; charset=utf-8")

    # ----------------------------------------------------------------- api/v1
    async def api_metrics(self, request: Request, params: dict[str, str]) -> Response:
        try:
            return _json(self.gateway.api_metrics())
        except NativeHistogramError as exc:
            # 1.11.0 drops the connection here (a panic); a correct 1.11 answers its internal error.
            return _json(error_body("internal", str(exc)), status=500)

    async def api_status(self, request: Request, params: dict[str, str]) -> Response:
        return _json(self.gateway.api_status())

    async def api_options(self, request: Request, params: dict[str, str]) -> Response:
        return Response(200, b"", list(CORS_HEADERS))

    # ----------------------------------------------------------------- extensions
    async def extensions(self, request: Request, params: dict[str, str]) -> Response:
        """Extension discovery: what this gateway offers beyond the Go one."""
        config = self.config
        data = {
            "implementation": "pgw-bridge",
            "version": self.gateway.build_info["version"],
            "family_delete": True,
            "group_ttl": {
                "default_seconds": config.group_ttl,
                "rules": [{"job": r.pattern, "seconds": r.seconds} for r in config.ttl_rules],
            },
            "roles": self.gateway.roles_enabled,
            "persistence": bool(config.persistence_file),
            "storage": self.gateway.storage_status(),
        }
        return _json(encode_json({"status": "success", "data": data}))

    async def delete_family(self, request: Request, params: dict[str, str], *, job_base64: bool) -> Response:
        """Extension: delete one family of one group; push_time_seconds stays as it was."""
        name = params["family"]
        try:
            grouping = parse_grouping(
                params["job"], params.get("labels", ""), job_base64=job_base64, utf8=self.config.enable_utf8_names
            )
        except ProtocolError as exc:
            return httpio.error(400, str(exc))
        if name == "":
            return httpio.error(400, f"invalid metric family name {go_quote(name)}")
        try:
            deleted = await self.gateway.delete_family(grouping, name)
        except ValueError as exc:
            return httpio.error(400, str(exc))
        if not deleted:
            return httpio.error(404, f"no family {go_quote(name)} in group {go_quote(readable_path(grouping))}")
        return Response(202, b"", list(CORS_HEADERS))

    async def wipe(self, request: Request, params: dict[str, str]) -> Response:
        count = await self.gateway.wipe()
        log.debug("wiped metric store", extra={"kv": {"groups": count}})
        return Response(202)


def _json(body: bytes, status: int = 200) -> Response:
    return Response(status, body, [*CORS_HEADERS, ("Content-Type", "application/json")])
