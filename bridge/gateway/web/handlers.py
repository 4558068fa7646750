"""Request handlers: URL and body decoding, status codes and bodies, as the Go gateway answers."""

from __future__ import annotations

import html
import logging
import time

from bridge.errors import BodyError, ProtocolError
from bridge.gateway.reads.api import CORS_HEADERS, encode_json
from bridge.gateway.service import Gateway
from bridge.gateway.store.family_checks import is_metric_name
from bridge.gateway.verdict import Refusal
from bridge.gateway.web import httpio
from bridge.gateway.web.httpio import Request, Response
from bridge.gateway.web.negotiation import Format, gzip_accepted, negotiate
from bridge.protocol.gostr import go_quote
from bridge.protocol.grouping import parse_grouping, readable_path
from bridge.protocol.model import PUSH_TIME, MetricFamily
from bridge.protocol.protobuf import decode_delimited
from bridge.protocol.prototext import render_prototext
from bridge.protocol.textparse import parse_text

log = logging.getLogger("bridge.gateway")

_PROTO_TYPE = "application/vnd.google.protobuf"
_PROTO_NAME = "io.prometheus.client.MetricFamily"


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


def is_protobuf(content_type: str) -> bool:
    """Whether the push handler reads the body as delimited protobuf."""
    parsed = _media_type(content_type) if content_type else None
    if parsed is None:
        return False
    media, params = parsed
    return media == _PROTO_TYPE and params.get("encoding") == "delimited" and params.get("proto") == _PROTO_NAME


def parse_body(content_type: str, body: bytes) -> dict[str, MetricFamily]:
    """Decode a push body as the Go gateway chooses: delimited protobuf or text 0.0.4.

    Raises:
        ProtocolError: the body cannot be parsed.

    """
    if is_protobuf(content_type):
        return decode_delimited(body)
    return parse_text(body)


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
            grouping = parse_grouping(params["job"], params.get("labels", ""), job_base64=job_base64)
        except ProtocolError as exc:
            return httpio.error(400, str(exc))
        try:
            families = parse_body(request.headers.get("content-type", ""), await request.content())
        except BodyError as exc:
            return httpio.error(exc.status, str(exc))
        except ProtocolError as exc:
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
            grouping = parse_grouping(params["job"], params.get("labels", ""), job_base64=job_base64)
        except ProtocolError as exc:
            return httpio.error(400, str(exc))
        await self.gateway.delete(grouping)
        return Response(202)

    # ----------------------------------------------------------------- reads
    async def metrics(self, request: Request, params: dict[str, str]) -> Response:
        fmt = negotiate(request.headers.get("accept", ""))
        gzipped = gzip_accepted(request.headers.get("accept-encoding", ""))
        headers = [("Content-Type", fmt.value)]
        if gzipped:
            headers.append(("Content-Encoding", "gzip"))
        if fmt is Format.TEXT:
            if gzipped:
                return Response(200, self.gateway.metrics_text_gzip(), headers)
            body = self.gateway.metrics_text()
        elif fmt is Format.PROTO_DELIM:
            body = self.gateway.metrics_protobuf()
        else:
            body = render_prototext(self.gateway.metrics_families(), compact=fmt is Format.PROTO_COMPACT)
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
            labels = ", ".join(f"{n}={html.escape(v)}" for n, v in sorted(group.labels.items()))
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
        return _json(self.gateway.api_metrics())

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
            grouping = parse_grouping(params["job"], params.get("labels", ""), job_base64=job_base64)
        except ProtocolError as exc:
            return httpio.error(400, str(exc))
        if not is_metric_name(name):
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


def _json(body: bytes) -> Response:
    return Response(200, body, [*CORS_HEADERS, ("Content-Type", "application/json")])
