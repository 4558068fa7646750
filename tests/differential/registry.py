"""Every named differential case, by golden file: the hand tables, the flag cases and the seeded generated ones.

`GROUPS` run against the suite's default oracle; `GROUPS_1_11` only against the 1.11.0 binary
(cases that need a 1.11 flag or behaviour), golden files in tests/golden/1.11.0/.
"""

from __future__ import annotations

from tests.differential.cases import ALL
from tests.differential.flag_cases import FLAG_CASES
from tests.differential.seeded import SEEDED
from tests.differential.utf8_cases import UTF8_GROUPS
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

GROUPS_1_11: dict[str, dict[str, Case]] = {**UTF8_GROUPS}
"""Groups only the 1.11.0 binary answers (its golden directory is tests/golden/1.11.0/)."""
NAMED_1_11 = [(group, name, case) for group, cases in GROUPS_1_11.items() for name, case in cases.items()]
