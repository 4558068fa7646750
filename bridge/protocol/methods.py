"""What a push asks of the gateway: PUT replaces a group, POST replaces same-name families, DELETE removes it."""

from __future__ import annotations

import enum


class Method(enum.StrEnum):
    """The push API's three HTTP methods; a spool file's directory picks one."""

    PUT = "PUT"
    POST = "POST"
    DELETE = "DELETE"
