"""Native histograms in `/api/v1/metrics`: our bucket lists against the real Pushgateway 1.11.0.

`PGW_RECORD_NATIVEHIST=1` re-records tests/golden/nativehist/ from the binary instead of checking it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from bridge.errors import UnsupportedSchema
from bridge.protocol.native import api_buckets, api_count
from tests.support import nativehist_oracle
from tests.support.nativehist_cases import CASES, DROPPED, Case

pytestmark = pytest.mark.oracle


@pytest.fixture(scope="module")
def oracle_url() -> Iterator[str]:
    with nativehist_oracle.pushgateway_111() as url:
        yield url


@pytest.fixture(scope="module")
def live(oracle_url: str) -> dict[str, dict[str, Any]]:
    return nativehist_oracle.api_answers(oracle_url)


def test_1_11_0_still_answers_what_the_golden_file_says(oracle_url: str) -> None:
    recorded = nativehist_oracle.record(oracle_url)
    if os.environ.get(nativehist_oracle.RECORD_ENV) == "1":
        nativehist_oracle.write(recorded)
        return
    assert recorded == nativehist_oracle.load(), nativehist_oracle.HOW_TO_RECORD


@pytest.mark.parametrize("case", [c for c in CASES if c.native.is_native], ids=lambda c: c.name)
def test_our_bucket_list_is_1_11_0s(case: Case, live: dict[str, dict[str, Any]]) -> None:
    answer = live[case.name]
    assert api_buckets(case.native, case.sample_count_float) == answer["buckets"]
    assert api_count(case.native, case.sample_count, case.sample_count_float) == answer["count"]


def test_a_histogram_without_spans_is_classic_in_1_11_0(live: dict[str, dict[str, Any]]) -> None:
    (case,) = [c for c in CASES if not c.native.is_native]
    assert live[case.name]["buckets"] == {}


# What we answer instead: a 500 (UnsupportedSchema) only where a listed bucket has no bound;
# otherwise the buckets that exist, as upstream 1.11.3's iterator gives them.
OURS_WHERE_1_11_0_DROPS: dict[str, Any] = {
    "schema9": UnsupportedSchema,
    "schema9_empty_bucket": [],
    "schema_int32_min": UnsupportedSchema,
    "spans_beyond_deltas": [[0, "0.5", "1", "1"], [0, "1", "2", "2"]],
    "spans_beyond_counts": [[0, "0.5", "1", "1"]],
    "float_without_float_count": [],
}


@pytest.mark.parametrize("case", DROPPED, ids=lambda c: c.name)
def test_where_1_11_0_drops_the_connection_we_answer(case: Case, oracle_url: str) -> None:
    """Deliberate: Debian's 1.11.0 panics in /api/v1/metrics (no response for any group); we do not."""
    assert nativehist_oracle.drops_connection(oracle_url, case)
    ours = OURS_WHERE_1_11_0_DROPS[case.name]
    if ours is UnsupportedSchema:
        with pytest.raises(UnsupportedSchema):
            api_buckets(case.native, case.sample_count_float)
    else:
        assert api_buckets(case.native, case.sample_count_float) == ours
