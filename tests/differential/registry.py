"""Every named differential case, by golden file: the hand tables, the flag cases and the seeded generated ones."""

from __future__ import annotations

from tests.differential.cases import ALL
from tests.differential.flag_cases import FLAG_CASES
from tests.differential.seeded import SEEDED
from tests.support.diff import Case


def _groups() -> dict[str, dict[str, Case]]:
    groups: dict[str, dict[str, Case]] = {}
    for key, requests in ALL.items():
        group, name = key.split(": ", 1)
        groups.setdefault(group, {})[name] = Case(requests)
    groups["flags"] = dict(FLAG_CASES)
    groups["seeded"] = {name: Case(requests) for name, requests in SEEDED.items()}
    return groups


GROUPS = _groups()
NAMED = [(group, name, case) for group, cases in GROUPS.items() for name, case in cases.items()]
"""(golden file, case name, case) for every case; `group: name` is its test id."""
