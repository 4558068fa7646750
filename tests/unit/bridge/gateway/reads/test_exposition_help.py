"""The exposition's HELP rule: the latest non-empty HELP wins, ties go to the smaller key, and it follows every write."""

from __future__ import annotations

from bridge.gateway.reads.exposition import Exposition
from bridge.gateway.store.metric_store import Store
from bridge.protocol.textparse import parse_text

NOW = 1_700_000_000_000_000_000


def push(store: Store, job: str, body: str, at: int, *, replace: bool = True) -> None:
    assert store.push({"job": job}, parse_text(body.encode()), replace=replace, now_ns=NOW + at).accepted


def help_line(exposition: Exposition, name: str = "c") -> str | None:
    for line in exposition.text([]).decode().splitlines():
        if line.startswith(f"# HELP {name} "):
            return line.removeprefix(f"# HELP {name} ")
    return None


def test_the_latest_push_with_a_help_wins_and_the_next_takes_over_when_it_goes() -> None:
    store = Store()
    exposition = Exposition(store)
    push(store, "a", "# HELP c one\nc 1\n", 1)
    push(store, "b", "# HELP c two\nc 1\n", 2)
    push(store, "c", "c 1\n", 3)  # no HELP line: never a winner
    assert help_line(exposition) == "two"
    push(store, "a", "# HELP c one\nc 2\n", 4)
    assert help_line(exposition) == "one"
    store.delete({"job": "a"})
    assert help_line(exposition) == "two"
    push(store, "b", "# HELP c three\nc 1\n", 5)  # a re-push that changes only the HELP
    assert help_line(exposition) == "three"


def test_a_tie_goes_to_the_smaller_grouping_key() -> None:
    store = Store()
    exposition = Exposition(store)
    push(store, "b", "# HELP c from b\nc 1\n", 1)
    push(store, "a", "# HELP c from a\nc 1\n", 1)
    assert help_line(exposition) == "from a"


def test_one_help_everywhere_and_a_family_deleted_from_one_group() -> None:
    store = Store()
    exposition = Exposition(store)
    push(store, "a", "# HELP c same\nc 1\n", 1)
    push(store, "b", "# HELP c same\nc 2\n# HELP d other\nd 1\n", 2)
    assert help_line(exposition) == "same"
    assert store.delete_family({"job": "b"}, "d") is not None
    assert help_line(exposition, "d") is None
    assert "d" not in exposition.names()
    push(store, "b", "# HELP c changed\nc 2\n", 3)
    push(store, "b", "# HELP c same\nc 2\n", 4)  # back to one HELP: no stale count of "changed" remains
    assert help_line(exposition) == "same"
