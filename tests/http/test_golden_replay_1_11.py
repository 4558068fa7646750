"""The 1.11.0 cases (histograms, protobuf fidelity) replayed in-process against ours, compared with tests/golden/1.11.0/.

No binary needed; tests/differential/test_native_cases.py keeps the golden files honest against it.
"""

from __future__ import annotations

import pytest

from bridge.gateway.runtime import build_app
from tests.differential.registry import GROUPS_1_11, NAMED_1_11
from tests.support import golden, oracles
from tests.support.compare_1_11 import comparable_all
from tests.support.diff import Case, Side, explain
from tests.support.inprocess import in_process_client

VERSION = oracles.PUSHGATEWAY.version


@pytest.mark.parametrize(("group", "name", "case"), NAMED_1_11, ids=[f"{g}: {n}" for g, n, _ in NAMED_1_11])
def test_ours_answers_as_1_11_0_did(group: str, name: str, case: Case) -> None:
    recorded = golden.load(VERSION, group).get(name)
    assert recorded is not None, f"no answers recorded for {name!r}: {golden.HOW_TO_RECORD}"
    assert recorded["digest"] == golden.digest(case), f"{name!r} changed since it was recorded: {golden.HOW_TO_RECORD}"
    with in_process_client(build_app(case.gateway_config())) as client:
        transcript = Side(client, "http://gw", resort=False).play(case)
    assert comparable_all(transcript.answers) == comparable_all(recorded["answers"]), explain(
        "answers differ",
        comparable_all(recorded["answers"]),
        comparable_all(transcript.answers),
        expected_name="golden",
    )
    assert transcript.state == recorded["state"], explain(
        "state differs", recorded["state"], transcript.state, expected_name="golden"
    )


def test_every_1_11_0_golden_answer_belongs_to_a_case() -> None:
    for group, cases in GROUPS_1_11.items():
        orphans = set(golden.load(VERSION, group)) - set(cases)
        assert not orphans, f"{golden.path(VERSION, group)} answers cases that no longer exist: {sorted(orphans)}"
