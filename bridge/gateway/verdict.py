"""The verdict on a push, worded once as the Go gateway words it, for every edge to translate."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

INCONSISTENT = "pushed metrics are invalid or inconsistent with existing metrics: "


class Refusal(Enum):
    """Why a push was not stored."""

    LIMIT = "limit"
    """An opt-in limit (`--push.max-series`, `--push.max-groups`): nothing was recorded."""
    INCONSISTENT = "inconsistent"
    """The checks failed: none of it was stored; `push_failure_time_seconds` records the attempt."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer to one push, for each edge to translate (HTTP status, spool outcome).

    Attributes:
        refusal: None if the push was stored, else why it was not.
        reason: what was wrong, as Go words it: one error, or "N error(s) occurred:" and a list.

    """

    refusal: Refusal | None = None
    reason: str = ""

    @property
    def accepted(self) -> bool:
        """Whether the push was stored."""
        return self.refusal is None

    @property
    def message(self) -> str:
        """The text an edge shows for a refused push ("" if accepted)."""
        if self.refusal is Refusal.INCONSISTENT:
            return INCONSISTENT + self.reason
        return self.reason


ACCEPTED = Verdict()


def go_errors(errors: list[str]) -> str:
    """Several errors joined as Go's multierror formats them; one error as it is."""
    if len(errors) == 1:
        return errors[0]
    return f"{len(errors)} error(s) occurred:\n" + "\n".join(f"* {e}" for e in errors)
