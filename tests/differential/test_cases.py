"""Differential: every named case gives the same answers and state on the Go gateway and ours, and Go's match the golden files.

The golden files (tests/golden/<oracle version>/) are what `make test` replays in-process on
machines without the Go binary (tests/http); this run keeps them honest. `make golden` re-records.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.differential.registry import FOLLOWS_1_11, NAMED
from tests.support import golden
from tests.support.diff import Case, Pair

pytestmark = pytest.mark.oracle


@pytest.mark.parametrize(("group", "name", "case"), NAMED, ids=[f"{g}: {n}" for g, n, _ in NAMED])
def test_case(pair: Callable[..., Pair], group: str, name: str, case: Case) -> None:
    p = pair(list(case.go_args), case.gateway_config(), prefix=case.prefix)
    transcript, differences = p.play(case)
    version = golden.oracle_version()
    problems = []
    if golden.RECORDING:
        golden.RECORDER.add(version, group, name, case, transcript)
    else:
        stale = golden.mismatch(
            version, group, name, case, transcript, who=f"Go {version}", hint="the golden file is stale"
        )
        if stale is not None:
            problems.append(stale + f"\n-> {golden.HOW_TO_RECORD}")
    if f"{group}: {name}" in FOLLOWS_1_11:
        if not differences:
            problems.append(f"ours answers as Go {version} again, but FOLLOWS_1_11 says it follows 1.11 here")
    else:
        problems.extend(differences)
    if problems:
        pytest.fail("\n\n".join(problems))
