"""Differential: the UTF-8 name cases (utf8_cases.py) give the same answers on the real 1.11.0 and ours.

Each case runs against a fresh 1.11.0 started with the case's flags (`--push.enable-utf8-names`
for the `utf8-on` group); Go's transcript must also match tests/golden/1.11.0/, which the
in-process replay (tests/http/test_golden_replay_1_11.py) checks ours against without the binary.
`make golden` re-records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.differential.registry import NAMED_1_11
from tests.support import golden, oracles
from tests.support.diff import Case, Pair
from tests.support.oracle_gateway import OracleGateway
from tests.support.servers import ThreadGateway

pytestmark = pytest.mark.oracle

VERSION = oracles.PUSHGATEWAY.version


@pytest.fixture
def oracle_pair(our_gateway: Callable[..., ThreadGateway]) -> Iterator[Callable[[Case], Pair]]:
    started: list[tuple[OracleGateway, Pair]] = []

    def start(case: Case) -> Pair:
        go = OracleGateway(case.go_args)
        pair = Pair(go.url, our_gateway(case.gateway_config()).url)
        started.append((go, pair))
        return pair

    yield start
    for go, pair in started:
        pair.close()
        go.stop()


@pytest.mark.parametrize(("group", "name", "case"), NAMED_1_11, ids=[f"{g}: {n}" for g, n, _ in NAMED_1_11])
def test_case(oracle_pair: Callable[[Case], Pair], group: str, name: str, case: Case) -> None:
    transcript, differences = oracle_pair(case).play(case)
    problems = []
    if golden.RECORDING:
        golden.RECORDER.add(VERSION, group, name, case, transcript, binary=str(oracles.PUSHGATEWAY.path))
    else:
        stale = golden.mismatch(
            VERSION, group, name, case, transcript, who=f"Go {VERSION}", hint="the golden file is stale"
        )
        if stale is not None:
            problems.append(stale + f"\n-> {golden.HOW_TO_RECORD}")
    problems.extend(differences)
    if problems:
        pytest.fail("\n\n".join(problems))
