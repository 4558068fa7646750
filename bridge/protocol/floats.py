"""Go-compatible number handling: strconv.ParseFloat, strconv 'g' formatting, float64→uint64."""

from __future__ import annotations

import math
import re

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_INF_NAMES = frozenset({"inf", "infinity"})
_REPR = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?(?:e([+-][0-9]+))?\Z")
_TWO63 = 2.0**63
_U64 = 1 << 64


def parse_float(text: str) -> float:
    """Parse like expfmt's parseFloat (strconv.ParseFloat, no 'p', 'P' or '_').

    Raises:
        ValueError: the text is not a float Go would accept, or it overflows.

    """
    if _DECIMAL.match(text):
        value = float(text)
        if math.isinf(value):
            raise ValueError("value out of range")
        return value
    lowered = text.lower()
    sign = 1.0
    if lowered[:1] in ("+", "-"):
        if lowered[0] == "-":
            sign = -1.0
        lowered = lowered[1:]
        if lowered in _INF_NAMES:
            return sign * math.inf
        raise ValueError("invalid syntax")
    if lowered in _INF_NAMES:
        return math.inf
    if lowered == "nan":
        return math.nan
    raise ValueError("invalid syntax")


def _digits(value: float) -> tuple[str, int]:
    """Shortest round-trip decimal digits of a positive finite float and the decimal point position.

    The value equals 0.<digits> × 10**point.
    """
    match = _REPR.match(repr(value))
    assert match is not None, repr(value)
    intpart, frac, exp = match.group(2), match.group(3) or "", match.group(4)
    digits = intpart + frac
    point = len(intpart) + (int(exp) if exp else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    stripped = stripped.rstrip("0")
    return stripped or "0", point


def format_g(value: float) -> str:
    """Go `strconv.FormatFloat(v, 'g', -1, 64)`, which is also what `fmt.Sprint` prints."""
    if value != value:
        return "NaN"
    if value == math.inf:
        return "+Inf"
    if value == -math.inf:
        return "-Inf"
    if value == 0.0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    if value.is_integer() and -1e6 < value < 1e6:
        return str(int(value))
    sign = "-" if value < 0 else ""
    digits, point = _digits(abs(value))
    exp = point - 1
    if exp < -4 or exp >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        esign = "-" if exp < 0 else "+"
        return f"{sign}{mantissa}e{esign}{abs(exp):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def format_text(value: float) -> str:
    """Expfmt's writeFloat: like `format_g`, but negative zero prints as `0`."""
    if value == 0.0:
        return "0"
    return format_g(value)


def to_uint64(value: float) -> int:
    """Go's `uint64(float64)` conversion as compiled for amd64 (out-of-range inputs included)."""
    if value < _TWO63:
        if value != value or value <= -_TWO63:
            return 1 << 63
        return int(value) % _U64
    shifted = value - _TWO63
    if shifted != shifted or shifted >= _TWO63:
        return 1 << 63
    return int(shifted) ^ (1 << 63)
