"""protobuf-go's text format of metric families, for `encoding=text` and `compact-text` scrapes (1.11).

1.11 writes `prototext.Format(mf)` (multi-line) or `mf.String()` (one line). We print what the
protobuf encoding of the family holds (`canonical` decodes it by the schema), so every field the
codec keeps is shown, unknown fields included, in protobuf-go's order: known fields in declaration
order, then unknown ones by number with their raw value. protobuf-go adds a second space at
build-dependent places to keep its output from being relied on (the Debian 1.11.0 binary: after
every `name:` and between fields on one line); we write the single-space form.
"""

from __future__ import annotations

import math

from bridge.protocol import wire
from bridge.protocol.canonical import Node, decode, message
from bridge.protocol.floats import format_g
from bridge.protocol.model import MetricFamily
from bridge.protocol.protobuf import encode_family
from bridge.protocol.schema import METRIC_TYPES, Kind

_NAME, _SCALAR, _OPEN, _CLOSE = range(1, 5)
_SIMPLE_ESCAPES = {0x22: '\\"', 0x5C: "\\\\", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}


def quote(raw: bytes) -> str:
    """protobuf-go's string literal: `"`, `\\` and control bytes escaped, invalid UTF-8 as `\\xNN`, C1 as `\\u`."""
    out = ['"']
    text = raw.decode("utf-8", "surrogateescape")
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # an invalid byte, kept by surrogateescape
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x20 or code in (0x22, 0x5C, 0x7F):
            out.append(_SIMPLE_ESCAPES.get(code) or f"\\x{code:02x}")
        elif 0x80 <= code <= 0x9F:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _float(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return format_g(value)


class _Encoder:
    """protobuf-go's internal/encoding/text Encoder: where spaces, newlines and indents go."""

    def __init__(self, multiline: bool) -> None:
        self.indent = "  " if multiline else ""
        self.indents = ""
        self.last = 0
        self.out: list[str] = []

    def _prepare(self, nxt: int) -> None:
        last, self.last = self.last, nxt
        if not self.indent:
            if last in (_SCALAR, _CLOSE) and nxt == _NAME:
                self.out.append(" ")
            return
        if last == _NAME:
            self.out.append(" ")
        elif last == _OPEN and nxt != _CLOSE:
            self.indents += self.indent
            self.out.append("\n" + self.indents)
        elif last in (_SCALAR, _CLOSE):
            if nxt == _CLOSE:
                self.indents = self.indents[: -len(self.indent)]
            self.out.append("\n" + self.indents)

    def name(self, name: str) -> None:
        self._prepare(_NAME)
        self.out.append(name + ":")

    def scalar(self, text: str) -> None:
        self._prepare(_SCALAR)
        self.out.append(text)

    def open(self) -> None:
        self._prepare(_OPEN)
        self.out.append("{")

    def close(self) -> None:
        self._prepare(_CLOSE)
        self.out.append("}")

    def text(self) -> str:
        body = "".join(self.out)
        return body + "\n" if self.indent and body else body


def _value(enc: _Encoder, kind: Kind, value: object) -> None:
    if kind is Kind.MESSAGE:
        assert isinstance(value, Node)
        enc.open()
        _message(enc, value)
        enc.close()
    elif kind is Kind.STRING:
        assert isinstance(value, bytes)
        enc.scalar(quote(value))
    elif kind is Kind.DOUBLE:
        assert isinstance(value, float)
        enc.scalar(_float(value))
    elif kind is Kind.ENUM:
        assert isinstance(value, int)
        enc.scalar(METRIC_TYPES[value] if 0 <= value < len(METRIC_TYPES) else str(value))
    else:
        enc.scalar(str(value))


def _message(enc: _Encoder, node: Node) -> None:
    values = node.values
    for number, field in node.spec.fields.items():
        if number not in values:
            continue
        for value in values[number] if field.repeated else (values[number],):
            enc.name(field.name)
            _value(enc, field.kind, value)
    _unknown(enc, bytes(node.unknown))


def _unknown(enc: _Encoder, raw: bytes) -> None:
    """protobuf-go's marshalUnknown: numbers, then varints in decimal, fixed values in hex, bytes as strings."""
    pos = 0
    while pos < len(raw):
        key, pos = wire.varint(raw, pos, len(raw))
        number, wtype = key >> 3, key & 7
        enc.name(str(number))
        if wtype == 0:
            value, pos = wire.varint(raw, pos, len(raw))
            enc.scalar(str(value))
        elif wtype == 5:
            enc.scalar(f"0x{wire.FIXED32.unpack_from(raw, pos)[0]:x}")
            pos += 4
        elif wtype == 1:
            enc.scalar(f"0x{wire.FIXED64.unpack_from(raw, pos)[0]:x}")
            pos += 8
        elif wtype == 2:
            length, pos = wire.varint(raw, pos, len(raw))
            enc.scalar(quote(raw[pos : pos + length]))
            pos += length
        else:  # a group: its fields up to the matching end-group tag
            end = wire.skip(raw, pos, len(raw), wtype, number)
            end_tag = bytearray()
            wire.put_tag(end_tag, number, 4)
            enc.open()
            _unknown(enc, raw[pos : end - len(end_tag)])
            enc.close()
            pos = end


def render_prototext(families: list[MetricFamily], *, compact: bool) -> bytes:
    """Every family as 1.11 writes it: `prototext.Format` plus a newline, or `String()` plus a newline."""
    spec = message("MetricFamily")
    parts: list[str] = []
    for family in families:
        enc = _Encoder(multiline=not compact)
        data = encode_family(family)
        _message(enc, decode(spec, data, 0, len(data)))
        parts.append(enc.text() + "\n")
    return "".join(parts).encode("utf-8", "surrogateescape")
