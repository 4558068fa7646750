"""Grouping keys and label sets as text (pure): `job` first, and one quoting rule for every value on screen.

A value is quoted as in Go and JSON (`"a\\"b"`, `"line\\nbreak"`), so what the user reads is what
the gateway holds: an empty value, a space or a `"` inside a value cannot be mistaken for
anything else. Every view (the groups list, the detail, the alerts, the confirmations) writes
label values through `quote`, and names through `label_name` / `metric_name`: a UTF-8 name that
is not a legacy one (`dotted.label`, a gateway with `--push.enable-utf8-names`) is quoted the
same way, as 1.11's own UI shows such label names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from bridge.protocol.grouping import GroupKey
from bridge.protocol.names import is_legacy_label_name, is_legacy_metric_name

Pairs = tuple[tuple[str, str], ...]
"""Label pairs (name, value)."""


def quote(value: str) -> str:
    """A label value in double quotes, escaped: `""`, `"db-1"`, `"a\\"b"`."""
    return json.dumps(value, ensure_ascii=False)


def label_name(name: str) -> str:
    """A label name as shown: as it is when legacy (`instance`), else quoted (`"dotted.label"`)."""
    return name if is_legacy_label_name(name) else quote(name)


def metric_name(name: str) -> str:
    """A family name as shown: as it is when legacy (`rows_total`), else quoted (`"my.metric"`)."""
    return name if is_legacy_metric_name(name) else quote(name)


_AMBIGUOUS = re.compile(r'[\s"=]')
"""What a bare value must not hold: whitespace (`str.isspace`, as `\\s` is for str patterns), `"` or `=`."""


def _needs_quotes(value: str) -> bool:
    return value == "" or _AMBIGUOUS.search(value) is not None


def job_first(key: GroupKey) -> list[tuple[str, str]]:
    """The key's pairs, `job` first, then by name."""
    job = [pair for pair in key if pair[0] == "job"]
    return job + sorted(pair for pair in key if pair[0] != "job")


def key_text(key: GroupKey, *, quote_all: bool = False) -> str:
    """Write a grouping key as one line, `job` first.

    Values are quoted only where a bare one would mislead (`job=backup instance="" path=/var/log`),
    or every one with `quote_all` (`job="backup" instance=""`, as the confirmations show keys).
    """
    names = _SHOWN_NAMES
    parts = []
    for name, value in job_first(key):
        shown = names.get(name)
        if shown is None:
            shown = label_name(name)
            if len(names) < _MAX_SHOWN_NAMES:
                names[name] = shown
        if quote_all or value == "" or _AMBIGUOUS.search(value) is not None:
            value = quote(value)
        parts.append(f"{shown}={value}")
    return " ".join(parts)


_SHOWN_NAMES: dict[str, str] = {}
"""`label_name` of the label names seen (a few per gateway: `job`, `instance`, ...), for `key_text`."""
_MAX_SHOWN_NAMES = 10_000


def own_labels(labels: Iterable[tuple[str, str]], key: GroupKey) -> Pairs:
    """A series' own labels: without its group's grouping labels and the `instance=""` the gateway injects.

    They are what a push to the group's URL must carry, and what the detail view shows.
    """
    grouping = dict(key)
    return tuple(
        (name, value)
        for name, value in labels
        if name not in grouping and not (name == "instance" and value == "" and "instance" not in grouping)
    )


def pairs_text(pairs: Iterable[tuple[str, str]], *, sep: str = " ") -> str:
    """`name="value"` for each pair, every value quoted: `env="prod" team="db"`."""
    return sep.join(f"{label_name(name)}={quote(value)}" for name, value in pairs)
