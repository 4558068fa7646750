"""Every named differential case, by golden file: the hand tables, the flag cases, the seeded generated ones, the 1.11.0 ones."""

from __future__ import annotations

from tests.differential.cases import ALL
from tests.differential.flag_cases import FLAG_CASES
from tests.differential.native_cases import CASES as NATIVE_CASES
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

FOLLOWS_1_11: dict[str, str] = {
    "body: negative and fractional counts": "histogram counts as common 0.67 parses them (1.5.1 truncates with uint64)",
    "protobuf: truncated and malformed": "protodelim's length prefix (1.5.1's pbutil ended the stream quietly)",
}
"""1.5.1 cases where ours answers as 1.11 does instead (README's table has the 1.5.1 row).

Go 1.5.1 must still answer as its golden file says, and ours must differ from it; what ours
answers instead is checked against 1.11.0 in `native_cases`.
"""

GROUPS_1_11: dict[str, dict[str, Case]] = {"native": NATIVE_CASES}
"""Case groups answered by the real 1.11.0 only (golden files under tests/golden/1.11.0/)."""
NAMED_1_11 = [(group, name, case) for group, cases in GROUPS_1_11.items() for name, case in cases.items()]
