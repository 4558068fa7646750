"""The words of every confirmation (pure): exactly which group, which URL, and what it costs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bridge.protocol.grouping import GroupKey, readable_path
from pgwtui.labels import job_first, key_text, label_name, metric_name, quote
from pgwtui.models import Group

SHOW_AT_MOST = 12


@dataclass(frozen=True, slots=True)
class Prompt:
    """A confirmation: title, body lines, the label of the button that does it, how loud to be."""

    title: str
    body: str
    confirm: str
    warning: bool = False


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def key_lines(key: GroupKey, indent: str = "  ") -> list[str]:
    """Write a grouping key one label per line, `job` first, every value quoted so empty values and spaces show."""
    names = {name: label_name(name) for name, _ in key}
    width = max(len(shown) for shown in names.values())
    return [f"{indent}{names[name]:<{width}} = {quote(value)}" for name, value in job_first(key)]


def delete_group(group: Group, url: str, path: str) -> Prompt:
    """Confirm deleting one group."""
    lines = [
        f"Delete this group from {url}?",
        "",
        *key_lines(group.key),
        "",
        f"DELETE {path}",
        f"  (same as {readable_path(group.key)})",
        "",
        f"Its {_count(group.family_count, 'family', 'families')} and {_count(group.series_count, 'series', 'series')}"
        " go away. This cannot be undone;",
        "the job's next push creates the group again.",
    ]
    return Prompt("Delete group?", "\n".join(lines), "Delete group")


def delete_groups(keys: Sequence[GroupKey], url: str, path_of: Callable[[GroupKey], str]) -> Prompt:
    """Confirm deleting every marked group."""
    lines = [f"Delete these {len(keys)} marked groups from {url}?", ""]
    for key in keys[:SHOW_AT_MOST]:
        lines.append("  " + key_text(key, quote_all=True))
    if len(keys) > SHOW_AT_MOST:
        lines.append(f"  … and {len(keys) - SHOW_AT_MOST} more")
    lines += ["", "Each gets its own DELETE with every label @base64-encoded, e.g.", f"  DELETE {path_of(keys[0])}"]
    lines += ["", "This cannot be undone."]
    return Prompt(f"Delete {len(keys)} groups?", "\n".join(lines), f"Delete {len(keys)} groups")


def delete_family(group: Group, family: str, path: str) -> Prompt:
    """Confirm deleting one family through the gateway's extension."""
    lines = [
        f"Delete the family {metric_name(family)} from this group?",
        "",
        *key_lines(group.key),
        "",
        f"DELETE {path}",
        "",
        "Uses the gateway's family-delete extension: the rest of the group and its",
        "push_time_seconds stay as they are, so staleness stays visible.",
    ]
    return Prompt("Delete family?", "\n".join(lines), "Delete family")


def repush_family(group: Group, family: str, path: str) -> Prompt:
    """Confirm the Go-gateway fallback, re-PUTting the group without one family (loudly)."""
    lines = [
        "This gateway cannot delete a single family (the Go Pushgateway only deletes whole groups).",
        f"The only way is to re-push the group without {metric_name(family)}:",
        "",
        *key_lines(group.key),
        "",
        f"PUT {path}   (every other family, as read a moment ago)",
        "",
        "⚠ This sets push_time_seconds to NOW: the group will look freshly pushed, and",
        "  staleness alerts on it will stop firing although the job did not run.",
        "⚠ A push by the job between our read and this re-push is overwritten.",
    ]
    return Prompt("Re-push group without one family?", "\n".join(lines), "Re-push without it", warning=True)
