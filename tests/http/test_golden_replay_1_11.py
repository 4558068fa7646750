"""The 1.11-only differential cases (registry.GROUPS_1_11) replayed in-process against ours, compared with 1.11.0's answers.

No binary needed: the answers come from tests/golden/1.11.0/ (recorded by `make golden`, kept
fresh by tests/differential/test_utf8_cases.py).
"""

from __future__ import annotations

import pytest

from bridge.gateway.runtime import build_app
from tests.differential.registry import GROUPS_1_11, NAMED_1_11
from tests.support import golden
from tests.support.diff import Case, Side
from tests.support.inprocess import in_process_client

VERSION = "1.11.0"


@pytest.mark.parametrize(("group", "name", "case"), NAMED_1_11, ids=[f"{g}: {n}" for g, n, _ in NAMED_1_11])
def test_ours_answers_as_1_11_0_did(group: str, name: str, case: Case) -> None:
    with in_process_client(build_app(case.gateway_config())) as client:
        transcript = Side(client, "http://gw", resort=False).play(case)
    problem = golden.mismatch(
        VERSION, group, name, case, transcript, who="ours", hint="a change in ours, unless the case itself changed"
    )
    if problem is not None:
        pytest.fail(problem)


def test_every_1_11_golden_answer_of_these_groups_belongs_to_a_case() -> None:
    for group, cases in GROUPS_1_11.items():
        assert golden.path(VERSION, group).exists(), f"no golden file for {group}: {golden.HOW_TO_RECORD}"
        orphans = set(golden.load(VERSION, group)) - set(cases)
        assert not orphans, f"{group}: answers for cases that no longer exist: {sorted(orphans)}"
