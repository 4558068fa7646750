"""Every named differential case replayed in-process against ours, compared with what each Go binary answered.

No Go binary needed: the answers come from tests/golden/<version>/ (recorded by `make golden`,
kept fresh by the oracle run in tests/differential), for 1.11.0 and for 1.5.1, each case against
the versions it applies to. Routing, redirects, 404/405/Allow/OPTIONS, `@base64`, content
negotiation (gzip, protobuf variants) and parse errors are all in the cases.
"""

from __future__ import annotations

import pytest

from bridge.gateway.runtime import build_app
from tests.differential.registry import GROUPS, RUN_IDS, RUNS
from tests.support import golden
from tests.support.diff import Case, Side
from tests.support.inprocess import in_process_client

REPLAYED = [(run, run_id) for run, run_id in zip(RUNS, RUN_IDS, strict=True) if run[0] in golden.REPLAYED_VERSIONS]


@pytest.mark.parametrize(("version", "group", "name", "case"), [r for r, _ in REPLAYED], ids=[i for _, i in REPLAYED])
def test_ours_answers_as_go_did(version: str, group: str, name: str, case: Case) -> None:
    with in_process_client(build_app(case.gateway_config())) as client:
        transcript = Side(client, "http://gw", resort=False).play(case)
    problem = golden.mismatch(
        version, group, name, case, transcript, who="ours", hint="a change in ours, unless the case itself changed"
    )
    if problem is not None:
        pytest.fail(problem)


@pytest.mark.parametrize("version", golden.REPLAYED_VERSIONS)
def test_every_golden_answer_belongs_to_a_case(version: str) -> None:
    applying = {g: {n for n, c in cases.items() if version in c.versions} for g, cases in GROUPS.items()}
    files = sorted((golden.ROOT / version).glob("*.json"))
    expected = {g for g, names in applying.items() if names}
    assert {f.stem for f in files} == expected, f"golden files {[f.name for f in files]} vs groups {sorted(expected)}"
    for file in files:
        orphans = set(golden.load(version, file.stem)) - applying[file.stem]
        assert not orphans, f"{file} answers cases that no longer exist: {sorted(orphans)}; {golden.HOW_TO_RECORD}"
