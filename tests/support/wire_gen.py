"""Hypothesis strategies for client_model messages on the wire in every form a client may send them.

Fields out of order, singular fields repeated, repeated scalars packed and unpacked, known fields
with the wrong wire type, unknown fields (groups included), overlong varints, values beyond the
field's width: whatever protobuf-go (and upb) must bring back to one canonical encoding.
"""

from __future__ import annotations

import struct

from hypothesis import strategies as st

from bridge.protocol.schema import MESSAGES, FieldSpec, Kind, MessageSpec

_U64 = (1 << 64) - 1


def varint(value: int, pad: int = 0) -> bytes:
    """`value` (as uint64) as a varint, with `pad` extra zero groups (an overlong encoding)."""
    value &= _U64
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if not value:
            out.append(byte | (0x80 if pad else 0))
            break
        out.append(byte | 0x80)
    for left in range(pad, 0, -1):
        out.append(0x80 if left > 1 else 0x00)
    return bytes(out)


def _fits(value: int, pad: int) -> int:
    """At most ten bytes in all, as a varint must be."""
    length = len(varint(value))
    return min(pad, 10 - length) if length < 10 else 0


@st.composite
def _varint(draw: st.DrawFn, value: int) -> bytes:
    pad = draw(st.sampled_from([0, 0, 0, 1, 3]))
    return varint(value, _fits(value, pad))


def _tag(number: int, wire: int) -> bytes:
    return varint((number << 3) | wire)


_SCALARS = {
    Kind.UINT64: st.integers(0, _U64),
    Kind.UINT32: st.one_of(st.integers(0, (1 << 32) - 1), st.integers(0, _U64)),
    Kind.INT64: st.integers(-(1 << 63), (1 << 63) - 1),
    Kind.INT32: st.one_of(st.integers(-(1 << 31), (1 << 31) - 1), st.integers(0, _U64)),
    Kind.SINT32: st.one_of(st.integers(0, (1 << 32) - 1), st.integers(0, _U64)),  # the zigzag form
    Kind.SINT64: st.integers(0, _U64),
    Kind.ENUM: st.integers(0, 5),
}
_DOUBLES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, 0.5, 1e-128, float("nan")]),
)


@st.composite
def _value(draw: st.DrawFn, field: FieldSpec, depth: int, overlong: bool) -> bytes:
    """One value of `field` in its own wire form (without the tag)."""
    kind = field.kind
    if kind is Kind.DOUBLE:
        return struct.pack("<d", draw(_DOUBLES))
    if kind is Kind.STRING:
        raw = draw(st.one_of(st.text(max_size=6).map(str.encode), st.binary(max_size=6)))
        return varint(len(raw)) + raw
    if kind is Kind.MESSAGE:
        body = draw(message(field.message, depth + 1, overlong_unknown_tags=overlong))
        return draw(_varint(len(body))) + body
    return draw(_varint(draw(_SCALARS[kind])))


@st.composite
def _known(draw: st.DrawFn, spec: MessageSpec, depth: int, overlong: bool) -> bytes:
    number = draw(st.sampled_from(sorted(spec.fields)))
    field = spec.fields[number]
    if field.kind is Kind.MESSAGE and depth >= 3:
        return _tag(number, 2) + b"\x00"
    if field.repeated and field.kind.wire != 2 and draw(st.booleans()):
        values = b"".join(draw(st.lists(_value(field, depth, overlong), min_size=0, max_size=3)))
        return _tag(number, 2) + draw(_varint(len(values))) + values
    if draw(st.integers(0, 9)) == 0:  # the wrong wire type: an unknown field to Go
        wrong = draw(st.sampled_from([w for w in (0, 1, 2, 5) if w != field.kind.wire]))
        return _tag(number, wrong) + _raw(wrong, draw(st.binary(max_size=4)), draw(st.integers(0, _U64)))
    return draw(_varint((number << 3) | field.kind.wire)) + draw(_value(field, depth, overlong))


def _raw(wire: int, payload: bytes, number: int) -> bytes:
    if wire == 0:
        return varint(number)
    if wire == 1:
        return struct.pack("<Q", number)
    if wire == 5:
        return struct.pack("<I", number & 0xFFFFFFFF)
    return varint(len(payload)) + payload


@st.composite
def _unknown(draw: st.DrawFn, spec: MessageSpec, depth: int, overlong_tags: bool) -> bytes:
    number = draw(st.integers(1, 2000).filter(lambda n: n not in spec.fields))
    wire = draw(st.sampled_from([0, 1, 2, 5, 3] if depth < 3 else [0, 1, 2, 5]))
    tag = draw(_varint((number << 3) | wire)) if overlong_tags else _tag(number, wire)
    if wire == 3:
        inner = b"".join(draw(st.lists(_unknown(spec, depth + 1, overlong_tags), max_size=2)))
        return tag + inner + _tag(number, 4)
    return tag + _raw(wire, draw(st.binary(max_size=5)), draw(st.integers(0, _U64)))


def message(name: str, depth: int = 0, *, overlong_unknown_tags: bool = False) -> st.SearchStrategy[bytes]:
    """A `name` message (a client_model message or `Timestamp`) as some client might encode it.

    Overlong tags on unknown fields are where Go and upb part: protobuf-go writes the tag again,
    upb keeps it as it came; so they are drawn only for checks against the Go binary.
    """
    spec = MESSAGES[name]
    known = _known(spec, depth, overlong_unknown_tags)
    item = st.one_of(known, known, known, _unknown(spec, depth, overlong_unknown_tags))
    return st.lists(item, max_size=6 if depth < 2 else 3).map(b"".join)


@st.composite
def label_pair(draw: st.DrawFn, name: str) -> bytes:
    """A label pair that carries `name` (last), with anything else before it."""
    extra = draw(message("LabelPair", 2))
    encoded = name.encode()
    return extra + _tag(1, 2) + varint(len(encoded)) + encoded
