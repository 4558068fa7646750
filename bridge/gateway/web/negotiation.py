"""Content negotiation for scrapes, as expfmt.Negotiate (goautoneg) and promhttp decide it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

PROTO_TYPE = "application/vnd.google.protobuf"
PROTO_PROTOCOL = "io.prometheus.client.MetricFamily"


class Format(Enum):
    """The scrape formats the Go gateway offers."""

    TEXT = "text/plain; version=0.0.4; charset=utf-8"
    PROTO_DELIM = f"{PROTO_TYPE}; proto={PROTO_PROTOCOL}; encoding=delimited"
    PROTO_TEXT = f"{PROTO_TYPE}; proto={PROTO_PROTOCOL}; encoding=text"
    PROTO_COMPACT = f"{PROTO_TYPE}; proto={PROTO_PROTOCOL}; encoding=compact-text"


@dataclass(slots=True)
class _Accept:
    type: str
    subtype: str
    q: float = 1.0
    params: dict[str, str] = field(default_factory=dict)


def _parse_accept(header: str) -> list[_Accept]:
    accepts: list[_Accept] = []
    for part in header.split(","):
        pieces = part.strip(" ").split(";")
        media = pieces[0].split("/")
        mtype = media[0].strip(" ")
        if len(media) == 1 and mtype == "*":
            subtype = "*"
        elif len(media) == 2:
            subtype = media[1].strip(" ")
        else:
            continue
        accept = _Accept(mtype, subtype)
        for param in pieces[1:]:
            name, sep, value = param.partition("=")
            if not sep:
                continue
            token = name.strip(" ")
            if token == "q":
                try:
                    accept.q = float(value)
                except ValueError:
                    accept.q = 0.0
            else:
                accept.params[token] = value.strip(" ")
        accepts.append(accept)
    accepts.sort(key=lambda a: (-a.q, a.type == "*", a.subtype == "*"))
    return accepts


def negotiate(accept_header: str) -> Format:
    """The scrape format for an `Accept` header (text 0.0.4 unless protobuf is asked for)."""
    for accept in _parse_accept(accept_header):
        if f"{accept.type}/{accept.subtype}" == PROTO_TYPE and accept.params.get("proto") == PROTO_PROTOCOL:
            encoding = accept.params.get("encoding")
            if encoding == "delimited":
                return Format.PROTO_DELIM
            if encoding == "text":
                return Format.PROTO_TEXT
            if encoding == "compact-text":
                return Format.PROTO_COMPACT
        if accept.type == "text" and accept.subtype == "plain" and accept.params.get("version", "") in ("0.0.4", ""):
            return Format.TEXT
    return Format.TEXT


def gzip_accepted(accept_encoding: str) -> bool:
    """Promhttp's gzipAccepted: a `gzip` or `gzip;...` element in Accept-Encoding."""
    for part in accept_encoding.split(","):
        part = part.strip()
        if part == "gzip" or part.startswith("gzip;"):
            return True
    return False
