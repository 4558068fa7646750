"""Differential: the histogram and protobuf-fidelity cases against the real 1.11.0, and what is unchanged against 1.5.1.

Go 1.11.0's answers must match tests/golden/1.11.0/ (`make golden` re-records them; the in-process
replay is tests/http/test_golden_replay_1_11.py) and ours must match Go's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.differential.native_cases import CASES_1_5_1
from tests.differential.registry import NAMED_1_11
from tests.support import golden, oracles
from tests.support.compare_1_11 import comparable, comparable_all
from tests.support.diff import Case, Pair, Transcript, explain
from tests.support.nativehist_oracle import pushgateway_111
from tests.support.servers import ThreadGateway

pytestmark = pytest.mark.oracle
VERSION = oracles.PUSHGATEWAY.version


@pytest.fixture
def pair_111(our_gateway: Callable[..., ThreadGateway]) -> Iterator[Callable[[Case], Pair]]:
    """Factory: the 1.11.0 oracle and ours, started with the case's flags."""
    opened: list[tuple[Pair, object]] = []

    def start(case: Case) -> Pair:
        oracle = pushgateway_111(*case.go_args)
        url = oracle.__enter__()
        pair = Pair(url, our_gateway(case.gateway_config()).url)
        opened.append((pair, oracle))
        return pair

    yield start
    for pair, oracle in opened:
        pair.close()
        oracle.__exit__(None, None, None)  # type: ignore[attr-defined]


def play(pair: Pair, case: Case) -> tuple[Transcript, list[str]]:
    """Both gateways' answers to the case; Go's transcript and every place where ours differs (`comparable`)."""
    answers, differences = [], []
    for req in case.requests:
        go, ours = pair.go_side.answer(req), pair.our_side.answer(req)
        answers.append({"request": req.describe(), **go})
        if comparable(ours) != comparable(go):
            differences.append(explain(f"answer differs for {req}", go, ours))
    state = None
    if case.state:
        state, ours_state = (
            pair.go_side.state(case.prefix, case.telemetry),
            pair.our_side.state(case.prefix, case.telemetry),
        )
        if ours_state != state:
            differences.append(explain("state differs", state, ours_state))
    return Transcript(answers, state), differences


@pytest.mark.parametrize(("group", "name", "case"), NAMED_1_11, ids=[f"{g}: {n}" for g, n, _ in NAMED_1_11])
def test_case_against_1_11_0(pair_111: Callable[[Case], Pair], group: str, name: str, case: Case) -> None:
    transcript, problems = play(pair_111(case), case)
    if golden.RECORDING:
        golden.RECORDER.add(VERSION, group, name, case, transcript, binary=str(oracles.PUSHGATEWAY.path))
    else:
        stale = golden.mismatch(
            VERSION, group, name, case, transcript, who=f"Go {VERSION}", hint="the golden file is stale"
        )
        if stale is not None:
            problems.insert(0, stale + f"\n-> {golden.HOW_TO_RECORD}")
    if problems:
        pytest.fail("\n\n".join(problems))


@pytest.mark.parametrize("name", sorted(CASES_1_5_1))
def test_unchanged_since_1_5_1(pair: Callable[..., Pair], name: str) -> None:
    case = CASES_1_5_1[name]
    p = pair(list(case.go_args), case.gateway_config())
    transcript, differences = play(p, case)
    assert transcript.answers[0]["status"] == 200
    assert not differences, "\n".join(differences)


def test_comparable_only_leaves_out_the_escaping_term() -> None:
    answer = {
        "status": 200,
        "headers": {"content-type": "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"},
    }
    assert comparable_all([answer]) == [
        {"status": 200, "headers": {"content-type": "text/plain; version=0.0.4; charset=utf-8"}}
    ]
