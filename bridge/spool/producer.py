"""`pgw-bridge drop`: validate a body, then write it atomically into the spool under its grouping key's name."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from bridge.errors import ParseError, SpoolError
from bridge.protocol.methods import Method
from bridge.protocol.names import Escaping
from bridge.protocol.textparse import parse_text
from bridge.protocol.textrender import render_escaped
from bridge.spool.files import atomic_write, stat_identity
from bridge.spool.layout import SpoolLayout
from bridge.spool.naming import file_name


def _pending_post(layout: SpoolLayout, name: str) -> bytes | None:
    """Return the body of a POST still waiting under the same name, unless a later PUT or DELETE supersedes it."""
    pending = stat_identity(layout.directory(Method.POST) / name)
    if pending is None:
        return None
    for method in (Method.PUT, Method.DELETE):
        other = stat_identity(layout.directory(method) / name)
        if other is not None and other.mtime_ns >= pending.mtime_ns:
            return None
    try:
        return (layout.directory(Method.POST) / name).read_bytes()
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Serialise read-merge-write among producers (flock on the directory itself)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def merge_posts(earlier: bytes, later: bytes, *, utf8: bool = False) -> bytes:
    """One body with the effect of POSTing `earlier` then `later`: `later`'s families replace same-name ones.

    Names that are not legacy-valid are written quoted (as `allow-utf-8` scrapes write them).

    Raises:
        ParseError: `later` does not parse (an `earlier` that does not parse is dropped).

    """
    newer = parse_text(later, utf8=utf8)
    try:
        merged = parse_text(earlier, utf8=utf8)
    except ParseError:
        return later
    merged.update(newer)
    return b"".join(render_escaped(family, Escaping.ALLOW_UTF8) for family in merged.values())


def drop(spool: Path, grouping: Mapping[str, str], method: Method, body: bytes, *, utf8: bool = False) -> Path:
    """Write one push request into the spool, atomically (hidden temp file, then rename).

    A POST that finds an earlier POST for the same group still waiting merges with it, so
    nothing the earlier one carried is lost (two POSTs compose; a PUT would simply replace).

    Args:
        spool: the spool directory (it must exist).
        grouping: the grouping key, `job` included.
        method: PUT (the group's whole state), POST (same-name families), DELETE (body ignored).
        body: the text-format body.
        utf8: the target gateway runs with `--push.enable-utf8-names`: UTF-8 metric and label names.

    Returns:
        The path written.

    Raises:
        ParseError: the body is not valid text format (with its line number).
        SpoolError: a bad grouping key, a missing spool, or a write that failed.

    """
    name = file_name(grouping, utf8=utf8)
    if method is not Method.DELETE:
        parse_text(body, utf8=utf8)
    else:
        body = b""
    layout = SpoolLayout(spool)
    if not spool.is_dir():
        raise SpoolError(f"spool directory {str(spool)!r} does not exist")
    directory = layout.directory(method)
    try:
        directory.mkdir(exist_ok=True)
        target = directory / name
        if method is Method.POST:
            with _locked(directory):
                pending = _pending_post(layout, name)
                if pending is not None:
                    body = merge_posts(pending, body, utf8=utf8)
                atomic_write(target, body)
        else:
            atomic_write(target, body)
    except OSError as exc:
        raise SpoolError(f"cannot write into the spool: {exc}") from None
    return target
