"""`pgwtui web --web.config.file`: the gateway's web config (one loader, one format) and checking its bcrypt users.

The file is read by `bridge.gateway.web.webconfig.load_web_config`, the loader `pgw-bridge serve`
uses, so one file can protect both (a narrow exception to pgwtui's import contract, stated in
pyproject.toml: that module is pure, YAML and `ssl` only). Its `user_roles` do not apply here:
every user sees the same app, read-only unless `--allow-delete`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
from collections import OrderedDict
from dataclasses import dataclass

import bcrypt

from bridge.errors import ConfigError as BridgeConfigError
from bridge.gateway.web.webconfig import WebConfig, load_web_config
from pgwtui.errors import ConfigError

__all__ = ["Credentials", "WebConfig", "load"]
_CACHE_SIZE = 256


def load(path: str | None) -> WebConfig:
    """The web config at `path` (an empty one without a path).

    Raises:
        ConfigError: unreadable or invalid, in the loader's words.

    """
    if path is None:
        return WebConfig()
    try:
        return load_web_config(path)
    except BridgeConfigError as exc:
        raise ConfigError(f"web: {exc}") from None


@dataclass
class Credentials:
    """Checks `Authorization: Basic …` headers against the bcrypt users (each right answer remembered, bcrypt is slow)."""

    users: dict[str, bytes]

    def __post_init__(self) -> None:
        self._verified: OrderedDict[bytes, bool] = OrderedDict()

    async def allows(self, header: str) -> bool:
        """Whether the header carries a configured user and that user's password."""
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic" or not encoded:
            return False
        try:
            user, sep, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        hashed = self.users.get(user)
        if not sep or hashed is None:
            return False
        key = hashlib.sha256(hashed + b"\x00" + password.encode()).digest()
        known = self._verified.get(key)
        if known is None:
            known = await asyncio.to_thread(bcrypt.checkpw, password.encode(), hashed)
            self._verified[key] = known
            if len(self._verified) > _CACHE_SIZE:
                self._verified.popitem(last=False)
        return known
