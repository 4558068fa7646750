"""Differential: every named case gives the same answers and state on the Go gateway and ours, and Go's match the golden files.

Each case runs against every Go version it applies to (`Case.versions`: 1.11.0, the default
oracle, and 1.5.1 for behaviour that did not change). The golden files
(tests/golden/<version>/) are what `make test` replays in-process on machines without the Go
binaries (tests/http); this run keeps them honest. `make golden` re-records.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.differential.registry import RUN_IDS, RUNS
from tests.support import golden
from tests.support.diff import Case, Pair

pytestmark = pytest.mark.oracle


@pytest.mark.parametrize(("version", "group", "name", "case"), RUNS, ids=RUN_IDS)
def test_case(pair: Callable[..., Pair], version: str, group: str, name: str, case: Case) -> None:
    p = pair(list(case.go_args), case.gateway_config(), prefix=case.prefix, version=version)
    transcript, differences = p.play(case)
    assert golden.oracle_version(version) == version
    problems = []
    if golden.RECORDING:
        golden.RECORDER.add(version, group, name, case, transcript)
    else:
        stale = golden.mismatch(
            version, group, name, case, transcript, who=f"Go {version}", hint="the golden file is stale"
        )
        if stale is not None:
            problems.append(stale + f"\n-> {golden.HOW_TO_RECORD}")
    problems.extend(differences)
    if problems:
        pytest.fail("\n\n".join(problems))
