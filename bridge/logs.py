"""Logging in the Go gateway's formats (1.11's promslog): logfmt or JSON lines on stderr, `ts level caller msg` first, then key-values."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from bridge.errors import ConfigError

LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING, "error": logging.ERROR}
_NAMES = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warn",
    logging.ERROR: "error",
    logging.CRITICAL: "error",
}


def utc_timestamp(seconds: float) -> str:
    """RFC 3339 in UTC with milliseconds (`2024-05-01T12:00:00.123Z`): the logs' `ts`, and `.error` files' time."""
    millis = int(seconds * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def _fields(record: logging.LogRecord, *, long_caller: bool) -> dict[str, Any]:
    # slog's order, as Go 1.11 writes it (1.5.1's go-kit wrote caller before level, and sorted JSON keys).
    # With --log.level=debug, promslog names the function too: `main.go(main.main):82`.
    function = f"({record.module}.{record.funcName})" if long_caller else ""
    fields: dict[str, Any] = {
        "ts": utc_timestamp(record.created),
        "level": _NAMES.get(record.levelno, "info"),
        "caller": f"{record.module}.py{function}:{record.lineno}",
        "msg": record.getMessage(),
    }
    extra = getattr(record, "kv", None)
    if isinstance(extra, dict):
        fields.update(extra)
    if record.exc_info and record.exc_info[0] is not None:
        fields["err"] = f"{record.exc_info[0].__name__}: {record.exc_info[1]}"
    return fields


def _logfmt_value(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    if text == "" or any(c in text for c in ' ="\\\n\t'):
        return json.dumps(text, ensure_ascii=False)
    return text


class LogfmtFormatter(logging.Formatter):
    """`ts=… level=… caller=… msg=… key=value`."""

    def __init__(self, *, long_caller: bool = False) -> None:
        super().__init__()
        self.long_caller = long_caller

    def format(self, record: logging.LogRecord) -> str:
        fields = _fields(record, long_caller=self.long_caller)
        return " ".join(f"{k}={_logfmt_value(v)}" for k, v in fields.items())


class JsonFormatter(LogfmtFormatter):
    """One JSON object per line with the same keys, in the same order."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_fields(record, long_caller=self.long_caller), ensure_ascii=False, default=str)


def setup(level: str = "info", fmt: str = "logfmt") -> None:
    """Configure the `bridge`, `pgwtui` and uvicorn loggers.

    Raises:
        ConfigError: an unknown level or format.

    """
    if level not in LEVELS:
        raise ConfigError(f"--log.level must be one of debug, info, warn, error (got {level!r})")
    if fmt not in ("logfmt", "json"):
        raise ConfigError(f"--log.format must be logfmt or json (got {fmt!r})")
    handler = logging.StreamHandler(sys.stderr)
    long_caller = level == "debug"
    handler.setFormatter(
        JsonFormatter(long_caller=long_caller) if fmt == "json" else LogfmtFormatter(long_caller=long_caller)
    )
    for name in ("bridge", "pgwtui"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(LEVELS[level])
        logger.propagate = False
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(max(LEVELS[level], logging.WARNING))
        logger.propagate = False
