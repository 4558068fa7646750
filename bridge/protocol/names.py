"""Metric and label names: the legacy and UTF-8 rules, 1.11's four escaping schemes, `U__` decoding, text quoting.

Go's common library (model/metric.go, expfmt/text_create.go @ v0.67.5) is the reference. Strings
here are Python strings in which a byte that was not UTF-8 on the wire is a surrogate escape
(U+DC80…U+DCFF, as every decoder in `bridge.protocol` leaves it): one such code point is one
invalid byte, which Go sees as one `utf8.RuneError`.

One deliberate difference: `unescape_values` reads up to six hex digits, as the code's own
comment intends (`U+10FFFF` needs six); Go 1.11's loop gives up at five.
"""

from __future__ import annotations

import dataclasses
import re
from enum import Enum

from bridge.protocol.model import Labels, Metric, MetricFamily

_LEGACY_METRIC = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
_LEGACY_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
_SURROGATES = re.compile("[\ud800-\udfff]")
_REPLACEMENT = "\ufffd"
VALUES_PREFIX = "U__"
"""What starts a name in the `values` escaping (`U__my_2e_metric` is `my.metric`)."""


class Escaping(Enum):
    """How a scrape writes names that are not legacy-valid (the `escaping=` parameter of the media type)."""

    ALLOW_UTF8 = "allow-utf-8"
    UNDERSCORES = "underscores"
    DOTS = "dots"
    VALUES = "values"


DEFAULT_ESCAPING = Escaping.UNDERSCORES
"""What a scrape gets when it does not ask (1.10+; 1.8 and 1.9 used `values`)."""


def is_legacy_metric_name(name: str) -> bool:
    """`[a-zA-Z_:][a-zA-Z0-9_:]*`: a name every Prometheus reads (also the test for escaping a label name)."""
    return _LEGACY_METRIC.match(name) is not None


def is_legacy_label_name(name: str) -> bool:
    """`[a-zA-Z_][a-zA-Z0-9_]*`: a label name as Prometheus knew them before UTF-8."""
    return _LEGACY_LABEL.match(name) is not None


def is_utf8_name(name: str) -> bool:
    """The UTF-8 rule for both kinds of name: not empty, and valid UTF-8."""
    return name != "" and (name.isascii() or _SURROGATES.search(name) is None)


def is_metric_name(name: str, *, utf8: bool) -> bool:
    """A valid metric name under the legacy rule, or under the UTF-8 one."""
    return is_utf8_name(name) if utf8 else is_legacy_metric_name(name)


def is_label_name(name: str, *, utf8: bool) -> bool:
    """A valid label name under the legacy rule, or under the UTF-8 one (reserved `__` names included)."""
    return is_utf8_name(name) if utf8 else is_legacy_label_name(name)


def _runes(name: str) -> str:
    """The code points Go's `range` yields: each invalid byte as U+FFFD."""
    if name.isascii():
        return name
    return _SURROGATES.sub(_REPLACEMENT, name)


def _legal(char: str, first: bool) -> bool:
    return ("a" <= char <= "z") or ("A" <= char <= "Z") or char in "_:" or (not first and "0" <= char <= "9")


def exposed_name(name: str, scheme: Escaping) -> str:
    """A name as a scrape with `scheme` shows it (model.EscapeMetricFamily): legacy-valid names are never touched."""
    if scheme is Escaping.ALLOW_UTF8 or is_legacy_metric_name(name):
        return name
    return escape_name(name, scheme)


def escape_name(name: str, scheme: Escaping) -> str:
    """model.EscapeName: `name` as `scheme` writes it (legacy-valid names unchanged, except by `dots`).

    The byte position decides whether a digit is legal (only the first byte may not be one),
    as in Go, where `range` counts bytes.
    """
    if name == "" or scheme is Escaping.ALLOW_UTF8:
        return name
    if scheme is not Escaping.DOTS and is_legacy_metric_name(name):
        return name
    out: list[str] = [VALUES_PREFIX] if scheme is Escaping.VALUES else []
    for index, char in enumerate(_runes(name)):
        first = index == 0
        if scheme is Escaping.UNDERSCORES:
            out.append(char if _legal(char, first) else "_")
        elif scheme is Escaping.DOTS:
            if char == "_":
                out.append("__")
            elif char == ".":
                out.append("_dot_")
            else:
                out.append(char if _legal(char, first) else "__")
        elif char == "_":
            out.append("__")
        elif _legal(char, first):
            out.append(char)
        else:
            out.append(f"_{ord(char):x}_")
    return "".join(out)


def unescape_values(name: str) -> str:
    """model.UnescapeName for the `values` scheme, without its five-digit limit: `U__foo_2e_bar` → `foo.bar`.

    After `U__`: `__` is `_`, `_<1 to 6 hex digits>_` is that code point (not a surrogate, at most
    U+10FFFF), anything else is itself. A name without the prefix, or one that breaks the rule,
    comes back unchanged (prefix included).
    """
    if not name.startswith(VALUES_PREFIX):
        return name
    rest = name[len(VALUES_PREFIX) :]
    out: list[str] = []
    i = 0
    size = len(rest)
    while i < size:
        char = rest[i]
        if char != "_":
            out.append(char)
            i += 1
            continue
        i += 1
        if i >= size:
            return name
        if rest[i] == "_":
            out.append("_")
            i += 1
            continue
        end = rest.find("_", i)
        digits = rest[i:end] if end >= 0 else ""
        if not 1 <= len(digits) <= 6 or any(c not in "0123456789abcdefABCDEF" for c in digits):
            return name
        code = int(digits, 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return name
        out.append(chr(code))
        i = end + 1
    return "".join(out)


def escape_values_always(name: str) -> str:
    """`name` in the `values` scheme even when it is legacy-valid, so that `unescape_values` gives it back.

    For URLs to a gateway that decodes `U__` names: a legacy name that starts with `U__` would
    otherwise be decoded into another name.
    """
    out = [VALUES_PREFIX]
    for index, char in enumerate(_runes(name)):
        if char == "_":
            out.append("__")
        elif _legal(char, index == 0):
            out.append(char)
        else:
            out.append(f"_{ord(char):x}_")
    return "".join(out)


_QUOTE_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", '"': '\\"'})


def quote_name(name: str) -> str:
    """Expfmt's writeName: a legacy-valid metric name as it is, any other in double quotes, escaped."""
    if is_legacy_metric_name(name):
        return name
    return '"' + name.translate(_QUOTE_ESCAPES) + '"'


def needs_escaping(name: str, metrics: list[Metric]) -> bool:
    """Whether a family shows differently under some escaping: its name or a label name is not legacy-valid."""
    return not is_legacy_metric_name(name) or any(odd_labels(m.labels) for m in metrics)


_LEGACY_LABELS: set[str] = set()
"""Label names seen legacy-valid (a bounded cache: most pushes repeat the same few names)."""


def odd_labels(labels: Labels) -> bool:
    """Whether a label name is not a legacy-valid metric name (the test 1.11 uses to escape label names)."""
    for name, _ in labels:
        if name in _LEGACY_LABELS:
            continue
        if not is_legacy_metric_name(name):
            return True
        if len(_LEGACY_LABELS) < 10_000:
            _LEGACY_LABELS.add(name)
    return False


def escape_labels(labels: Labels, scheme: Escaping) -> Labels:
    """Label pairs with each name as `scheme` exposes it (values untouched, order kept)."""
    return tuple((exposed_name(name, scheme), value) for name, value in labels)


def escape_family(family: MetricFamily, scheme: Escaping) -> MetricFamily:
    """model.EscapeMetricFamily: the family as a scrape with `scheme` shows it (the input is not changed).

    Metrics whose label names need nothing are shared with the input.
    """
    if scheme is Escaping.ALLOW_UTF8:
        return family
    metrics = [
        dataclasses.replace(m, labels=escape_labels(m.labels, scheme)) if odd_labels(m.labels) else m
        for m in family.metrics
    ]
    return MetricFamily(exposed_name(family.name, scheme), family.type, family.help, metrics)
