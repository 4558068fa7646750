"""Native histograms: bucket walk, counts, the exponential table, and 1.11's API list and UI string."""

from __future__ import annotations

import math
import sys
from decimal import Decimal, getcontext

import pytest

from bridge.errors import BridgeError, UnsupportedSchema
from bridge.protocol.native import (
    EXPONENTIAL_BOUNDS,
    Bucket,
    NativeHistogram,
    Span,
    api_buckets,
    api_count,
    bucket_bound,
    buckets,
    describe,
    running_counts,
    walk,
)
from tests.support import nativehist_oracle
from tests.support.nativehist_cases import CASES, DELTA_EXAMPLE, DROPPED, FLOAT_EXAMPLE, Case

MAX = sys.float_info.max
GOLDEN = nativehist_oracle.load()


def spans(*pairs: tuple[int, int]) -> tuple[Span, ...]:
    return tuple(Span(o, n) for o, n in pairs)


# --- the examples of upstream's api_test.go and of the probe of the real 1.11.0 ---------------


def test_the_api_test_integer_example() -> None:
    assert api_buckets(DELTA_EXAMPLE, 0.0) == [[1, "-1.414213562373095", "-1", "2"], [0, "1", "1.414213562373095", "2"]]
    assert api_count(DELTA_EXAMPLE, 20, 0.0) == "20"


def test_the_api_test_float_example_shows_negative_counts() -> None:
    assert api_buckets(FLOAT_EXAMPLE, 20.0) == [
        [1, "-2", "-1.414213562373095", "-2"],
        [1, "-1.414213562373095", "-1", "2"],
        [1, "-1", "-0.7071067811865475", "2"],
        [0, "0.7071067811865475", "1", "2"],
        [0, "1", "1.414213562373095", "2"],
        [0, "1.414213562373095", "2", "-2"],
    ]
    assert api_count(FLOAT_EXAMPLE, 0, 20.0) == "20"


def test_the_probed_integer_histogram_with_a_zero_bucket() -> None:
    native = NativeHistogram(
        schema=3,
        zero_threshold=1e-128,
        zero_count=2,
        positive_spans=spans((0, 2), (1, 1)),
        positive_deltas=(3, -1, 2),
        negative_spans=spans((-2, 1)),
        negative_deltas=(4,),
    )
    assert api_buckets(native, 0.0) == [
        [1, "-0.8408964152537144", "-0.7711054127039704", "4"],
        [3, "-1e-128", "1e-128", "2"],
        [0, "0.9170040432046711", "1", "3"],
        [0, "1", "1.0905077326652577", "2"],
        [0, "1.189207115002721", "1.2968395546510096", "4"],
    ]


PROBE_FLOAT = NativeHistogram(
    schema=-1,
    zero_threshold=0.5,
    zero_count_float=1.5,
    positive_spans=spans((1, 2)),
    positive_counts=(2.5, 3.5),
    negative_spans=spans((0, 1)),
    negative_counts=(0.25,),
)


def test_the_probed_float_histogram_at_a_negative_schema() -> None:
    assert api_buckets(PROBE_FLOAT, 7.5) == [
        [1, "-1", "-0.25", "0.25"],
        [3, "-0.5", "0.5", "1.5"],
        [0, "1", "4", "2.5"],
        [0, "4", "16", "3.5"],
    ]
    assert api_count(PROBE_FLOAT, 0, 7.5) == "7.5"


def test_describe_is_the_1_11_ui_string() -> None:
    assert (
        describe(PROBE_FLOAT, 0, 7.75, 3.25)
        == "{count:7.75, sum:3.25, [-1,-0.25):0.25, [-0.5,0.5]:1.5, (1,4]:2.5, (4,16]:3.5}"
    )
    assert (
        describe(DELTA_EXAMPLE, 20, 0.0, 99.23)
        == "{count:20, sum:99.23, [-1.414213562373095,-1):2, (1,1.414213562373095]:2}"
    )


# --- the exponential table ---------------------------------------------------------------------


def _golden_fractions() -> dict[int, dict[int, float]]:
    """Each schema's table row as 1.11.0 answered it: every bound of bounds_sN scaled into [0.5, 1)."""
    rows: dict[int, dict[int, float]] = {}
    for schema in range(9):
        case = next(c for c in CASES if c.name == f"bounds_s{schema}")
        native = case.native
        # All counts are 1, so the API lists every bucket: negative ones reversed, then positive ones.
        negative = [i for i, _ in walk(native.negative_spans, len(native.negative_deltas))]
        positive = [i for i, _ in walk(native.positive_spans, len(native.positive_deltas))]
        order = [(i, False) for i in reversed(negative)] + [(i, True) for i in positive]
        row: dict[int, float] = {}
        for (index, is_positive), (_, lower, upper, _) in zip(
            order, GOLDEN["answers"][case.name]["buckets"], strict=True
        ):
            # Positive bucket i is (bound(i-1), bound(i)]; negative bucket i is [-bound(i), -bound(i-1)).
            pairs = ((index - 1, lower), (index, upper)) if is_positive else ((index, lower), (index - 1, upper))
            for bound_index, text in pairs:
                frac, _exp = math.frexp(abs(float(text)))
                assert row.setdefault(bound_index % (1 << schema), frac) == frac
        rows[schema] = row
    return rows


def test_the_table_equals_every_fraction_1_11_0_answered() -> None:
    rows = _golden_fractions()
    checked = 0
    for schema in range(9):
        assert len(rows[schema]) == 1 << schema
        assert tuple(rows[schema][k] for k in range(1 << schema)) == EXPONENTIAL_BOUNDS[schema]
        checked += len(rows[schema])
    assert checked == 511


def test_the_table_is_not_the_correctly_rounded_one() -> None:
    getcontext().prec = 50
    differ = [
        (s, k)
        for s in range(9)
        for k in range(1 << s)
        if EXPONENTIAL_BOUNDS[s][k] != float(Decimal(2) ** (Decimal(k) / (1 << s)) / 2)
    ]
    assert len(differ) == 341
    assert EXPONENTIAL_BOUNDS[1] == (0.5, 0.7071067811865475)
    assert EXPONENTIAL_BOUNDS[2][3] == 0.8408964152537144  # correctly rounded: …145
    assert EXPONENTIAL_BOUNDS[8][255] == 0.9972960560854698  # four ulps below …701


def test_the_multipliers_are_exp_of_ln2_rounded_to_float64() -> None:
    # The finding behind the table: f_j = exp(float64(ln 2) / 2**j), correctly rounded.
    getcontext().prec = 50
    for j in range(1, 9):
        assert EXPONENTIAL_BOUNDS[j][1] * 2 == float((Decimal(math.log(2)) / (1 << j)).exp())
    assert EXPONENTIAL_BOUNDS[1][1] * 2 == math.nextafter(math.sqrt(2), 0)


def test_each_row_refines_the_previous_one() -> None:
    for schema in range(1, 9):
        assert EXPONENTIAL_BOUNDS[schema][::2] == EXPONENTIAL_BOUNDS[schema - 1]
        assert all(0.5 <= f < 1 for f in EXPONENTIAL_BOUNDS[schema])
        assert list(EXPONENTIAL_BOUNDS[schema]) == sorted(set(EXPONENTIAL_BOUNDS[schema]))


# --- bounds at the edges -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "schema", "bound"),
    [
        (0, 0, 1.0),
        (-1, 0, 0.5),
        (1, 1, 1.414213562373095),
        (-1, 1, 0.7071067811865475),
        (3, 2, 1.6817928305074288),
        (1024, 0, MAX),  # the last finite bucket ends at MaxFloat64, not +Inf
        (1025, 0, math.inf),
        (1024 * 256, 8, MAX),
        (1024 * 256 + 1, 8, math.inf),
        (1024 * 256 - 1, 8, math.ldexp(EXPONENTIAL_BOUNDS[8][255], 1024)),
        (-1073, 0, 1e-323),
        (-1074, 0, 5e-324),
        (-1075, 0, 0.0),  # 2**-1075 is half the smallest subnormal: Ldexp rounds it to even, 0
        (-2149, 1, 5e-324),  # 0.707… × 2**-1074 rounds up
        (-2150, 1, 0.0),
        (-(1 << 31), 3, 0.0),
        ((1 << 31) - 1, 0, math.inf),
        (1, -1, 4.0),
        (-1, -1, 0.25),
        (64, -4, MAX),
        (65, -4, math.inf),
        (-67, -4, 2.0**-1072),
        (-68, -4, 0.0),
        (-5, -8, 0.0),
        (1, -53, math.inf),
        (-1, -63, 0.0),  # -1 << 63 is INT64_MIN: Ldexp underflows
        (1, -63, 0.0),  # 1 << 63 wraps to INT64_MIN too
        (5, -64, 1.0),  # Go shifts of 64 and more give 0
        (-7, -(1 << 31) + 1, 1.0),
    ],
)
def test_bucket_bound(index: int, schema: int, bound: float) -> None:
    assert bucket_bound(index, schema) == bound


@pytest.mark.parametrize("schema", [9, 52, 100, (1 << 31) - 1, -(1 << 31)])
def test_schemas_without_bounds_raise(schema: int) -> None:
    with pytest.raises(UnsupportedSchema, match=f"schema {schema} has no bucket bounds") as raised:
        bucket_bound(0, schema)
    assert raised.value.schema == schema
    assert isinstance(raised.value, BridgeError)


# --- the walk and the counts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pairs", "available", "expected"),
    [
        ([], 5, []),
        ([(0, 2), (0, 2)], 4, [0, 1, 2, 3]),
        ([(0, 2), (1, 1)], 3, [0, 1, 3]),
        ([(-2, 1), (3, 2)], 3, [-2, 2, 3]),
        ([(3, 0), (2, 1)], 1, [5]),  # a leading empty span still moves the index
        ([(0, 1), (0, 0), (2, 1)], 2, [0, 3]),
        ([(0, 5)], 2, [0, 1]),  # more buckets promised than deltas: stop
        ([(0, 1)], 3, [0]),  # more deltas than promised: the rest is ignored
        ([(0, 0)], 0, []),
        ([((1 << 31) - 1, 2)], 2, [(1 << 31) - 1, -(1 << 31)]),  # int32 wrap
        ([(-(1 << 31), 1), ((1 << 31) - 1, 1)], 2, [-(1 << 31), 0]),
    ],
)
def test_walk(pairs: list[tuple[int, int]], available: int, expected: list[int]) -> None:
    got = list(walk(spans(*pairs), available))
    assert [i for i, _ in got] == expected
    assert [p for _, p in got] == list(range(len(expected)))


@pytest.mark.parametrize(
    ("deltas", "counts"),
    [
        ((3, -1, 2), [3, 2, 4]),
        ((0, 2, -2, 0), [0, 2, 0, 0]),
        ((-1,), [(1 << 64) - 1]),
        (((1 << 63) - 1, 1), [(1 << 63) - 1, 1 << 63]),  # int64 overflow, then read as uint64
        ((-(1 << 63), -(1 << 63)), [1 << 63, 0]),
    ],
)
def test_running_counts(deltas: tuple[int, ...], counts: list[int]) -> None:
    assert running_counts(deltas) == counts


# --- which histogram it is ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("native", "sample_count_float", "is_native", "is_float"),
    [
        (NativeHistogram(), 0.0, False, False),
        (NativeHistogram(schema=3, zero_count=5, positive_deltas=(1,)), 0.0, False, False),
        (NativeHistogram(positive_spans=spans((0, 0))), 0.0, True, False),
        (NativeHistogram(negative_spans=spans((0, 1))), 2.5, True, True),
        (NativeHistogram(zero_count_float=0.5, positive_spans=spans((0, 1))), 0.0, True, True),
        (NativeHistogram(positive_spans=spans((0, 1)), positive_counts=(1.0,)), 0.0, True, False),
        (NativeHistogram(positive_spans=spans((0, 1))), math.nan, True, False),
        (NativeHistogram(positive_spans=spans((0, 1))), -1.0, True, False),
        (NativeHistogram(zero_count_float=math.nan, positive_spans=spans((0, 1))), 0.0, True, False),
    ],
)
def test_native_and_float_rules(
    native: NativeHistogram, sample_count_float: float, is_native: bool, is_float: bool
) -> None:
    assert native.is_native is is_native
    assert native.is_float(sample_count_float) is is_float


def test_the_float_rule_picks_the_list_and_the_count() -> None:
    both = NativeHistogram(positive_spans=spans((0, 2)), positive_deltas=(9, -1), positive_counts=(1.5, 2.5))
    assert api_buckets(both, 0.0) == [[0, "0.5", "1", "9"], [0, "1", "2", "8"]]
    assert api_buckets(both, 4.0) == [[0, "0.5", "1", "1.5"], [0, "1", "2", "2.5"]]
    assert api_count(both, 17, 0.0) == "17"
    assert api_count(both, 17, 4.0) == "4"
    assert api_count(NativeHistogram(zero_count_float=1e6), 3, 0.0) == "0"


# --- the list: order, selection, inclusive flags ---------------------------------------------------


def test_zero_bucket_only_when_its_count_is_not_zero() -> None:
    empty_zero = NativeHistogram(zero_threshold=0.25, positive_spans=spans((0, 1)), positive_deltas=(1,))
    assert api_buckets(empty_zero, 0.0) == [[0, "0.5", "1", "1"]]
    zero_threshold_zero = NativeHistogram(zero_count=3, positive_spans=spans((0, 0)))
    assert api_buckets(zero_threshold_zero, 0.0) == [[3, "-0", "0", "3"]]


def test_only_exact_zero_counts_are_dropped() -> None:
    native = NativeHistogram(positive_spans=spans((0, 4)), positive_counts=(0.0, -0.0, math.nan, -1.0))
    assert api_buckets(native, 1.0) == [[0, "2", "4", "NaN"], [0, "4", "8", "-1"]]


def test_buckets_carry_bounds_flags_and_indexes() -> None:
    got = buckets(PROBE_FLOAT, 7.5)
    assert got == [
        Bucket(-1.0, -0.25, 0.25, True, False, 0),
        Bucket(-0.5, 0.5, 1.5, True, True, None),
        Bucket(1.0, 4.0, 2.5, False, True, 1),
        Bucket(4.0, 16.0, 3.5, False, True, 2),
    ]
    assert [b.boundaries for b in got] == [1, 3, 0, 0]
    assert [b.interval() for b in got] == ["[-1,-0.25)", "[-0.5,0.5]", "(1,4]", "(4,16]"]


def test_buckets_that_underflow_to_zero_are_open_on_both_ends() -> None:
    positive = NativeHistogram(positive_spans=spans((-1080, 1)), positive_deltas=(1,))
    assert buckets(positive, 0.0) == [Bucket(0.0, 0.0, 1, False, False, -1080)]
    assert api_buckets(positive, 0.0) == [[2, "0", "0", "1"]]


def test_negative_buckets_come_most_negative_first() -> None:
    native = NativeHistogram(negative_spans=spans((0, 3)), negative_deltas=(1, 1, 1))
    assert api_buckets(native, 0.0) == [[1, "-4", "-2", "3"], [1, "-2", "-1", "2"], [1, "-1", "-0.5", "1"]]


def test_float_counts_are_formatted_as_floats_even_if_given_as_ints() -> None:
    native = NativeHistogram(positive_spans=spans((0, 1)), positive_counts=(1000000,))
    assert api_buckets(native, 1.0) == [[0, "0.5", "1", "1e+06"]]


# --- malformed histograms: what we answer where 1.11.0 drops the connection ------------------------


def _dropped(name: str) -> Case:
    return next(c for c in DROPPED if c.name == name)


@pytest.mark.parametrize("name", ["schema9", "schema_int32_min"])
def test_a_listed_bucket_without_bounds_raises(name: str) -> None:
    case = _dropped(name)
    with pytest.raises(UnsupportedSchema):
        api_buckets(case.native, case.sample_count_float)


def test_an_unsupported_schema_without_listed_buckets_is_an_empty_list() -> None:
    # 1.11.0 computes bounds before dropping empty buckets and panics; nothing needs a bound here.
    assert api_buckets(_dropped("schema9_empty_bucket").native, 0.0) == []
    assert api_buckets(NativeHistogram(schema=9, zero_count=2, positive_spans=spans((0, 0))), 0.0) == [
        [3, "-0", "0", "2"]
    ]


def test_spans_beyond_the_deltas_show_the_buckets_that_exist() -> None:
    assert api_buckets(_dropped("spans_beyond_deltas").native, 0.0) == [[0, "0.5", "1", "1"], [0, "1", "2", "2"]]
    assert api_buckets(_dropped("spans_beyond_counts").native, 1.0) == [[0, "0.5", "1", "1"]]


def test_a_float_histogram_without_float_count_is_read_as_integer() -> None:
    case = _dropped("float_without_float_count")
    assert api_buckets(case.native, case.sample_count_float) == []
    assert api_count(case.native, case.sample_count, case.sample_count_float) == "0"


# --- every answer 1.11.0 gave, replayed ------------------------------------------------------------


@pytest.mark.parametrize("case", [c for c in CASES if c.native.is_native], ids=lambda c: c.name)
def test_ours_equal_the_recorded_1_11_0_answer(case: Case) -> None:
    recorded = GOLDEN["answers"][case.name]
    assert recorded["input"] == case.as_json(), f"golden input is stale; {nativehist_oracle.HOW_TO_RECORD}"
    assert api_buckets(case.native, case.sample_count_float) == recorded["buckets"]
    assert api_count(case.native, case.sample_count, case.sample_count_float) == recorded["count"]


def test_the_golden_file_covers_every_case() -> None:
    assert set(GOLDEN["answers"]) == {c.name for c in CASES}
    assert {name: entry["input"] for name, entry in GOLDEN["dropped"].items()} == {c.name: c.as_json() for c in DROPPED}
    assert all(entry["dropped"] for entry in GOLDEN["dropped"].values())
    classic = GOLDEN["answers"]["classic_path_schema_and_zero"]
    assert (classic["buckets"], classic["count"]) == ({}, "4")  # no span: 1.11 shows a classic histogram
