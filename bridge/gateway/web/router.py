"""Routing with the observable behaviour of the Go gateway's stack.

Two layers, as in the Go binary: `ServeMux` (cleans paths with a 301, redirects a subtree root
to its trailing slash) and julienschmidt/httprouter 1.3 (radix tree with named parameters and
catch-alls, in `radix`; trailing-slash and case-fixing redirects, 301 for GET and 307 otherwise;
405 with an `Allow` header; automatic OPTIONS).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Generic, TypeVar

from bridge.gateway.web.radix import Node

H = TypeVar("H")


@dataclass(frozen=True, slots=True)
class Match(Generic[H]):
    """A route matched: its handle and parameters."""

    handle: H
    params: dict[str, str]


@dataclass(frozen=True, slots=True)
class Redirect:
    """Answer with a redirect to `path` (the query string is kept by the caller)."""

    path: str
    status: int


@dataclass(frozen=True, slots=True)
class Allowed:
    """OPTIONS (200) or wrong method (405): the methods registered for the path."""

    allow: str
    status: int


@dataclass(frozen=True, slots=True)
class NotFound:
    """No route for the path."""


RouteResult = Match[H] | Redirect | Allowed | NotFound


class Router(Generic[H]):
    """httprouter.Router with RedirectTrailingSlash, RedirectFixedPath, HandleMethodNotAllowed and HandleOPTIONS on."""

    def __init__(self) -> None:
        self.trees: dict[str, Node[H]] = {}

    def add(self, method: str, path: str, handle: H) -> None:
        """Register a route (`:name` parameters and a final `*name` catch-all)."""
        root = self.trees.get(method)
        if root is None:
            root = self.trees[method] = Node[H]()
        root.add_route(path, handle)

    def route(self, method: str, path: str) -> RouteResult[H]:
        """What httprouter's ServeHTTP would do with this request."""
        root = self.trees.get(method)
        if root is not None:
            handle, params, tsr = root.get_value(path)
            if handle is not None:
                return Match(handle, params)
            if method != "CONNECT" and path != "/":
                status = 301 if method == "GET" else 307
                if tsr:
                    fixed = path[:-1] if len(path) > 1 and path.endswith("/") else path + "/"
                    return Redirect(fixed, status)
                fixed_path = root.find_case_insensitive_path(clean_path(path), True)
                if fixed_path is not None:
                    return Redirect(fixed_path, status)
        if method == "OPTIONS":
            allow = self.allowed(path, method)
            if allow:
                return Allowed(allow, 200)
        else:
            allow = self.allowed(path, method)
            if allow:
                return Allowed(allow, 405)
        return NotFound()

    def allowed(self, path: str, method: str) -> str:
        """The `Allow` header value for a path, or "" if no other method has it."""
        methods = [
            m for m, tree in self.trees.items() if m not in (method, "OPTIONS") and tree.get_value(path)[0] is not None
        ]
        if not methods:
            return ""
        methods.append("OPTIONS")
        return ", ".join(sorted(methods))


def clean_path(path: str) -> str:
    """Httprouter's CleanPath (and Go's ServeMux cleanPath): resolve `.`, `..`, `//`; keep a trailing slash."""
    if path[:1] == "/" and "//" not in path and "/." not in path:
        return path  # nothing to resolve (the case of every request a client builds)
    if path == "":
        return "/"
    if path[0] != "/":
        path = "/" + path
    cleaned = posixpath.normpath(path)
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    if path.endswith("/") and cleaned != "/":
        cleaned += "/"
    return cleaned
