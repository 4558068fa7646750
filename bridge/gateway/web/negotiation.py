"""Content negotiation for scrapes, as expfmt.Negotiate (goautoneg) and promhttp (gddo's NegotiateContentEncoding) decide it."""

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


_SPACE = " \t\r\n"
_TOKEN_OR_SLASH = frozenset("!#$%&'*+-.^_`|~/0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_OFFERED_ENCODINGS = ("identity", "gzip")
"""What promhttp offers, in its order (ties go to the earlier); zstd went with client_golang 1.21 (Pushgateway 1.11.1)."""


def _quality(text: str) -> tuple[float, str]:
    """Gddo's expectQuality: `0` or `1`, then optional decimals (so `1.5` is 1.5); -1 for anything else."""
    if not text or text[0] not in "01":
        return -1.0, ""
    q, text = float(text[0]), text[1:]
    if not text.startswith("."):
        return q, text
    text = text[1:]
    digits = len(text) - len(text.lstrip("0123456789"))
    if digits:
        q += int(text[:digits]) / 10**digits
    return q, text[digits:]


def _encoding_specs(lines: str) -> list[tuple[str, float]]:
    """Gddo's ParseAccept over every Accept-Encoding line (newline-separated): (token, q) pairs.

    Tokens are case-sensitive; the only parameter allowed is `q`, and anything unexpected drops
    the element and the rest of its line.
    """
    specs: list[tuple[str, float]] = []
    for line in lines.split("\n"):
        rest = line
        while True:
            length = len(rest)
            end = 0
            while end < length and rest[end] in _TOKEN_OR_SLASH:
                end += 1
            if end == 0:
                break
            value, rest = rest[:end], rest[end:].lstrip(_SPACE)
            q = 1.0
            if rest.startswith(";"):
                rest = rest[1:].lstrip(_SPACE)
                if not rest.startswith("q="):
                    break
                q, rest = _quality(rest[2:])
                if q < 0:
                    break
            specs.append((value, q))
            rest = rest.lstrip(_SPACE)
            if not rest.startswith(","):
                break
            rest = rest[1:].lstrip(_SPACE)
    return specs


def response_encoding(accept_encoding: str) -> str:
    """The scrape's content coding, `gzip` or `identity`, as promhttp negotiates it from Accept-Encoding (lines joined by newlines).

    The best q wins, ties going to the earlier offer (identity), so `gzip, identity` is answered
    uncompressed; a best q of 0 (`gzip;q=0`) means nothing acceptable, which promhttp answers
    uncompressed too.
    """
    if not accept_encoding:
        return "identity"
    best, best_q = "identity", -1.0
    specs = _encoding_specs(accept_encoding)
    for offer in _OFFERED_ENCODINGS:
        for value, q in specs:
            if q > best_q and value in ("*", offer):
                best, best_q = offer, q
    return "identity" if best_q == 0 else best
