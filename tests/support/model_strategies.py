"""Any value the wire model's dataclasses can hold, derived from their type hints; and an exact comparison.

`model_families()` builds a `MetricFamily` by walking the dataclass fields of the model and
drawing every field, whatever its type (Optional parts present or absent, enums, tuples,
nested dataclasses), so a field added to the model is drawn without changing this module: a
codec that forgets it fails a round trip. Values are drawn from ranges every integer wire
type holds (0 to 2**31-1) unless `OVERRIDES` names a wider one; floats include NaNs with
payloads, -0.0 and infinities; strings include surrogate escapes (U+DC80-U+DCFF, what
undecodable bytes become); bytes are well-formed protobuf fields (what the model's bytes hold).
Where the model has a rule across fields, `FIXUPS` makes a drawn value follow it, and
`OVERRIDES` leaves out what only the wire can build consistently. Both are keyed by class
*name*, so they may name classes a branch does not have yet. `same(a, b)` compares two values
field by field, floats by bits.
"""

from __future__ import annotations

import dataclasses
import enum
import struct
import types
import typing
from typing import Any

from hypothesis import strategies as st

from bridge.protocol.model import MetricFamily

_DOUBLE = struct.Struct("<d")
_BITS = struct.Struct("<Q")
UINT64 = st.integers(0, 2**64 - 1)
INT64 = st.integers(-(2**63), 2**63 - 1)

OVERRIDES: dict[tuple[str, str], st.SearchStrategy[Any]] = {
    ("Metric", "timestamp_ms"): st.none() | INT64,
    ("Summary", "sample_count"): UINT64,
    ("Histogram", "sample_count"): UINT64,
    ("Histogram", "buckets"): st.lists(st.tuples(st.floats(), UINT64), max_size=4),
    # The canonical encodings of a pushed metric's value messages, consistent with the typed
    # fields beside them: only decoding a wire message builds them (see test_rowcodec's wire test).
    ("Metric", "extras"): st.none(),
}
"""Fields drawn otherwise than by their type: wider wire ranges, or left to the wire."""


def _histogram_rule(histogram: Any) -> Any:
    """`bucket_floats`, when set, holds one float per classic bucket (and is None without buckets)."""
    floats = getattr(histogram, "bucket_floats", None)
    if floats is not None:
        buckets = len(histogram.buckets)
        histogram.bucket_floats = (floats + [0.0] * buckets)[:buckets] if buckets else None
    return histogram


def _native_rule(native: Any) -> Any:
    """A native histogram built in code has no negative-zero float zero count (the encoder writes it only when set)."""
    if native.zero_count_float == 0.0:
        return dataclasses.replace(native, zero_count_float=0.0)
    return native


FIXUPS: dict[str, Any] = {"Histogram": _histogram_rule, "NativeHistogram": _native_rule}
"""Per class name: makes a drawn instance follow a rule across its fields (a state the model cannot reach)."""

nan_with_payload = st.integers(1, 2**51 - 1).flatmap(
    lambda payload: st.sampled_from([0x7FF0000000000000, 0xFFF0000000000000, 0x7FF8000000000000]).map(
        lambda base: _DOUBLE.unpack(_BITS.pack(base | payload))[0]
    )
)
floats = st.floats() | nan_with_payload | st.sampled_from([0.0, -0.0, float("inf"), float("-inf")])
strings = st.text(
    st.characters(exclude_categories=["Cs"]) | st.characters(min_codepoint=0xDC80, max_codepoint=0xDCFF),
    max_size=8,
)
ints = st.integers(0, 2**31 - 1)


def _wire_field(number: int, value: int) -> bytes:
    out = bytearray()
    for part in ((number << 3), value):  # a varint field: tag, then value
        while part >= 0x80:
            out.append((part & 0x7F) | 0x80)
            part >>= 7
        out.append(part)
    return bytes(out)


wire_bytes = st.lists(st.tuples(st.integers(100, 2000), st.integers(0, 2**63)), max_size=2).map(
    lambda fields: b"".join(_wire_field(number, value) for number, value in fields)
)
"""Well-formed protobuf fields (numbers no client_model message uses): what a bytes field of the model holds."""


def for_type(hint: Any, owner: type, name: str) -> st.SearchStrategy[Any]:
    """A strategy for a field of type `hint` (field `name` of `owner`)."""
    override = OVERRIDES.get((owner.__name__, name))
    if override is not None:
        return override
    return _strategy(hint)


def _strategy(hint: Any) -> st.SearchStrategy[Any]:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is type(None) or hint is None:
        return st.none()
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(_strategy(arg) for arg in args))
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(_strategy(args[0]), max_size=3).map(tuple)
        return st.tuples(*(_strategy(arg) for arg in args))
    if origin is list:
        return st.lists(_strategy(args[0]), max_size=3)
    if origin is dict:
        return st.dictionaries(_strategy(args[0]), _strategy(args[1]), max_size=3)
    if isinstance(hint, type):
        if dataclasses.is_dataclass(hint):
            return instances(hint)
        if issubclass(hint, enum.Enum):
            return st.sampled_from(list(hint))
        if hint is bool:
            return st.booleans()
        if hint is int:
            return ints
        if hint is float:
            return floats
        if hint is str:
            return strings
        if hint is bytes:
            return wire_bytes
    raise TypeError(f"no strategy for the model type {hint!r}: teach tests/support/model_strategies.py")


def instances(cls: type) -> st.SearchStrategy[Any]:
    """Instances of the dataclass `cls` with every field drawn (deferred: the model may be recursive)."""

    def build() -> st.SearchStrategy[Any]:
        hints = typing.get_type_hints(cls)
        fields = {f.name: for_type(hints[f.name], cls, f.name) for f in dataclasses.fields(cls) if f.init}
        rule = FIXUPS.get(cls.__name__, lambda value: value)
        return st.fixed_dictionaries(fields).map(lambda kwargs: rule(cls(**kwargs)))

    return st.deferred(build)


def model_families() -> st.SearchStrategy[MetricFamily]:
    """A `MetricFamily` with every field of the model drawn (not necessarily one a parser would produce)."""
    return instances(MetricFamily)


def same(a: Any, b: Any, *, ignore: frozenset[str] = frozenset()) -> bool:
    """Equal field by field and of the same types; floats compared by their bits (NaN payloads, -0.0).

    Dataclass fields named in `ignore` are skipped (compare what they mean some other way).
    """
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return _DOUBLE.pack(a) == _DOUBLE.pack(b)
    if dataclasses.is_dataclass(a):
        return all(
            same(getattr(a, f.name), getattr(b, f.name), ignore=ignore)
            for f in dataclasses.fields(a)
            if f.name not in ignore
        )
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y, ignore=ignore) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], ignore=ignore) for k in a)
    return bool(a == b)
