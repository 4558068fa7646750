"""Every named differential case, by golden file: the hand tables, the flag cases, the seeded generated ones, and every `cases_*.py`.

A case file other than the three below registers itself by its name alone: a module
`tests/differential/cases_<anything>.py` with `GROUP = "<golden file name>"` and
`CASES: dict[str, Case | list[Req]]` is found and added (a bare request list is a `Case` with the
defaults, so it applies to both oracles). Which Go versions a case is checked against is its
`Case.versions` (`diff.BOTH` unless tagged `diff.ONLY_1_11` or `diff.ONLY_1_5`); the tables of
cases.py are tagged in versions.py, which says why for each.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from collections.abc import Mapping

from tests import differential
from tests.differential.cases import ALL
from tests.differential.flag_cases import FLAG_CASES
from tests.differential.seeded import SEEDED
from tests.differential.versions import VERSIONS
from tests.support.diff import Case, Req
from tests.support.servers import GO_VERSIONS


def _case(key: str, value: Case | list[Req]) -> Case:
    case = value if isinstance(value, Case) else Case(value)
    tagged = VERSIONS.get(key)
    return case if tagged is None else dataclasses.replace(case, versions=tagged[0])


def _discovered() -> dict[str, Mapping[str, Case | list[Req]]]:
    found: dict[str, Mapping[str, Case | list[Req]]] = {}
    for module in pkgutil.iter_modules(differential.__path__):
        if module.name.startswith("cases_"):
            loaded = importlib.import_module(f"{differential.__name__}.{module.name}")
            group: str = loaded.GROUP
            assert group not in found, f"two case files claim the golden file {group!r}"
            found[group] = loaded.CASES
    return found


def _groups() -> dict[str, dict[str, Case]]:
    groups: dict[str, dict[str, Case]] = {}
    for key, requests in ALL.items():
        group, name = key.split(": ", 1)
        groups.setdefault(group, {})[name] = _case(key, requests)
    groups["flags"] = {name: _case(f"flags: {name}", case) for name, case in FLAG_CASES.items()}
    groups["seeded"] = {name: _case(f"seeded: {name}", requests) for name, requests in SEEDED.items()}
    for group, cases in sorted(_discovered().items()):
        assert group not in groups, f"the golden file {group!r} already belongs to cases.py or flag_cases.py"
        groups[group] = {name: _case(f"{group}: {name}", value) for name, value in cases.items()}
    unknown = set(VERSIONS) - {f"{g}: {n}" for g, cases in groups.items() for n in cases}
    assert not unknown, f"versions.py tags cases that do not exist: {sorted(unknown)}"
    return groups


GROUPS = _groups()
NAMED = [(group, name, case) for group, cases in GROUPS.items() for name, case in cases.items()]
"""(golden file, case name, case) for every case; `group: name` is its test id."""
RUNS = [
    (version, group, name, case) for version in GO_VERSIONS for group, name, case in NAMED if version in case.versions
]
"""(Go version, golden file, case name, case) for every case and every oracle it applies to; `version group: name` is its test id."""
RUN_IDS = [f"{version} {group}: {name}" for version, group, name, _ in RUNS]
