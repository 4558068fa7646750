"""The radix tree of julienschmidt/httprouter 1.3: named parameters, catch-alls, and its redirect hints.

Reimplemented node for node because the trailing-slash and case-fixing recommendations depend on
the shape of the tree, which depends on the registered routes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

H = TypeVar("H")

_STATIC, _ROOT, _PARAM, _CATCH_ALL = range(4)


@dataclass(eq=False)
class Node(Generic[H]):
    path: str = ""
    wild_child: bool = False
    ntype: int = _STATIC
    priority: int = 0
    indices: str = ""
    children: list[Node[H]] = field(default_factory=list)
    handle: H | None = None

    def increment_child_prio(self, pos: int) -> int:
        children = self.children
        children[pos].priority += 1
        prio = children[pos].priority
        new_pos = pos
        while new_pos > 0 and children[new_pos - 1].priority < prio:
            children[new_pos - 1], children[new_pos] = children[new_pos], children[new_pos - 1]
            new_pos -= 1
        if new_pos != pos:
            idx = self.indices
            self.indices = idx[:new_pos] + idx[pos] + idx[new_pos:pos] + idx[pos + 1 :]
        return new_pos

    def add_route(self, path: str, handle: H) -> None:
        full_path = path
        self.priority += 1
        n = self
        if not n.path and not n.children:
            n.insert_child(path, full_path, handle)
            n.ntype = _ROOT
            return
        while True:
            i = 0
            limit = min(len(path), len(n.path))
            while i < limit and path[i] == n.path[i]:
                i += 1
            if i < len(n.path):
                child = Node(
                    path=n.path[i:],
                    wild_child=n.wild_child,
                    ntype=_STATIC,
                    indices=n.indices,
                    children=n.children,
                    handle=n.handle,
                    priority=n.priority - 1,
                )
                n.children = [child]
                n.indices = n.path[i]
                n.path = path[:i]
                n.handle = None
                n.wild_child = False
            if i < len(path):
                path = path[i:]
                if n.wild_child:
                    n = n.children[0]
                    n.priority += 1
                    if (
                        len(path) >= len(n.path)
                        and n.path == path[: len(n.path)]
                        and n.ntype != _CATCH_ALL
                        and (len(n.path) >= len(path) or path[len(n.path)] == "/")
                    ):
                        continue
                    raise ValueError(f"route {full_path!r} conflicts with wildcard {n.path!r}")
                c = path[0]
                if n.ntype == _PARAM and c == "/" and len(n.children) == 1:
                    n = n.children[0]
                    n.priority += 1
                    continue
                found = n.indices.find(c)
                if found >= 0:
                    found = n.increment_child_prio(found)
                    n = n.children[found]
                    continue
                if c not in ":*":
                    n.indices += c
                    child = Node[H]()
                    n.children.append(child)
                    n.increment_child_prio(len(n.indices) - 1)
                    n = child
                n.insert_child(path, full_path, handle)
                return
            if n.handle is not None:
                raise ValueError(f"a handle is already registered for {full_path!r}")
            n.handle = handle
            return

    def insert_child(self, path: str, full_path: str, handle: H) -> None:
        n = self
        offset = 0
        i = 0
        size = len(path)
        while i < size:
            c = path[i]
            if c not in ":*":
                i += 1
                continue
            end = i + 1
            while end < size and path[end] != "/":
                if path[end] in ":*":
                    raise ValueError(f"only one wildcard per path segment is allowed in {full_path!r}")
                end += 1
            if n.children:
                raise ValueError(f"wildcard route {path[i:end]!r} conflicts with children in {full_path!r}")
            if end - i < 2:
                raise ValueError(f"wildcards must be named in {full_path!r}")
            if c == ":":
                if i > 0:
                    n.path = path[offset:i]
                    offset = i
                child = Node[H](ntype=_PARAM)
                n.children = [child]
                n.wild_child = True
                n = child
                n.priority += 1
                if end < size:
                    n.path = path[offset:end]
                    offset = end
                    child = Node[H](priority=1)
                    n.children = [child]
                    n = child
                i = end
                continue
            if end != size:
                raise ValueError(f"catch-all routes are only allowed at the end of {full_path!r}")
            if n.path and n.path[-1] == "/":
                raise ValueError(f"catch-all conflicts with existing handle in {full_path!r}")
            i -= 1
            if path[i] != "/":
                raise ValueError(f"no / before catch-all in {full_path!r}")
            n.path = path[offset:i]
            child = Node[H](wild_child=True, ntype=_CATCH_ALL)
            n.children = [child]
            n.indices = path[i]
            n = child
            n.priority += 1
            n.children = [Node[H](path=path[i:], ntype=_CATCH_ALL, handle=handle, priority=1)]
            return
        n.path = path[offset:]
        n.handle = handle

    def get_value(self, path: str) -> tuple[H | None, dict[str, str], bool]:
        """The handle for `path`, its parameters, and the trailing-slash recommendation."""
        n = self
        params: dict[str, str] = {}
        while True:
            if len(path) > len(n.path):
                if path[: len(n.path)] == n.path:
                    path = path[len(n.path) :]
                    if not n.wild_child:
                        found = n.indices.find(path[0])
                        if found >= 0:
                            n = n.children[found]
                            continue
                        return None, params, path == "/" and n.handle is not None
                    n = n.children[0]
                    if n.ntype == _PARAM:
                        end = path.find("/")
                        if end < 0:
                            end = len(path)
                        params[n.path[1:]] = path[:end]
                        if end < len(path):
                            if n.children:
                                path = path[end:]
                                n = n.children[0]
                                continue
                            return None, params, len(path) == end + 1
                        if n.handle is not None:
                            return n.handle, params, False
                        if len(n.children) == 1:
                            n = n.children[0]
                            return None, params, n.path == "/" and n.handle is not None
                        return None, params, False
                    params[n.path[2:]] = path
                    return n.handle, params, False
            elif path == n.path:
                if n.handle is not None:
                    return n.handle, params, False
                if path == "/" and n.wild_child and n.ntype != _ROOT:
                    return None, params, True
                found = n.indices.find("/")
                if found >= 0:
                    n = n.children[found]
                    tsr = (len(n.path) == 1 and n.handle is not None) or (
                        n.ntype == _CATCH_ALL and n.children[0].handle is not None
                    )
                    return None, params, tsr
                return None, params, False
            tsr = path == "/" or (
                len(n.path) == len(path) + 1
                and n.path[len(path)] == "/"
                and path == n.path[:-1]
                and n.handle is not None
            )
            return None, params, tsr

    def find_case_insensitive_path(self, path: str, fix_trailing_slash: bool) -> str | None:
        """The registered path matching `path` case-insensitively (runes), or None."""
        return _find_ci(self, path, "", fix_trailing_slash)


def _find_ci(n: Node[H], path: str, ci_path: str, fix: bool) -> str | None:
    # Works on runes rather than bytes: Python strings make the rune bookkeeping unnecessary.
    np_len = len(n.path)
    while len(path) >= np_len and (np_len == 0 or path[1:np_len].lower() == n.path[1:].lower()):
        path = path[np_len:]
        ci_path += n.path
        if path:
            if not n.wild_child:
                rune = path[0]
                lower, upper = rune.lower(), rune.upper()
                for i, index in enumerate(n.indices):
                    if index == lower:
                        out = _find_ci(n.children[i], path, ci_path, fix)
                        if out is not None:
                            return out
                        break
                if upper != lower:
                    found = n.indices.find(upper)
                    if found >= 0:
                        n = n.children[found]
                        np_len = len(n.path)
                        continue
                return ci_path if (fix and path == "/" and n.handle is not None) else None
            n = n.children[0]
            if n.ntype == _PARAM:
                k = path.find("/")
                if k < 0:
                    k = len(path)
                ci_path += path[:k]
                if k < len(path):
                    if n.children:
                        n = n.children[0]
                        np_len = len(n.path)
                        path = path[k:]
                        continue
                    return ci_path if fix and len(path) == k + 1 else None
                if n.handle is not None:
                    return ci_path
                if fix and len(n.children) == 1:
                    n = n.children[0]
                    if n.path == "/" and n.handle is not None:
                        return ci_path + "/"
                return None
            return ci_path + path
        if n.handle is not None:
            return ci_path
        if fix:
            found = n.indices.find("/")
            if found >= 0:
                n = n.children[found]
                if (len(n.path) == 1 and n.handle is not None) or (
                    n.ntype == _CATCH_ALL and n.children[0].handle is not None
                ):
                    return ci_path + "/"
        return None
    if fix:
        if path == "/":
            return ci_path
        if (
            len(path) + 1 == np_len
            and n.path[len(path)] == "/"
            and path[1:].lower() == n.path[1 : len(path)].lower()
            and n.handle is not None
        ):
            return ci_path + n.path
    return None
