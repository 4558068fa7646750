"""Native-histogram bucket bounds: Prometheus's exponential table, rebuilt, and getBound's index rules.

Prometheus does not compute `2**(k/2**s) / 2` for schema `s >= 0`: it looks the fraction up
in a fixed table, 341 of whose 511 entries lie one to four ulps off the correctly rounded
value (`0.7071067811865475`, not `…476`). The table is what a product construction gives:
with multipliers `f_j = 2**(2**-j)`, row `s` is row `s-1` with `previous * f_s` inserted after
each entry, so entry `k` is `0.5` times the `f_j` of `k`'s set bits, coarsest first, each
product rounded. `f_1` must be `1.414213562373095`, one ulp below `sqrt(2)` (what
`exp(ln 2 / 2)` gives with ln 2 rounded to float64); the others are the correctly rounded
`2**(2**-j)`. Built here from `2 / sqrt(2)` and repeated square roots, correctly rounded IEEE
operations only, so every platform gets the same table. All 511 entries were checked against
the real Pushgateway 1.11.0 (`tests/golden/nativehist/api-1.11.0.json`).
"""

from __future__ import annotations

import math
import sys

from bridge.errors import UnsupportedSchema

MAX_SCHEMA = 8
_INT32 = 1 << 32
_INT64 = 1 << 64
# Exponents outside this range are 0 or +Inf for any fraction in [0.5, 1); clamping keeps
# math.ldexp from raising on the huge exponents Go's shifts can produce.
_EXP_LIMIT = 1 << 12


def _table() -> tuple[tuple[float, ...], ...]:
    multiplier = 2.0 / math.sqrt(2.0)
    rows: list[tuple[float, ...]] = [(0.5,)]
    for _schema in range(1, MAX_SCHEMA + 1):
        rows.append(tuple(v for previous in rows[-1] for v in (previous, previous * multiplier)))
        multiplier = math.sqrt(multiplier)
    return tuple(rows)


EXPONENTIAL_BOUNDS: tuple[tuple[float, ...], ...] = _table()
"""`EXPONENTIAL_BOUNDS[s][k]`: the fraction in [0.5, 1) of bucket index `k mod 2**s` at schema `s`, 0..8."""


def int32(value: int) -> int:
    """`value` wrapped to a Go int32, as bucket indexes and offsets are."""
    return (value + (1 << 31)) % _INT32 - (1 << 31)


def _int64(value: int) -> int:
    return (value + (1 << 63)) % _INT64 - (1 << 63)


def _ldexp(frac: float, exp: int) -> float:
    """Go's math.Ldexp: overflow gives ±Inf instead of an exception."""
    exp = max(-_EXP_LIMIT, min(_EXP_LIMIT, exp))
    try:
        return math.ldexp(frac, exp)
    except OverflowError:
        return math.copysign(math.inf, frac)


def bucket_bound(index: int, schema: int) -> float:
    """The upper bound of positive bucket `index` (an int32) at `schema`, as Prometheus's getBound.

    The last finite bucket's bound is `sys.float_info.max`, not +Inf (the bucket after it,
    whose bound is +Inf, counts observations of +Inf).

    Raises:
        UnsupportedSchema: `schema` > 8 (Prometheus indexes past its table and panics), or the
            int32 minimum, whose negation Go cannot shift by.

    """
    if schema < 0:
        shift = -schema
        if shift >= 1 << 31:
            raise UnsupportedSchema(schema)
        # Go shifts an int64: counts of 64 and more give 0, smaller ones wrap.
        exp = _int64(index << shift) if shift < 64 else 0
        if exp == 1024:
            return sys.float_info.max
        return _ldexp(1.0, exp)
    if schema > MAX_SCHEMA:
        raise UnsupportedSchema(schema)
    frac = EXPONENTIAL_BOUNDS[schema][index & ((1 << schema) - 1)]
    exp = (index >> schema) + 1
    if frac == 0.5 and exp == 1025:
        return sys.float_info.max
    return _ldexp(frac, exp)


MIN_SCHEMA = -4


def schema_of(lower: float, upper: float) -> int | None:
    """The schema (-4..8) one of whose buckets has exactly these bounds (either sign), or None.

    `/api/v1/metrics` shows a native histogram's buckets but not its schema; bounds are unique
    to a schema (no two schemas share a bucket's two bounds), so the schema can be read back.
    """
    low, high = sorted((abs(lower), abs(upper)))
    if not 0 < low < high < math.inf:
        return None
    for schema in range(MIN_SCHEMA, MAX_SCHEMA + 1):
        guess = math.ceil(math.log2(high) * 2.0**schema)
        for index in (guess - 1, guess, guess + 1):
            if bucket_bound(index, schema) == high and bucket_bound(int32(index - 1), schema) == low:
                return schema
    return None
