"""Grouping keys: the `/metrics/job/<JOB>{/<NAME>/<VALUE>}` URL grammar with `@base64` and `U__` names, both ways.

With UTF-8 names on (`--push.enable-utf8-names`), a label name in the URL may be any UTF-8 and
may be `U__`-encoded (`U__foo_2e_bar` is `foo.bar`). Two deliberate differences from 1.11: the
`U__` decoder reads up to six hex digits (1.11.0 to 1.11.3 stop at five), and the reserved `__`
prefix is checked on the decoded name (1.11 checks the encoded one, so `U______foo` creates a
`__foo` label that poisons the store).
"""

from __future__ import annotations

import base64
from urllib.parse import quote

from bridge.errors import GroupingKeyError
from bridge.protocol.gostr import go_quote
from bridge.protocol.names import VALUES_PREFIX, escape_values_always, is_label_name, unescape_values

GroupKey = tuple[tuple[str, str], ...]
"""A grouping key: label pairs sorted by name, `job` included."""

BASE64_SUFFIX = "@base64"
_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}


def is_grouping_label_name(name: str, *, utf8: bool = False) -> bool:
    """A label name a grouping key (or any stored series) may hold: valid under the rule, not reserved (`__*`).

    The legacy rule is `[a-zA-Z_][a-zA-Z0-9_]*`; the UTF-8 rule is any non-empty UTF-8. This is
    client_golang's checkLabelName, the one test of a label name every part of bridge and pgwtui uses.
    """
    return is_label_name(name, utf8=utf8) and not name.startswith("__")


def decode_base64(text: str) -> str:
    """Go's `base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))` as a string.

    CR and LF are skipped, trailing bits are not checked. Bytes that are not UTF-8 are kept
    as surrogate escapes (the store refuses them later).

    Raises:
        ValueError: with Go's "illegal base64 data at input byte N" message.

    """
    stripped = text.rstrip("=")
    out = bytearray()
    acc = 0
    count = 0
    for index, char in enumerate(stripped):
        if char in "\r\n":
            continue
        value = _B64.get(char)
        if value is None:
            raise ValueError(f"illegal base64 data at input byte {index}")
        acc = (acc << 6) | value
        count += 1
        if count == 4:
            out += acc.to_bytes(3, "big")
            acc = count = 0
    if count == 1:
        raise ValueError(f"illegal base64 data at input byte {len(stripped) - 1}")
    if count == 2:
        out.append((acc >> 4) & 0xFF)
    elif count == 3:
        out += ((acc >> 2) & 0xFFFF).to_bytes(2, "big")
    return out.decode("utf-8", "surrogateescape")


def encode_base64(value: str) -> str:
    """URL-safe base64 for a grouping-label value; `=` for the empty value so no `//` appears."""
    if value == "":
        return "="
    return base64.urlsafe_b64encode(value.encode("utf-8", "surrogateescape")).decode("ascii")


def url_label_name(name: str, *, utf8: bool) -> str:
    """The label a URL component names (after `@base64` is stripped): `U__` decoded with UTF-8 names on.

    Raises:
        GroupingKeyError: not a grouping label name once decoded (the message shows it as written).

    """
    decoded = unescape_values(name) if utf8 else name
    if not is_grouping_label_name(decoded, utf8=utf8):
        raise GroupingKeyError(f"improper label name {go_quote(name)}")
    return decoded


def split_labels(labels: str, *, utf8: bool = False) -> dict[str, str]:
    """Parse the `*labels` part of a push URL (it starts with `/`), like push.go's splitLabels.

    Raises:
        GroupingKeyError: odd components, an improper name, or bad base64.

    """
    result: dict[str, str] = {}
    if len(labels) <= 1:
        return result
    components = labels[1:].split("/")
    if len(components) % 2:
        raise GroupingKeyError(f"odd number of components in label string {go_quote(labels)}")
    for i in range(0, len(components), 2):
        name, value = components[i], components[i + 1]
        trimmed = name[: -len(BASE64_SUFFIX)] if name.endswith(BASE64_SUFFIX) else name
        label = url_label_name(trimmed, utf8=utf8)
        if name == trimmed:
            result[label] = value
            continue
        try:
            result[label] = decode_base64(value)
        except ValueError as exc:
            raise GroupingKeyError(f"invalid base64 encoding for label {trimmed}={go_quote(value)}: {exc}") from None
    return result


def parse_grouping(job: str, labels: str, *, job_base64: bool, utf8: bool = False) -> dict[str, str]:
    """The grouping labels of a push or delete URL, checked in Go's order (job base64, labels, empty job).

    Raises:
        GroupingKeyError: with the message the Go gateway answers.

    """
    if job_base64:
        try:
            job = decode_base64(job)
        except ValueError as exc:
            raise GroupingKeyError(f'invalid base64 encoding in job name "": {exc}') from None
    result = split_labels(labels, utf8=utf8)
    if job == "":
        raise GroupingKeyError("job name is required")
    result["job"] = job
    return result


def group_key(labels: dict[str, str]) -> GroupKey:
    """The canonical, hashable grouping key of a label map."""
    return tuple(sorted(labels.items()))


def url_name(name: str, *, utf8: bool) -> str:
    """How a URL carries a label name: as it is, or (UTF-8 names on) `U__`-encoded unless that changes nothing.

    A legacy name goes as it is, except one starting with `U__`, which a gateway with UTF-8 names
    on would decode into another name.

    Raises:
        GroupingKeyError: a name the rule refuses.

    """
    if not is_grouping_label_name(name, utf8=utf8):
        raise GroupingKeyError(f"improper label name {go_quote(name)}")
    if utf8 and (name.startswith(VALUES_PREFIX) or not is_grouping_label_name(name)):
        return escape_values_always(name)
    return name


def grouping_path(labels: dict[str, str] | GroupKey, *, prefix: str = "", utf8: bool = False) -> str:
    """The push/delete URL path for a grouping key, every value `@base64`-encoded.

    `utf8`: the gateway has UTF-8 names on, so non-legacy label names can be sent (`U__`-encoded).

    Raises:
        GroupingKeyError: no `job`, or a label name the URL grammar cannot carry.

    """
    pairs = dict(labels)
    job = pairs.pop("job", None)
    if job is None or job == "":
        raise GroupingKeyError("a grouping key needs a non-empty job")
    parts = [prefix.rstrip("/"), "/metrics/job@base64/", encode_base64(job)]
    for name in sorted(pairs):
        parts.append(f"/{url_name(name, utf8=utf8)}@base64/{encode_base64(pairs[name])}")
    return "".join(parts)


def readable_path(labels: dict[str, str] | GroupKey) -> str:
    """A human-readable form of a grouping key's URL path (percent-encoded, no base64)."""
    pairs = dict(labels)
    job = pairs.pop("job", "")
    parts = ["/metrics/job/", quote(job, safe="")]
    for name in sorted(pairs):
        parts.append(f"/{quote(name, safe='')}/{quote(pairs[name], safe='')}")
    return "".join(parts)
