"""Spool file names ↔ grouping keys: `<job>[@<label>=<value>…].prom`, percent-encoded; pure, no I/O.

With UTF-8 names (`utf8=True`: the target gateway runs with `--push.enable-utf8-names`) a label
name may be any UTF-8 name not starting with `__`, percent-encoded like a value
(`job@caf%C3%A9.name=x.prom`, `job@a%3Db=x.prom`); without, it is a legacy name, as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import hexdigits

from bridge.errors import SpoolError
from bridge.protocol.grouping import GroupKey, group_key, is_grouping_label_name
from bridge.protocol.methods import Method

SUFFIX = ".prom"
ADD_DIR = "add"
DELETE_DIR = "delete"
FAILED_DIR = "failed"
DONE_DIR = "done"
MAX_NAME_BYTES = 255
"""NAME_MAX on Linux and most filesystems."""

_RESERVED = frozenset("/@=%")


METHOD_DIRS: dict[Method, str] = {Method.PUT: "", Method.POST: ADD_DIR, Method.DELETE: DELETE_DIR}
"""The directory (relative to the spool) whose files ask for each method."""


def is_candidate(name: str) -> bool:
    """Whether the bridge reads a file of this name: `*.prom`, not hidden (temp names never match)."""
    return name.endswith(SUFFIX) and not name.startswith(".") and len(name) > len(SUFFIX)


def method_for_dir(relative: str) -> Method | None:
    """Return the method of files in a spool subdirectory (`""` is the spool itself); None if not watched."""
    for method, directory in METHOD_DIRS.items():
        if directory == relative:
            return method
    return None


def _escape(text: str, *, first: bool) -> str:
    out: list[str] = []
    for index, char in enumerate(text):
        code = ord(char)
        if char in _RESERVED or code < 0x20 or code == 0x7F or (first and index == 0 and char == "."):
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogateescape"))
        else:
            out.append(char)
    return "".join(out)


def _unescape(text: str, what: str) -> str:
    if "%" not in text:
        raw = text.encode("utf-8", "surrogateescape")
    else:
        buffer = bytearray()
        index = 0
        while index < len(text):
            char = text[index]
            if char == "%":
                pair = text[index + 1 : index + 3]
                if len(pair) != 2 or not all(c in hexdigits for c in pair):
                    raise SpoolError(f"bad percent-escape {text[index : index + 3]!r} in {what}")
                buffer.append(int(pair, 16))
                index += 3
            else:
                buffer += char.encode("utf-8", "surrogateescape")
                index += 1
        raw = bytes(buffer)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SpoolError(f"{what} is not valid UTF-8 once percent-decoded") from None


def _check_label_name(name: str, utf8: bool) -> None:
    if not is_grouping_label_name(name, utf8=utf8):
        want = "non-empty UTF-8" if utf8 else "[a-zA-Z_][a-zA-Z0-9_]*"
        raise SpoolError(f"invalid grouping label name {name!r} (want {want}, not __*)")
    if name == "job":
        raise SpoolError("'job' is the part before the first '@', not a label")


def parse_name(name: str, *, utf8: bool = False) -> dict[str, str]:
    """Return the grouping key a spool file name stands for.

    `backup.prom` → `{job: backup}`; `backup@instance=db%2F1@env=.prom` →
    `{job: backup, instance: db/1, env: ""}`. `/`, `@`, `=` and `%` in the job or a value
    must be percent-encoded (UTF-8); a raw `=` in the job or a value is refused.

    Args:
        name: the file name, without directory.
        utf8: label names follow the UTF-8 rule (percent-encoded like values).

    Returns:
        The grouping labels, `job` included.

    Raises:
        SpoolError: the name breaks the rule (the message says how).

    """
    if not name.endswith(SUFFIX):
        raise SpoolError(f"spool file names end in {SUFFIX}")
    parts = name[: -len(SUFFIX)].split("@")
    if "=" in parts[0]:
        raise SpoolError("'=' in the job must be percent-encoded as %3D")
    job = _unescape(parts[0], "the job")
    if job == "":
        raise SpoolError("the job (the part before the first '@') is empty")
    labels = {"job": job}
    for part in parts[1:]:
        label, sep, raw = part.partition("=")
        if not sep:
            raise SpoolError(f"grouping label {part!r} has no '=' (want @label=value)")
        if utf8:
            label = _unescape(label, f"the label name {label!r}")
        _check_label_name(label, utf8)
        if "=" in raw:
            raise SpoolError(f"'=' in the value of {label} must be percent-encoded as %3D")
        if label in labels:
            raise SpoolError(f"grouping label {label!r} appears twice")
        labels[label] = _unescape(raw, f"the value of {label}")
    return labels


def parse_key(name: str, *, utf8: bool = False) -> GroupKey:
    """`parse_name` as a canonical, hashable grouping key.

    Raises:
        SpoolError: the name breaks the rule.

    """
    return group_key(parse_name(name, utf8=utf8))


def file_name(grouping: Mapping[str, str], *, utf8: bool = False) -> str:
    """Return the spool file name for a grouping key (labels sorted by name); `parse_name` inverts it.

    Args:
        grouping: the grouping labels, `job` included and non-empty.
        utf8: label names follow the UTF-8 rule.

    Returns:
        A file name such as `backup@instance=db%2F1.prom`.

    Raises:
        SpoolError: no job, a bad label name, or a name longer than 255 bytes.

    """
    labels = dict(grouping)
    job = labels.pop("job", "")
    if job == "":
        raise SpoolError("a grouping key needs a non-empty job")
    parts = [_escape(job, first=True)]
    for label in sorted(labels):
        _check_label_name(label, utf8)
        parts.append(f"{_escape(label, first=False)}={_escape(labels[label], first=False)}")
    name = "@".join(parts) + SUFFIX
    if len(name.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
        raise SpoolError(f"the spool file name would be longer than {MAX_NAME_BYTES} bytes")
    return name
