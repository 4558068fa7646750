"""The server's TLS context, rebuilt on the next handshake when the web config or its certificate files change."""

from __future__ import annotations

import logging
import os
import ssl

from bridge.errors import ConfigError
from bridge.gateway.web.webconfig import TLSSettings, load_web_config

log = logging.getLogger("bridge.gateway")

_Stamp = tuple[tuple[str, int, int, int] | None, ...]
# Fixed per listening socket: OpenSSL keeps these from the context a connection starts with.
_RESTART_ONLY = ("client_auth", "min_version", "max_version", "ciphers", "prefer_server_ciphers", "curve")


def _stamp(paths: tuple[str, ...]) -> _Stamp:
    stamps: list[tuple[str, int, int, int] | None] = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            stamps.append(None)
        else:
            stamps.append((path, st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(stamps)


class ReloadingTLS:
    """Certificate rotation without a restart, as exporter-toolkit re-reads its files on each handshake.

    The listening socket gets `listener`; on every ClientHello its SNI callback checks (one `stat`
    per file) whether the web config, certificate, key or client CA changed and, if so, builds a
    new context from them and hands the connection to it. A change that cannot be loaded (a key
    written before its certificate, a broken edit) is logged and the previous context kept, so
    handshakes keep working. `client_auth_type`, versions, ciphers and curves are fixed per
    listening socket by OpenSSL: changing them is logged as needing a restart.

    Args:
        settings: the validated `tls_server_config` from start-up.
        config_path: the `--web.config.file` it came from.

    Raises:
        ConfigError: the certificates cannot be loaded.

    """

    def __init__(self, settings: TLSSettings, config_path: str) -> None:
        self._config_path = config_path
        self._initial = settings
        self._settings = settings
        self._current = settings.context()
        self._stamp = _stamp(self._watched(settings))
        self.listener = settings.context()
        self.listener.sni_callback = self._on_client_hello

    def _watched(self, settings: TLSSettings) -> tuple[str, ...]:
        files = [self._config_path, settings.cert_file, settings.key_file]
        if settings.client_ca_file:
            files.append(settings.client_ca_file)
        return tuple(files)

    def current(self) -> ssl.SSLContext:
        """Return the context for a new connection, rebuilt first if a watched file changed."""
        stamp = _stamp(self._watched(self._settings))
        if stamp != self._stamp:
            self._stamp = stamp
            self._reload()
        return self._current

    def _reload(self) -> None:
        try:
            settings = load_web_config(self._config_path).tls
            if settings is None:
                raise ConfigError("tls_server_config was removed; turning TLS off needs a restart")
            context = settings.context()
        except ConfigError as exc:
            log.error(
                "TLS files changed but cannot be loaded; keeping the previous ones", extra={"kv": {"err": str(exc)}}
            )
            return
        fixed = [
            name
            for name in _RESTART_ONLY
            if getattr(settings, name) != getattr(self._initial, name)
            and getattr(settings, name) != getattr(self._settings, name)
        ]
        if fixed:
            log.warning(
                "tls_server_config changes that take effect only after a restart",
                extra={"kv": {"fields": ",".join(fixed)}},
            )
        self._settings = settings
        self._current = context
        self._stamp = _stamp(self._watched(settings))
        log.info("TLS certificates reloaded", extra={"kv": {"cert": settings.cert_file}})

    def _on_client_hello(
        self, connection: ssl.SSLObject | ssl.SSLSocket, _server_name: str | None, _ctx: ssl.SSLContext
    ) -> None:
        try:
            connection.context = self.current()
        except Exception:  # an exception here would only abort the handshake with no trace
            log.exception("TLS reload check failed; the connection uses the previous certificates")
