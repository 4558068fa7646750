"""Go-compatible float parsing and formatting (strconv.ParseFloat, 'g' -1, uint64 conversion)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.protocol.floats import format_g, format_text, parse_float, to_uint64

ACCEPTED = {
    "NaN": math.nan,
    "nan": math.nan,
    "Inf": math.inf,
    "+inf": math.inf,
    "-Infinity": -math.inf,
    "infinity": math.inf,
    "iNf": math.inf,
    ".5": 0.5,
    "5.": 5.0,
    "+5": 5.0,
    "-0": -0.0,
    "1E3": 1000.0,
    "007": 7.0,
    "1e-400": 0.0,
    "1.7976931348623157e308": 1.7976931348623157e308,
}
REJECTED = ["0x10", "0x1p-2", "1_000", "1e400", "", "1,5", "+nan", "-nan", "infin", " 1", "1 ", "1e", ".", "٣", "1e+"]


@pytest.mark.parametrize(("text", "value"), ACCEPTED.items())
def test_accepts_what_go_accepts(text: str, value: float) -> None:
    parsed = parse_float(text)
    if math.isnan(value):
        assert math.isnan(parsed)
    else:
        assert parsed == value
        assert math.copysign(1, parsed) == math.copysign(1, value)


@pytest.mark.parametrize("text", REJECTED)
def test_rejects_what_go_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_float(text)


# Outputs of Go's strconv.FormatFloat(v, 'g', -1, 64), as the Go gateway printed them.
FORMATTED = {
    123456.0: "123456",
    1234567.0: "1.234567e+06",
    1e-05: "1e-05",
    0.0001: "0.0001",
    1e21: "1e+21",
    1.2345678901234567e19: "1.2345678901234567e+19",
    5e-324: "5e-324",
    math.inf: "+Inf",
    -math.inf: "-Inf",
    100000.0: "100000",
    1e6: "1e+06",
    0.1: "0.1",
    3.14159: "3.14159",
    -1.5: "-1.5",
    1.5e300: "1.5e+300",
    1795498324.236758: "1.795498324236758e+09",
    12.0: "12",
    0.000123: "0.000123",
    1e-7: "1e-07",
}


@pytest.mark.parametrize(("value", "text"), FORMATTED.items())
def test_formats_like_go(value: float, text: str) -> None:
    assert format_g(value) == text


def test_negative_zero_differs_between_api_and_text() -> None:
    assert format_g(-0.0) == "-0"
    assert format_text(-0.0) == "0"
    assert format_g(math.nan) == format_text(math.nan) == "NaN"


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_format_round_trips_through_parse(value: float) -> None:
    assert parse_float(format_g(value)) == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3.0, 3),
        (2.9, 2),
        (-1.0, 2**64 - 1),
        (math.nan, 2**63),
        (math.inf, 2**63),
        (-math.inf, 2**63),
        (1e20, 2**63),
        (1.5e19, 15000000000000000000),
    ],
)
def test_uint64_conversion_matches_amd64_go(value: float, expected: int) -> None:
    assert to_uint64(value) == expected
