"""Any client_model message, decoded by the schema and re-encoded as Go's protobuf-go re-encodes it.

A Pushgateway 1.11 keeps each pushed `Metric` as a decoded Go message and marshals it again for
protobuf scrapes. What comes out is canonical, whatever order or form the client used: known fields
in field-number order, repeated scalars unpacked (client_model is proto2 without `packed`), varints
in their shortest form, a singular message sent twice merged into one, scalars sent twice reduced
to the last; then every unknown field in arrival order, its value byte for byte (its tag is written
again in the shortest form, where upb would keep an overlong tag as it came). A known field with an
unexpected wire type is an unknown field. `Node` is that decoded message, and `encode` writes it.
"""

from __future__ import annotations

from typing import Any

from bridge.protocol import wire
from bridge.protocol.schema import MESSAGES, FieldSpec, Kind, MessageSpec

_SCALAR_CONVERT = {
    Kind.UINT64: lambda v: v,
    Kind.UINT32: lambda v: v & 0xFFFFFFFF,
    Kind.INT64: wire.signed64,
    Kind.INT32: wire.signed32,
    Kind.ENUM: wire.signed32,
    Kind.SINT32: lambda v: wire.signed32(wire.unzigzag(v & 0xFFFFFFFF)),
    Kind.SINT64: wire.unzigzag,
}


class Node:
    """A decoded message: `values[number]` is a value, or a list for a repeated field; `unknown` is raw."""

    __slots__ = ("spec", "unknown", "values")

    def __init__(self, spec: MessageSpec) -> None:
        self.spec = spec
        self.values: dict[int, Any] = {}
        self.unknown = bytearray()

    def get(self, number: int, default: Any = None) -> Any:
        """The field's value, or `default` when it is absent (Go's getter, with the default given)."""
        return self.values.get(number, default)

    def repeated(self, number: int) -> list[Any]:
        """A repeated field's values (empty when absent)."""
        values: list[Any] = self.values.get(number, [])
        return values


def message(name: str) -> MessageSpec:
    """The spec of a client_model message (or `Timestamp`) by name."""
    return MESSAGES[name]


def _scalar(kind: Kind, data: wire.Data, pos: int, end: int) -> tuple[Any, int]:
    if kind is Kind.DOUBLE:
        if pos + 8 > end:
            raise wire.invalid()
        return wire.DOUBLE.unpack_from(data, pos)[0], pos + 8
    raw, pos = wire.varint(data, pos, end)
    return _SCALAR_CONVERT[kind](raw), pos


def _store(node: Node, number: int, spec: FieldSpec, value: Any) -> None:
    if spec.repeated:
        node.values.setdefault(number, []).append(value)
    elif node.spec.proto3 and not value:
        node.values.pop(number, None)
    else:
        node.values[number] = value


def decode(spec: MessageSpec, data: wire.Data, start: int, end: int, into: Node | None = None) -> Node:
    """Decode `data[start:end]` as a `spec` message, merged into `into` if given (as a repeat of it would be).

    Raises:
        ProtobufError: malformed wire data (protobuf-go's one message for all of it).

    """
    node = into if into is not None else Node(spec)
    pos = start
    while pos < end:
        key, pos = wire.varint(data, pos, end)
        number, wtype = key >> 3, key & 7
        if number == 0 or number > wire.MAX_FIELD_NUMBER or wtype == 4 or wtype > 5:
            raise wire.invalid()
        field = spec.fields.get(number)
        if field is not None and wtype == field.kind.wire:
            pos = _known(node, number, field, data, pos, end)
            continue
        if field is not None and field.repeated and wtype == 2 and field.kind.wire != 2:
            length, pos = wire.varint(data, pos, end)
            stop = pos + length
            if stop > end:
                raise wire.invalid()
            while pos < stop:
                value, pos = _scalar(field.kind, data, pos, stop)
                _store(node, number, field, value)
            continue
        value_start = pos
        pos = wire.skip(data, pos, end, wtype, number)
        wire.put_tag(node.unknown, number, wtype)  # protobuf-go rewrites the tag, keeps the value raw
        node.unknown += data[value_start:pos]
    return node


def _known(node: Node, number: int, field: FieldSpec, data: wire.Data, pos: int, end: int) -> int:
    kind = field.kind
    if kind is Kind.STRING or kind is Kind.MESSAGE:
        length, pos = wire.varint(data, pos, end)
        stop = pos + length
        if stop > end:
            raise wire.invalid()
        if kind is Kind.STRING:
            _store(node, number, field, bytes(data[pos:stop]))
        elif field.repeated:
            node.values.setdefault(number, []).append(decode(MESSAGES[field.message], data, pos, stop))
        else:
            node.values[number] = decode(MESSAGES[field.message], data, pos, stop, node.values.get(number))
        return stop
    value, pos = _scalar(kind, data, pos, end)
    _store(node, number, field, value)
    return pos


def _put(out: bytearray, number: int, kind: Kind, value: Any) -> None:
    if kind is Kind.DOUBLE:
        wire.put_double(out, number, value)
    elif kind is Kind.STRING:
        wire.put_bytes(out, number, value)
    elif kind is Kind.MESSAGE:
        wire.put_bytes(out, number, encode(value))
    elif kind is Kind.SINT32 or kind is Kind.SINT64:
        wire.put_uint(out, number, wire.zigzag(value))
    else:
        wire.put_uint(out, number, value)


def encode(node: Node) -> bytes:
    """The message as protobuf-go marshals it: known fields by number (unpacked), then the unknown ones."""
    out = bytearray()
    values = node.values
    spec_fields = node.spec.fields
    for number in node.spec.numbers:
        if number not in values:
            continue
        field = spec_fields[number]
        if field.repeated:
            for value in values[number]:
                _put(out, number, field.kind, value)
        else:
            _put(out, number, field.kind, values[number])
    out += node.unknown
    return bytes(out)


def canonical(name: str, data: wire.Data, start: int = 0, end: int | None = None) -> bytes:
    """`data[start:end]` as a `name` message, re-encoded canonically."""
    return encode(decode(MESSAGES[name], data, start, len(data) if end is None else end))
