"""Content negotiation for scrapes, as expfmt.Negotiate (munnerz/goautoneg) and promhttp decide it."""

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


def gzip_accepted(accept_encoding: str) -> bool:
    """Promhttp's gzipAccepted: a `gzip` or `gzip;...` element in Accept-Encoding."""
    for part in accept_encoding.split(","):
        part = part.strip()
        if part == "gzip" or part.startswith("gzip;"):
            return True
    return False
