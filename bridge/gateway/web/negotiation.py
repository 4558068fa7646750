"""Content negotiation for scrapes, as expfmt.Negotiate (munnerz/goautoneg) and promhttp (gddo's NegotiateContentEncoding) decide it."""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass, field
from enum import Enum

from bridge.protocol.formats import (
    ESCAPING_PARAMETER,
    PROTOBUF_COMPACT_CONTENT_TYPE,
    PROTOBUF_DELIMITED_CONTENT_TYPE,
    PROTOBUF_MEDIA_TYPE,
    PROTOBUF_MESSAGE,
    PROTOBUF_TEXT_CONTENT_TYPE,
    TEXT_CONTENT_TYPE,
    with_escaping,
)
from bridge.protocol.names import DEFAULT_ESCAPING, Escaping

_ESCAPINGS = {e.value: e for e in Escaping}


class Format(Enum):
    """The scrape formats the Go gateway offers (each answered with an `escaping=` term)."""

    TEXT = TEXT_CONTENT_TYPE
    PROTO_DELIM = PROTOBUF_DELIMITED_CONTENT_TYPE
    PROTO_TEXT = PROTOBUF_TEXT_CONTENT_TYPE
    PROTO_COMPACT = PROTOBUF_COMPACT_CONTENT_TYPE


@dataclass(frozen=True, slots=True)
class Negotiated:
    """What a scrape gets: a format, and how it writes names that are not legacy-valid."""

    format: Format
    escaping: Escaping = DEFAULT_ESCAPING

    @property
    def content_type(self) -> str:
        """The Content-Type 1.11 answers with, e.g. `…; charset=utf-8; escaping=underscores`."""
        return with_escaping(self.format.value, self.escaping)


@dataclass(slots=True)
class _Accept:
    type: str
    subtype: str
    q: float = 1.0
    params: dict[str, str] = field(default_factory=dict)


_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_HEX = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+\Z")
_SPECIAL = re.compile(r"(?i)[+-]?(?:inf|infinity)\Z|nan\Z")


def _q(text: str) -> float:
    """`strconv.ParseFloat(text, 32)`, errors ignored as goautoneg ignores them: 0, or ±Inf when out of range."""
    if _DECIMAL.match(text):
        value = float(text)
    elif _HEX.match(text):
        value = float.fromhex(text)
    elif _SPECIAL.match(text):
        value = float(text)
    else:
        return 0.0
    if math.isnan(value) or math.isinf(value):
        return value
    try:
        return float(struct.unpack("f", struct.pack("f", value))[0])
    except OverflowError:
        return math.copysign(math.inf, value)


def _less(a: _Accept, b: _Accept) -> bool:
    """Goautoneg's acceptSlice.Less, not a strict order (a lower q can sort first against a wildcard)."""
    if a.q > b.q:
        return True
    if a.type != "*" and b.type == "*":
        return True
    return a.subtype != "*" and b.subtype == "*"


def _parse_accept(header: str) -> list[_Accept]:
    accepts: list[_Accept] = []
    for part in header.split(",") if header else ():
        media, _, rest = part.strip(" ").partition(";")
        mtype, _, sub = media.partition("/")
        mtype = mtype.strip(" ")
        if not sub:
            if mtype != "*":
                continue
            subtype = "*"
        elif "/" in sub:
            continue
        else:
            subtype = sub.strip(" ")
        accept = _Accept(mtype, subtype)
        for param in rest.split(";") if rest else ():
            name, sep, value = param.partition("=")
            if not sep or "=" in value:
                continue
            token = name.strip(" ")
            if token == "q":
                accept.q = _q(value)
            else:
                accept.params[token] = value.strip(" ")
        accepts.append(accept)
    # Go's sort.Sort of so few entries is an insertion sort; with its Less, the result depends on it.
    for i in range(1, len(accepts)):
        j = i
        while j > 0 and _less(accepts[j], accepts[j - 1]):
            accepts[j], accepts[j - 1] = accepts[j - 1], accepts[j]
            j -= 1
    return accepts


_PROTO_ENCODINGS = {"delimited": Format.PROTO_DELIM, "text": Format.PROTO_TEXT, "compact-text": Format.PROTO_COMPACT}


def negotiate(accept_header: str) -> Negotiated:
    """The scrape format and name escaping for an `Accept` header (text 0.0.4, `underscores`, unless asked).

    The escaping is the last known `escaping=` value among the entries read up to the one that
    picks the format, in goautoneg's order; entries after it are never read.
    """
    escaping = DEFAULT_ESCAPING
    for accept in _parse_accept(accept_header):
        asked = _ESCAPINGS.get(accept.params.get(ESCAPING_PARAMETER, ""))
        if asked is not None:
            escaping = asked
        if f"{accept.type}/{accept.subtype}" == PROTOBUF_MEDIA_TYPE and accept.params.get("proto") == PROTOBUF_MESSAGE:
            chosen = _PROTO_ENCODINGS.get(accept.params.get("encoding", ""))
            if chosen is not None:
                return Negotiated(chosen, escaping)
        if accept.type == "text" and accept.subtype == "plain" and accept.params.get("version", "") in ("0.0.4", ""):
            return Negotiated(Format.TEXT, escaping)
    return Negotiated(Format.TEXT, escaping)


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
