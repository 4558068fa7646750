"""Every named differential case replayed in-process against ours, compared with what the Go binary answered.

No Go binary needed: the answers come from tests/golden/<version>/ (recorded by `make golden`,
kept fresh by the oracle run in tests/differential). Routing, redirects, 404/405/Allow/OPTIONS,
`@base64`, content negotiation (gzip, protobuf variants) and parse errors are all in the cases.
"""

from __future__ import annotations

import pytest

from bridge.gateway.runtime import build_app
from tests.differential.registry import FOLLOWS_1_11, GROUPS, NAMED
from tests.support import golden
from tests.support.diff import Case, Side
from tests.support.inprocess import in_process_client

VERSION = golden.REPLAYED_VERSION


@pytest.mark.parametrize(("group", "name", "case"), NAMED, ids=[f"{g}: {n}" for g, n, _ in NAMED])
def test_ours_answers_as_go_did(group: str, name: str, case: Case) -> None:
    with in_process_client(build_app(case.gateway_config())) as client:
        transcript = Side(client, "http://gw", resort=False).play(case)
    problem = golden.mismatch(
        VERSION, group, name, case, transcript, who="ours", hint="a change in ours, unless the case itself changed"
    )
    if f"{group}: {name}" in FOLLOWS_1_11:
        assert problem is not None, f"ours answers as Go {VERSION} again, but FOLLOWS_1_11 says it follows 1.11 here"
    elif problem is not None:
        pytest.fail(problem)


def test_every_golden_answer_belongs_to_a_case() -> None:
    files = sorted((golden.ROOT / VERSION).glob("*.json"))
    assert {f.stem for f in files} == set(GROUPS), f"golden files {[f.name for f in files]} vs groups {list(GROUPS)}"
    for file in files:
        orphans = set(golden.load(VERSION, file.stem)) - set(GROUPS[file.stem])
        assert not orphans, f"{file} answers cases that no longer exist: {sorted(orphans)}; {golden.HOW_TO_RECORD}"
